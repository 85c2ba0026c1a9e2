import { patentDecider } from './decider';
import { spec } from '../testing/given-when-then';
import { checkDigit } from '../application-number';
import { AN, INSTITUTION_ID, inventoried, inventoryPatent, lapsed, NOW, TOMORROW } from '../testing/fixtures';

const patent = spec(patentDecider);

/** A valid 12-digit number: year, type digit, serial. */
const an = (year: number, type: number, serial: number): string => {
  const digits = `${year}${type}${String(serial).padStart(7, '0')}`;
  return `${digits}.${checkDigit(digits)}`;
};

describe('InventoryPatent → PatentInventoried', () => {
  it('inventories a patent with normalized fields and defaults', () => {
    patent
      .given([])
      .when(
        inventoryPatent({
          applicationNumber: 'zl2017106018623',
          title: '  Lithium battery separator with ceramic coating ',
          inventors: [' Wang Wei', 'Li Na '],
          coPatentees: ['Shanxi Coal Group'],
          ipc: ['h01m   50/403', 'H01M10/0525'],
          highValueFlags: { overseasFamily: true },
        }),
      )
      .then([
        {
          type: 'PatentInventoried',
          data: {
            applicationNumber: '201710601862.3',
            institutionId: 'tyut',
            title: 'Lithium battery separator with ceramic coating',
            kind: 'invention',
            filingDate: '2017-07-21',
            grantDate: '2020-03-10',
            inventors: ['Wang Wei', 'Li Na'],
            coPatentees: ['Shanxi Coal Group'],
            ipc: ['H01M 50/403', 'H01M10/0525'],
            fiscallyFunded: true,
            implementationStatus: 'not-implemented',
            technologyReadiness: 5,
            selfAssessedGrade: 'A',
            applicationScenarios: ['energy storage'],
            highValueFlags: {
              strategicEmergingIndustry: false,
              overseasFamily: true,
              maintainedOver10Years: false,
              pledgeFinancing: false,
              award: false,
            },
            cohort: 'stock',
            occurredOn: '2024-03-15',
            funding: { projectNumber: '2016YFB0100100', funder: 'Ministry of Science and Technology' },
            declaration: { declaredOn: '2017-07-21' },
          },
        },
      ]);
  });

  it('defaults coPatentees, applicationScenarios and highValueFlags', () => {
    patent
      .given([])
      .when(inventoryPatent({ applicationScenarios: undefined }))
      .then([inventoried({ applicationScenarios: [] })]);
  });

  describe('cohort: stock = granted ≤ 2023-12-31, new = granted ≥ 2024-01-01', () => {
    it('granted 2023-12-31 is stock', () => {
      patent
        .given([])
        .when(inventoryPatent({ grantDate: '2023-12-31' }))
        .then([inventoried({ grantDate: '2023-12-31', cohort: 'stock' })]);
    });

    it('granted 2024-01-01 is new', () => {
      patent
        .given([])
        .when(inventoryPatent({ grantDate: '2024-01-01', occurredOn: '2024-02-01' }))
        .then([inventoried({ grantDate: '2024-01-01', cohort: 'new', occurredOn: '2024-02-01' })]);
    });
  });

  it('inventories once: a second InventoryPatent is rejected', () => {
    patent.given([inventoried()]).when(inventoryPatent()).thenThrows('PATENT.ALREADY_INVENTORIED', 'rule');
  });

  it('a lapsed patent is still "already inventoried"', () => {
    patent
      .given([inventoried(), lapsed()])
      .when(inventoryPatent())
      .thenThrows('PATENT.ALREADY_INVENTORIED', 'rule');
  });

  describe('application number', () => {
    it('rejects a wrong check digit', () => {
      patent
        .given([])
        .when(inventoryPatent({ applicationNumber: '201710601862.4' }))
        .thenThrows('PATENT.INVALID_CHECK_DIGIT', 'invalid');
    });

    it('rejects a malformed number', () => {
      patent
        .given([])
        .when(inventoryPatent({ applicationNumber: '2017-10601862' }))
        .thenThrows('PATENT.INVALID_APPLICATION_NUMBER', 'invalid');
    });

    it('rejects an unknown type digit', () => {
      patent
        .given([])
        .when(inventoryPatent({ applicationNumber: '201750601862.5' }))
        .thenThrows('PATENT.INVALID_APPLICATION_NUMBER', 'invalid');
    });

    it.each([
      ['utility-model', '201710601862.3'],
      ['design', '201710601862.3'],
      ['invention', '201720601862.9'],
      ['design', '201790601862.7'],
      ['utility-model', '201780601862.1'],
    ])('rejects kind %p contradicting the type digit of %p', (kind, applicationNumber) => {
      const e = patent
        .given([])
        .when(inventoryPatent({ kind, applicationNumber }))
        .thenThrows('PATENT.KIND_MISMATCH', 'invalid');
      expect(e.field).toBe('kind');
    });

    it.each([
      ['utility-model', '201720601862.9', '2027-07-21'],
      ['design', '201730601862.4', '2032-07-21'],
    ])('accepts kind %p for %p', (kind, applicationNumber) => {
      const [e] = patent.given([]).when(inventoryPatent({ kind, applicationNumber })).events();
      expect(e).toMatchObject({ data: { kind, applicationNumber } });
    });

    it('rejects a filing year that contradicts the number', () => {
      patent
        .given([])
        .when(inventoryPatent({ filingDate: '2018-01-05' }))
        .thenThrows('PATENT.FILING_YEAR_MISMATCH', 'invalid');
    });

    it('a PCT national-phase number (type 8/9) has the year of national entry: an earlier filing date is fine', () => {
      const [e] = patent
        .given([])
        .when(inventoryPatent({ applicationNumber: '201780601862.1', filingDate: '2016-03-01' }))
        .events();
      expect(e?.data).toMatchObject({ applicationNumber: '201780601862.1', filingDate: '2016-03-01' });
    });

    it('a PCT national-phase number: the filing date may not be later than the number’s year', () => {
      const e = patent
        .given([])
        .when(inventoryPatent({ applicationNumber: '201780601862.1', filingDate: '2018-01-05' }))
        .thenThrows('PATENT.FILING_YEAR_MISMATCH', 'invalid');
      expect(e.field).toBe('filingDate');
    });
  });

  describe('divisional applications (细则 r.48–49) keep the parent’s filing date', () => {
    const divisional = an(2019, 1, 601900); // filed 2019, keeps the 2017 date of its parent AN
    it('细则 r.48–49: a divisional numbered in 2019 with its parent’s 2017 filing date is accepted with divisionalOf', () => {
      patent
        .given([])
        .when(inventoryPatent({ applicationNumber: divisional, divisionalOf: 'ZL 2017 1060 1862.3' }))
        .then([inventoried({ applicationNumber: divisional, divisionalOf: AN })]);
      const { state } = patent.given([inventoried({ applicationNumber: divisional, divisionalOf: AN })]);
      // the term counts from the parent's filing date (专利法 Art. 42; 细则 r.49)
      expect(state).toMatchObject({ divisionalOf: AN, filingDate: '2017-07-21', expiryDate: '2037-07-20' });
    });

    it('细则 r.48–49: without divisionalOf the number’s year must be the filing year', () => {
      const e = patent
        .given([])
        .when(inventoryPatent({ applicationNumber: divisional }))
        .thenThrows('PATENT.FILING_YEAR_MISMATCH', 'invalid');
      expect(e.message).toContain('divisionalOf');
    });

    it('细则 r.49: a divisional of a divisional keeps the original date, so its parent may be of a later year too', () => {
      const grandchild = an(2021, 1, 602100);
      patent
        .given([])
        .when(inventoryPatent({ applicationNumber: grandchild, divisionalOf: divisional }))
        .then([inventoried({ applicationNumber: grandchild, divisionalOf: divisional })]);
    });

    it.each([
      ['a malformed parent', '2017-10601862', 'PATENT.INVALID_APPLICATION_NUMBER'],
      ['a parent with a wrong check digit', '201710601862.4', 'PATENT.INVALID_CHECK_DIGIT'],
      ['itself as parent', divisional, 'PATENT.INVALID_DIVISIONAL'],
      ['a parent of another kind (审查指南 I-1 §5.1.1)', '201720601862.9', 'PATENT.INVALID_DIVISIONAL'],
      ['a parent younger than the divisional', an(2020, 1, 1), 'PATENT.INVALID_DIVISIONAL'],
    ])('细则 r.48–49: rejects %s', (_what, divisionalOf, code) => {
      const e = patent
        .given([])
        .when(inventoryPatent({ applicationNumber: divisional, divisionalOf }))
        .thenThrows(code, 'invalid');
      expect(e.field).toBe('divisionalOf');
    });

    it('细则 r.49: the kept filing date may not be later than the parent’s year', () => {
      const e = patent
        .given([])
        .when(
          inventoryPatent({
            applicationNumber: divisional,
            divisionalOf: an(2018, 1, 601800),
            filingDate: '2019-01-10',
          }),
        )
        .thenThrows('PATENT.FILING_YEAR_MISMATCH', 'invalid');
      expect(e.field).toBe('filingDate');
    });
  });

  describe('8-digit (9 with the check digit) numbers belong to filings before 2003-10-01', () => {
    // 03100001: 3·3 + 1·4 + 1·9 = 22 → 0; an invention filed 2003-09-15 is in force until 2023-09-14
    const old = { applicationNumber: '03100001.0', filingDate: '2003-09-15', grantDate: '2006-05-10' };
    it('CNIPA numbering: an 8-digit number filed on 2003-09-15 is accepted', () => {
      patent
        .given([])
        .when(inventoryPatent({ ...old, occurredOn: '2023-06-01' }))
        .then([inventoried({ ...old, occurredOn: '2023-06-01' })]);
    });

    it('CNIPA numbering: an 8-digit number for a filing on or after 2003-10-01 is refused', () => {
      const e = patent
        .given([])
        .when(inventoryPatent({ ...old, filingDate: '2003-10-01', occurredOn: '2023-06-01' }))
        .thenThrows('PATENT.NUMBER_SCHEME_MISMATCH', 'invalid');
      expect(e.field).toBe('filingDate');
    });

    it('CNIPA numbering: a 12-digit 2003 number for a filing before 2003-10-01 is refused (unless divisional or PCT)', () => {
      const n = an(2003, 1, 500);
      const e = patent
        .given([])
        .when(
          inventoryPatent({
            applicationNumber: n,
            filingDate: '2003-09-30',
            grantDate: '2006-05-10',
            occurredOn: '2023-06-01',
          }),
        )
        .thenThrows('PATENT.NUMBER_SCHEME_MISMATCH', 'invalid');
      expect(e.field).toBe('filingDate');
      patent
        .given([])
        .when(
          inventoryPatent({
            applicationNumber: n,
            filingDate: '2003-10-01',
            grantDate: '2006-05-10',
            occurredOn: '2023-06-01',
          }),
        )
        .then([
          inventoried({
            applicationNumber: n,
            filingDate: '2003-10-01',
            grantDate: '2006-05-10',
            occurredOn: '2023-06-01',
          }),
        ]);
    });
  });

  describe('dates', () => {
    it('rejects a grantDate before the filingDate', () => {
      const e = patent
        .given([])
        .when(inventoryPatent({ filingDate: '2017-07-21', grantDate: '2017-07-20' }))
        .thenThrows('DATE.ORDER', 'invalid');
      expect(e.field).toBe('grantDate');
    });

    it('accepts a grantDate equal to the filingDate', () => {
      patent
        .given([])
        .when(inventoryPatent({ grantDate: '2017-07-21' }))
        .then([inventoried({ grantDate: '2017-07-21' })]);
    });

    it.each(['filingDate', 'grantDate', 'occurredOn'])('rejects a %s in the future', (field) => {
      const overrides =
        field === 'filingDate'
          ? {
              applicationNumber: '202510601862.8',
              filingDate: TOMORROW,
              grantDate: TOMORROW,
              occurredOn: TOMORROW,
            }
          : { [field]: TOMORROW };
      const e = patent.given([]).when(inventoryPatent(overrides)).thenThrows('DATE.IN_FUTURE', 'invalid');
      expect(e.field).toBe(field);
    });

    it('accepts today in China: occurredOn 2024-03-01 at 2024-02-29T16:30:00Z', () => {
      patent
        .given([])
        .when(inventoryPatent({ grantDate: '2024-02-01', occurredOn: '2024-03-01' }, '2024-02-29T16:30:00Z'))
        .then([inventoried({ grantDate: '2024-02-01', occurredOn: '2024-03-01', cohort: 'new' })]);
    });

    it('rejects 2024-03-01 at 2024-02-29T15:00:00Z (still 29 Feb in China)', () => {
      patent
        .given([])
        .when(inventoryPatent({ occurredOn: '2024-03-01' }, '2024-02-29T15:00:00Z'))
        .thenThrows('DATE.IN_FUTURE', 'invalid');
    });

    it.each(['filingDate', 'grantDate', 'occurredOn'])(
      'rejects a %s that is not a calendar date',
      (field) => {
        const e = patent
          .given([])
          .when(inventoryPatent({ [field]: '2023-02-29' }))
          .thenThrows('DATE.INVALID', 'invalid');
        expect(e.field).toBe(field);
      },
    );
  });

  describe('field validation', () => {
    it.each([
      [{ institutionId: 'tyut university' }, 'FIELD.INVALID_ID', 'institutionId'],
      [{ institutionId: undefined }, 'FIELD.INVALID_ID', 'institutionId'],
      [{ title: '   ' }, 'FIELD.REQUIRED', 'title'],
      [{ title: 'x'.repeat(501) }, 'FIELD.TOO_LONG', 'title'],
      [{ kind: 'software' }, 'FIELD.NOT_ALLOWED', 'kind'],
      [{ inventors: [] }, 'FIELD.REQUIRED', 'inventors'],
      [{ inventors: 'Wang Wei' }, 'FIELD.INVALID', 'inventors'],
      [{ inventors: ['Wang Wei', ''] }, 'FIELD.REQUIRED', 'inventors[1]'],
      [{ coPatentees: [7] }, 'FIELD.REQUIRED', 'coPatentees[0]'],
      [{ ipc: [] }, 'FIELD.REQUIRED', 'ipc'],
      [{ ipc: undefined }, 'FIELD.INVALID', 'ipc'],
      [{ ipc: ['H01M 50/403', 'battery'] }, 'PATENT.INVALID_IPC', 'ipc[1]'],
      [{ ipc: ['Z01M 50/403'] }, 'PATENT.INVALID_IPC', 'ipc[0]'],
      [{ fiscallyFunded: 'yes' }, 'FIELD.INVALID', 'fiscallyFunded'],
      [{ implementationStatus: 'licensed' }, 'FIELD.NOT_ALLOWED', 'implementationStatus'],
      [{ technologyReadiness: 0 }, 'FIELD.OUT_OF_RANGE', 'technologyReadiness'],
      [{ technologyReadiness: 10 }, 'FIELD.OUT_OF_RANGE', 'technologyReadiness'],
      [{ technologyReadiness: 4.5 }, 'FIELD.OUT_OF_RANGE', 'technologyReadiness'],
      [{ selfAssessedGrade: 'D' }, 'FIELD.NOT_ALLOWED', 'selfAssessedGrade'],
      [{ applicationScenarios: 'energy' }, 'FIELD.INVALID', 'applicationScenarios'],
      [{ highValueFlags: ['award'] }, 'FIELD.INVALID', 'highValueFlags'],
      [{ highValueFlags: 'award' }, 'FIELD.INVALID', 'highValueFlags'],
      [{ highValueFlags: { famous: true } }, 'FIELD.NOT_ALLOWED', 'highValueFlags.famous'],
      [{ highValueFlags: { award: 'yes' } }, 'FIELD.INVALID', 'highValueFlags.award'],
    ])('rejects %p with %s on %s', (overrides, code, field) => {
      const e = patent.given([]).when(inventoryPatent(overrides)).thenThrows(code, 'invalid');
      expect(e.field).toBe(field);
    });
  });

  it('folds into an active patent held by the institution, outside the pool, with its expiry and high-value flag', () => {
    const { state } = patent.given([
      inventoried({ highValueFlags: { ...inventoried().data.highValueFlags, award: true } }),
    ]);
    expect(state).toMatchObject({
      status: 'active',
      applicationNumber: AN,
      holder: { kind: 'institution', id: INSTITUTION_ID },
      inPool: false,
      // 专利法 Art. 42 ¶1: the last day of protection is the day before the 20th anniversary
      expiryDate: '2037-07-20',
      highValue: true,
      inventoriedOn: '2024-03-15',
      cohort: 'stock',
    });
  });

  it('a utility model is never high-value; 专利法 Art. 42 ¶1: its last day is the day before the 10th anniversary', () => {
    const { state } = patent.given([
      inventoried({
        applicationNumber: '201720601862.9',
        kind: 'utility-model',
        highValueFlags: { ...inventoried().data.highValueFlags, award: true },
      }),
    ]);
    expect(state).toMatchObject({ highValue: false, expiryDate: '2027-07-20' });
  });

  it('uses the fixed clock', () => {
    expect(inventoryPatent().now).toBe(NOW);
  });
});
