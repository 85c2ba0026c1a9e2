import { patentDecider } from './decider';
import { spec } from '../testing/given-when-then';
import {
  AN,
  ENT_A,
  ENT_B,
  EXPIRY,
  inPool,
  inventoried,
  licensed,
  licensePatent,
  licenseRecorded,
  openLicensed,
  openLicenseTaken,
  openLicenseWithdrawn,
  recordLicense,
  TOMORROW,
  transferred,
  transferRegistered,
} from '../testing/fixtures';
import { checkDigit } from '../application-number';
import type { Patent } from './state';
import { upcastPatentEvent } from './upcasters';

const withCheck = (digits: string): string => `${digits}.${checkDigit(digits)}`;

const patent = spec(patentDecider);

describe('LicensePatent → Licensed (许可合同)', () => {
  it('records the licence with the royalty normalized', () => {
    patent
      .given(inPool())
      .when(licensePatent({ type: 'sole', royalty: 20000050, licenseeName: ' Taiyuan Materials Ltd. ' }))
      .then([
        {
          type: 'Licensed',
          data: {
            applicationNumber: AN,
            dealId: 'deal-l1',
            licenseeId: ENT_B.id,
            licenseeName: 'Taiyuan Materials Ltd.',
            type: 'sole',
            contractDate: '2024-07-01',
            effectiveDate: '2024-07-01',
            endDate: '2026-06-30',
            royalty: '200000.50',
          },
        },
      ]);
  });

  it('may take effect in the future (a contract for a later term)', () => {
    patent
      .given(inPool())
      .when(licensePatent({ effectiveDate: '2026-01-01', endDate: '2030-12-31' }))
      .then([licensed({ effectiveDate: '2026-01-01', endDate: '2030-12-31' })]);
  });

  it('folds into a contract licence', () => {
    const { state } = patent.given([...inPool(), licensed()]);
    expect((state as Patent).licenses).toEqual([
      {
        dealId: 'deal-l1',
        licenseeId: ENT_B.id,
        licenseeName: ENT_B.name,
        type: 'ordinary',
        contractDate: '2024-07-01',
        effectiveDate: '2024-07-01',
        endDate: '2026-06-30',
        royalty: '200000.00',
        source: 'contract',
      },
    ]);
  });

  // Corrected in issue 14: the last day of protection is the day before the anniversary, and a
  // design filed before 2021-06-01 has 10 years, not 15 (the old expectations were legally wrong).
  describe('专利法 Art. 42: endDate ≤ the last day of protection (the day before the 20th / 10th / 10th or 15th anniversary)', () => {
    it.each([
      ['invention', '201710601862.3', '2017-07-21', EXPIRY, '2037-07-21'],
      ['utility-model', '201720601862.9', '2017-07-21', '2027-07-20', '2027-07-21'],
      ['design', '201730601862.4', '2017-07-21', '2027-07-20', '2027-07-21'],
      ['design', '202130601862.?', '2021-06-01', '2036-05-31', '2036-06-01'],
    ])('%s %s filed %s: ends on %s at the latest', (kind, number, filingDate, lastDay, dayAfter) => {
      const applicationNumber = number.endsWith('?') ? withCheck(number.slice(0, 12)) : number;
      const given = [
        inventoried({ applicationNumber, kind: kind as 'invention', filingDate, grantDate: '2022-03-10' }),
      ];
      patent
        .given(given)
        .when(licensePatent({ applicationNumber, endDate: lastDay }))
        .then([licensed({ applicationNumber, endDate: lastDay })]);
      const e = patent
        .given(given)
        .when(licensePatent({ applicationNumber, endDate: dayAfter }))
        .thenThrows('LICENSE.BEYOND_EXPIRY', 'rule');
      expect(e.field).toBe('endDate');
    });

    it('专利法 Art. 42 with 细则 r.5: filed 29 February, the anniversary in a common year is 28 February', () => {
      const given = [inventoried({ applicationNumber: '201610601862.9', filingDate: '2016-02-29' })];
      expect(patent.given(given).state).toMatchObject({ expiryDate: '2036-02-28' });
      const um = [
        inventoried({ applicationNumber: '201620601862.4', kind: 'utility-model', filingDate: '2016-02-29' }),
      ];
      expect(patent.given(um).state).toMatchObject({ expiryDate: '2026-02-27' });
      patent
        .given(um)
        .when(licensePatent({ applicationNumber: '201620601862.4', endDate: '2026-02-28' }))
        .thenThrows('LICENSE.BEYOND_EXPIRY', 'rule');
    });

    it('专利法 Art. 12: the licensed term does not start before the grant (nor, therefore, before filing)', () => {
      const e = patent
        .given(inPool()) // granted 2020-03-10
        .when(licensePatent({ effectiveDate: '2020-03-09' }))
        .thenThrows('LICENSE.BEFORE_GRANT', 'rule');
      expect(e.field).toBe('effectiveDate');
      patent
        .given(inPool())
        .when(licensePatent({ effectiveDate: '2020-03-10', contractDate: '2020-02-01' }))
        .then([licensed({ effectiveDate: '2020-03-10', contractDate: '2020-02-01' })]);
    });
  });

  describe('the contract date apart from the start of the term (细则 r.15 ¶2: recordal runs from the contract’s effective date)', () => {
    it('细则 r.15 ¶2: a contract of 2024-06-15 for a term from 2024-09-01 keeps both dates', () => {
      patent
        .given(inPool())
        .when(licensePatent({ contractDate: '2024-06-15', effectiveDate: '2024-09-01' }))
        .then([licensed({ contractDate: '2024-06-15', effectiveDate: '2024-09-01' })]);
    });

    it('the contract date is a fact: not in the future, required', () => {
      patent
        .given(inPool())
        .when(licensePatent({ contractDate: TOMORROW }))
        .thenThrows('DATE.IN_FUTURE', 'invalid');
      patent
        .given(inPool())
        .when(licensePatent({ contractDate: undefined }))
        .thenThrows('DATE.INVALID', 'invalid');
    });

    it('a Licensed event of schema v1 reads with its contract date on the start of the term (upcaster)', () => {
      const { contractDate: _c, ...v1 } = licensed({ effectiveDate: '2024-02-01' }).data;
      const { event } = upcastPatentEvent({ type: 'Licensed', data: v1, metadata: { schemaVersion: 1 } });
      expect(event.data).toEqual({ ...v1, contractDate: '2024-02-01' });
    });
  });

  describe('territory × field of use × period: an exclusive licence excludes only what overlaps', () => {
    const shanxi = licensed({
      dealId: 'deal-l0',
      licenseeId: ENT_A.id,
      type: 'exclusive',
      territory: ['140000'],
    });
    it('专利法 Art. 12; 最高法 技术合同解释 Art. 25: an exclusive licence in Shanxi does not exclude one in Shaanxi', () => {
      patent
        .given([...inPool(), shanxi])
        .when(licensePatent({ territory: ['610000'] }))
        .then([licensed({ territory: ['610000'] })]);
    });

    it('an exclusive licence in Shanxi excludes one in Taiyuan (a city of Shanxi), and one for all of China', () => {
      for (const territory of [['140100'], ['CN'], undefined]) {
        patent
          .given([...inPool(), shanxi])
          .when(licensePatent({ territory }))
          .thenThrows('LICENSE.EXCLUSIVITY_CONFLICT', 'rule');
      }
    });

    it('an exclusive licence for one field of use does not exclude another field in the same territory', () => {
      const batteries = licensed({
        dealId: 'deal-l0',
        licenseeId: ENT_A.id,
        type: 'exclusive',
        fieldsOfUse: ['power batteries'],
      });
      patent
        .given([...inPool(), batteries])
        .when(licensePatent({ type: 'sole', fieldsOfUse: ['energy storage'] }))
        .then([licensed({ type: 'sole', fieldsOfUse: ['energy storage'] })]);
      patent
        .given([...inPool(), batteries])
        .when(licensePatent({ fieldsOfUse: ['Power Batteries', 'drones'] }))
        .thenThrows('LICENSE.EXCLUSIVITY_CONFLICT', 'rule');
    });

    it('normalises territory codes (deduplicated, sorted; CN means all of China) and refuses others', () => {
      patent
        .given(inPool())
        .when(licensePatent({ territory: ['610000', '140000', '140000'] }))
        .then([licensed({ territory: ['140000', '610000'] })]);
      patent
        .given(inPool())
        .when(licensePatent({ territory: ['CN'] }))
        .then([licensed()]);
      const e = patent
        .given(inPool())
        .when(licensePatent({ territory: ['Shanxi'] }))
        .thenThrows('LICENSE.INVALID_TERRITORY', 'invalid');
      expect(e.field).toBe('territory[0]');
    });
  });

  describe('exclusivity (独占 / 排他 exclude other licensees)', () => {
    const ordinary = licensed({
      dealId: 'deal-l0',
      licenseeId: ENT_A.id,
      licenseeName: ENT_A.name,
      type: 'ordinary',
    });

    it.each(['exclusive', 'sole'])('a %s licence may not overlap an ordinary licence in force', (type) => {
      patent
        .given([...inPool(), ordinary])
        .when(licensePatent({ type, effectiveDate: '2025-01-01', endDate: '2027-12-31' }))
        .thenThrows('LICENSE.EXCLUSIVITY_CONFLICT', 'rule');
    });

    it.each(['exclusive', 'sole'])(
      'a %s licence may not overlap another exclusive or sole licence',
      (type) => {
        for (const existing of ['exclusive', 'sole'] as const) {
          patent
            .given([...inPool(), licensed({ ...ordinary.data, type: existing })])
            .when(licensePatent({ type }))
            .thenThrows('LICENSE.EXCLUSIVITY_CONFLICT', 'rule');
        }
      },
    );

    it('touching on one day is an overlap', () => {
      patent
        .given([...inPool(), ordinary]) // 2024-07-01 .. 2026-06-30
        .when(licensePatent({ type: 'exclusive', effectiveDate: '2026-06-30', endDate: '2027-06-30' }))
        .thenThrows('LICENSE.EXCLUSIVITY_CONFLICT', 'rule');
    });

    it('an exclusive licence starting the day after the ordinary one ends is fine', () => {
      patent
        .given([...inPool(), ordinary])
        .when(licensePatent({ type: 'exclusive', effectiveDate: '2026-07-01', endDate: '2027-06-30' }))
        .then([licensed({ type: 'exclusive', effectiveDate: '2026-07-01', endDate: '2027-06-30' })]);
    });

    it.each(['exclusive', 'sole'] as const)(
      'no licence of any type may overlap a %s licence in force',
      (type) => {
        const given = [...inPool(), licensed({ ...ordinary.data, type })];
        for (const newType of ['ordinary', 'sole', 'exclusive']) {
          patent
            .given(given)
            .when(licensePatent({ type: newType, effectiveDate: '2026-06-30', endDate: '2028-12-31' }))
            .thenThrows('LICENSE.EXCLUSIVITY_CONFLICT', 'rule');
        }
      },
    );

    it('even to the same licensee', () => {
      patent
        .given([...inPool(), licensed({ type: 'exclusive' })])
        .when(licensePatent({ dealId: 'deal-l2', type: 'ordinary' }))
        .thenThrows('LICENSE.EXCLUSIVITY_CONFLICT', 'rule');
    });

    it('ordinary licences may overlap each other', () => {
      patent
        .given([...inPool(), ordinary])
        .when(licensePatent())
        .then([licensed()]);
    });

    it('licences after an exclusive one ended are fine', () => {
      patent
        .given([...inPool(), licensed({ ...ordinary.data, type: 'exclusive', endDate: '2024-12-31' })])
        .when(licensePatent({ effectiveDate: '2025-01-01', endDate: '2025-12-31' }))
        .then([licensed({ effectiveDate: '2025-01-01', endDate: '2025-12-31' })]);
    });

    it('an open-licence taker’s licence counts as a licence in force', () => {
      patent
        .given([...inPool(), openLicensed(), openLicenseTaken(), openLicenseWithdrawn()])
        .when(licensePatent({ type: 'exclusive', effectiveDate: '2025-06-01', endDate: '2027-06-30' }))
        .thenThrows('LICENSE.EXCLUSIVITY_CONFLICT', 'rule');
    });
  });

  describe('an exclusive or sole licence may not overlap an active open licence', () => {
    // open licence ol-1: 2025-01-01 .. 2026-12-31
    it.each(['exclusive', 'sole'])(
      '%s is rejected during the declaration’s term and allowed after it',
      (type) => {
        patent
          .given([...inPool(), openLicensed()])
          .when(licensePatent({ type, effectiveDate: '2027-01-01', endDate: '2028-12-31' }))
          .then([licensed({ type: type as 'sole', effectiveDate: '2027-01-01', endDate: '2028-12-31' })]);
        patent
          .given([...inPool(), openLicensed()])
          .when(licensePatent({ type, effectiveDate: '2024-01-01', endDate: '2025-01-01' }))
          .thenThrows('LICENSE.OPEN_LICENSE_ACTIVE', 'rule');
      },
    );

    it('an ordinary licence alongside an open licence is fine', () => {
      patent
        .given([...inPool(), openLicensed()])
        .when(licensePatent())
        .then([licensed()]);
    });

    it('after withdrawal (and no takers) the declaration no longer blocks periods after the withdrawal', () => {
      patent
        .given([...inPool(), openLicensed(), openLicenseWithdrawn()]) // withdrawn 2025-03-01
        .when(licensePatent({ type: 'exclusive', effectiveDate: '2025-03-02', endDate: '2027-06-30' }))
        .then([licensed({ type: 'exclusive', effectiveDate: '2025-03-02', endDate: '2027-06-30' })]);
      patent
        .given([...inPool(), openLicensed(), openLicenseWithdrawn()])
        .when(licensePatent({ type: 'exclusive', effectiveDate: '2025-02-01', endDate: '2027-06-30' }))
        .thenThrows('LICENSE.OPEN_LICENSE_ACTIVE', 'rule');
    });
  });

  it('rejects a deal id already used', () => {
    patent
      .given([...inPool(), licensed()])
      .when(licensePatent())
      .thenThrows('DEAL.DUPLICATE_ID', 'rule');
    patent
      .given([...inPool(), transferred()])
      .when(licensePatent({ dealId: 'deal-t1' }))
      .thenThrows('DEAL.DUPLICATE_ID', 'rule');
  });

  it('is rejected once ownership moved', () => {
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(licensePatent({ effectiveDate: '2025-01-01' }))
      .thenThrows('PATENT.NOT_HELD_BY_INSTITUTION', 'rule');
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(licensePatent()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });

  it.each([
    [{ dealId: '' }, 'FIELD.INVALID_ID', 'dealId'],
    [{ type: 'semi-exclusive' }, 'FIELD.NOT_ALLOWED', 'type'],
    [{ effectiveDate: '2024-06-31' }, 'DATE.INVALID', 'effectiveDate'],
    [{ endDate: undefined }, 'DATE.INVALID', 'endDate'],
    [{ effectiveDate: '2026-07-01', endDate: '2026-06-30' }, 'DATE.ORDER', 'endDate'],
    [{ licenseeId: 'ent b' }, 'FIELD.INVALID_ID', 'licenseeId'],
    [{ licenseeName: '' }, 'FIELD.REQUIRED', 'licenseeName'],
    [{ royalty: '-200' }, 'MONEY.INVALID', 'royalty'],
    [{ royalty: undefined }, 'MONEY.INVALID', 'royalty'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given(inPool()).when(licensePatent(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });
});

describe('RecordLicense → LicenseRecorded (许可合同备案)', () => {
  it('records the licence contract', () => {
    patent
      .given([...inPool(), licensed()])
      .when(recordLicense({ recordalNumber: ' 2024990000123 ' }))
      .then([
        {
          type: 'LicenseRecorded',
          data: {
            applicationNumber: AN,
            dealId: 'deal-l1',
            recordalNumber: '2024990000123',
            recordedOn: '2024-08-01',
          },
        },
      ]);
  });

  it('records an open-licence taker’s licence', () => {
    patent
      .given([...inPool(), openLicensed(), openLicenseTaken()])
      .when(recordLicense({ dealId: 'deal-o1', recordedOn: '2025-02-10' }))
      .then([licenseRecorded({ dealId: 'deal-o1', recordedOn: '2025-02-10' })]);
  });

  it('still records after ownership moved (the obligation stays)', () => {
    patent
      .given([...inPool(), licensed(), transferred(), transferRegistered()])
      .when(recordLicense({ recordedOn: '2024-11-01' }))
      .then([licenseRecorded({ recordedOn: '2024-11-01' })]);
  });

  it('folds the recordal into the licence', () => {
    const { state } = patent.given([...inPool(), licensed(), licenseRecorded()]);
    expect((state as Patent).licenses[0]?.recordal).toEqual({
      recordalNumber: '2024990000123',
      recordedOn: '2024-08-01',
    });
  });

  it('rejects an unknown licence (not-found)', () => {
    const e = patent
      .given([...inPool(), licensed()])
      .when(recordLicense({ dealId: 'deal-x' }))
      .thenThrows('LICENSE.NOT_FOUND', 'not-found');
    expect(e.field).toBe('dealId');
  });

  it('rejects a transfer deal id', () => {
    patent
      .given([...inPool(), transferred()])
      .when(recordLicense({ dealId: 'deal-t1' }))
      .thenThrows('LICENSE.NOT_FOUND', 'not-found');
  });

  it('rejects a second recordal', () => {
    patent
      .given([...inPool(), licensed(), licenseRecorded()])
      .when(recordLicense({ recordalNumber: 'other' }))
      .thenThrows('LICENSE.ALREADY_RECORDED', 'rule');
  });

  it.each([
    [{ recordalNumber: '' }, 'FIELD.REQUIRED', 'recordalNumber'],
    [{ recordalNumber: 'R'.repeat(101) }, 'FIELD.TOO_LONG', 'recordalNumber'],
    [{ recordedOn: TOMORROW }, 'DATE.IN_FUTURE', 'recordedOn'],
    [{ recordedOn: 'soon' }, 'DATE.INVALID', 'recordedOn'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent
      .given([...inPool(), licensed()])
      .when(recordLicense(overrides))
      .thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(recordLicense()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });
});
