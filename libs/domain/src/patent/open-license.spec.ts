import { patentDecider } from './decider';
import { spec } from '../testing/given-when-then';
import {
  AN,
  dealEnded,
  declareOpenLicense,
  ENT_A,
  ENT_B,
  ENT_C,
  EXPIRY,
  inPool,
  inventoried,
  licensed,
  licensePatent,
  openLicensed,
  openLicenseTaken,
  openLicenseWithdrawn,
  takeOpenLicense,
  TOMORROW,
  transferred,
  transferRegistered,
  withdrawOpenLicense,
} from '../testing/fixtures';
import type { Patent } from './state';

const patent = spec(patentDecider);

const utilityModel = () => inventoried({ applicationNumber: '201720601862.9', kind: 'utility-model' });
const design = () => inventoried({ applicationNumber: '201730601862.4', kind: 'design' });

describe('DeclareOpenLicense → OpenLicensed (开放许可声明)', () => {
  it('declares an open licence of an invention with a percentage royalty (no evaluation report needed)', () => {
    patent
      .given(inPool())
      .when(declareOpenLicense())
      .then([
        {
          type: 'OpenLicensed',
          data: {
            applicationNumber: AN,
            declarationId: 'ol-1',
            royalty: { basis: 'percentage-of-sales', rate: 3 },
            termFrom: '2025-01-01',
            termTo: '2026-12-31',
            occurredOn: '2025-01-01',
          },
        },
      ]);
  });

  it('normalizes a lump-sum royalty and keeps an evaluation report reference', () => {
    patent
      .given(inPool())
      .when(
        declareOpenLicense({
          royalty: { basis: 'lump-sum', amount: 5000000 },
          evaluationReportRef: ' PJ-2024-77 ',
        }),
      )
      .then([
        openLicensed({
          royalty: { basis: 'lump-sum', amount: '50000.00' },
          evaluationReportRef: 'PJ-2024-77',
        }),
      ]);
  });

  it('does not need the pool', () => {
    patent.given([inventoried()]).when(declareOpenLicense()).then([openLicensed()]);
  });

  describe('evaluationReportRef is required for utility models and designs (Art. 50)', () => {
    it.each([
      ['utility-model', utilityModel],
      ['design', design],
    ])('a %s without a report is rejected', (_kind, inventory) => {
      const e = patent
        .given([inventory()])
        .when(declareOpenLicense({ applicationNumber: inventory().data.applicationNumber }))
        .thenThrows('OPEN_LICENSE.EVALUATION_REPORT_REQUIRED', 'invalid');
      expect(e.field).toBe('evaluationReportRef');
    });

    it('a blank report reference counts as none', () => {
      patent
        .given([utilityModel()])
        .when(declareOpenLicense({ applicationNumber: '201720601862.9', evaluationReportRef: '  ' }))
        .thenThrows('OPEN_LICENSE.EVALUATION_REPORT_REQUIRED', 'invalid');
    });

    it.each([
      ['utility-model', utilityModel],
      ['design', design],
    ])('a %s with a report is accepted', (_kind, inventory) => {
      const applicationNumber = inventory().data.applicationNumber;
      patent
        .given([inventory()])
        .when(declareOpenLicense({ applicationNumber, evaluationReportRef: 'PJ-1' }))
        .then([openLicensed({ applicationNumber, evaluationReportRef: 'PJ-1' })]);
    });
  });

  describe('细则 r.86(1): not while an exclusive or sole licence is in force at the time of the declaration', () => {
    it.each(['exclusive', 'sole'] as const)(
      '细则 r.86(1): a %s licence in force on the declaration day blocks it',
      (type) => {
        patent
          .given([...inPool(), licensed({ type, effectiveDate: '2024-07-01', endDate: '2025-01-01' })])
          .when(declareOpenLicense())
          .thenThrows('OPEN_LICENSE.EXCLUSIVE_LICENSE_IN_FORCE', 'rule');
      },
    );

    it('an exclusive licence that ended before the term does not', () => {
      patent
        .given([
          ...inPool(),
          licensed({ type: 'exclusive', effectiveDate: '2024-01-01', endDate: '2024-12-31' }),
        ])
        .when(declareOpenLicense())
        .then([openLicensed()]);
    });

    it('an ordinary licence does not', () => {
      patent
        .given([...inPool(), licensed()])
        .when(declareOpenLicense())
        .then([openLicensed()]);
    });

    it('细则 r.86(1): an exclusive licence that ended before the declaration does not block it, even when the declared term starts earlier', () => {
      patent
        .given([
          ...inPool(),
          licensed({ type: 'exclusive', effectiveDate: '2024-07-01', endDate: '2024-12-31' }),
        ])
        .when(declareOpenLicense({ occurredOn: '2025-01-02', termFrom: '2024-12-01' }))
        .then([openLicensed({ occurredOn: '2025-01-02', termFrom: '2024-12-01' })]);
    });

    it('细则 r.86(1): a sole licence already granted for a later part of the offered term blocks it', () => {
      patent
        .given([
          ...inPool(),
          licensed({
            type: 'sole',
            contractDate: '2024-12-01',
            effectiveDate: '2026-01-01',
            endDate: '2027-12-31',
          }),
        ])
        .when(declareOpenLicense())
        .thenThrows('OPEN_LICENSE.EXCLUSIVE_LICENSE_IN_FORCE', 'rule');
    });

    it('an exclusive licence terminated early stops blocking from its end (民法典 Art. 557)', () => {
      patent
        .given([
          ...inPool(),
          licensed({ type: 'exclusive', effectiveDate: '2024-07-01', endDate: '2026-06-30' }),
          dealEnded({ dealId: 'deal-l1', ending: 'terminated', endedOn: '2024-12-15' }),
        ])
        .when(declareOpenLicense())
        .then([openLicensed()]);
    });
  });

  describe('专利法 Art. 50: only the patentee of a granted patent declares', () => {
    it('专利法 Art. 50: a declaration dated before the grant is refused', () => {
      const e = patent
        .given([inventoried({ grantDate: '2024-11-20', occurredOn: '2024-12-01' })])
        .when(declareOpenLicense({ occurredOn: '2024-11-19', termFrom: '2025-01-01' }))
        .thenThrows('OPEN_LICENSE.BEFORE_GRANT', 'rule');
      expect(e.field).toBe('occurredOn');
    });

    it('专利法 Art. 50: a term starting before the grant is refused', () => {
      const e = patent
        .given([inventoried({ grantDate: '2024-11-20', occurredOn: '2024-12-01' })])
        .when(declareOpenLicense({ occurredOn: '2024-12-01', termFrom: '2024-11-01' }))
        .thenThrows('OPEN_LICENSE.BEFORE_GRANT', 'rule');
      expect(e.field).toBe('termFrom');
    });
  });

  describe('one active declaration at a time', () => {
    it('a second declaration while one is active is rejected', () => {
      patent
        .given([...inPool(), openLicensed()])
        .when(
          declareOpenLicense({
            declarationId: 'ol-2',
            occurredOn: '2025-04-01',
            termFrom: '2027-01-01',
            termTo: '2027-12-31',
          }),
        )
        .thenThrows('OPEN_LICENSE.ALREADY_ACTIVE', 'rule');
    });

    it('a withdrawn declaration allows a new one', () => {
      patent
        .given([...inPool(), openLicensed(), openLicenseWithdrawn()])
        .when(declareOpenLicense({ declarationId: 'ol-2', occurredOn: '2025-04-01', termFrom: '2025-04-01' }))
        .then([openLicensed({ declarationId: 'ol-2', occurredOn: '2025-04-01', termFrom: '2025-04-01' })]);
    });

    it('an expired declaration allows a new one', () => {
      patent
        .given([
          ...inPool(),
          openLicensed({ termFrom: '2024-01-01', termTo: '2024-12-31', occurredOn: '2024-01-01' }),
        ])
        .when(declareOpenLicense({ declarationId: 'ol-2' }))
        .then([openLicensed({ declarationId: 'ol-2' })]);
    });

    it('a declaration id may not be reused, even after withdrawal', () => {
      patent
        .given([...inPool(), openLicensed(), openLicenseWithdrawn()])
        .when(declareOpenLicense({ occurredOn: '2025-04-01', termFrom: '2025-04-01' }))
        .thenThrows('OPEN_LICENSE.DUPLICATE_ID', 'rule');
    });
  });

  it('the term may end on the expiry date but not after it', () => {
    patent
      .given(inPool())
      .when(declareOpenLicense({ termTo: EXPIRY }))
      .then([openLicensed({ termTo: EXPIRY })]);
    const e = patent
      .given(inPool())
      .when(declareOpenLicense({ termTo: '2037-07-22' }))
      .thenThrows('OPEN_LICENSE.BEYOND_EXPIRY', 'rule');
    expect(e.field).toBe('termTo');
  });

  it('is rejected once ownership moved', () => {
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(declareOpenLicense())
      .thenThrows('PATENT.NOT_HELD_BY_INSTITUTION', 'rule');
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(declareOpenLicense()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });

  it.each([
    [{ declarationId: 'ol 1' }, 'FIELD.INVALID_ID', 'declarationId'],
    [{ occurredOn: TOMORROW }, 'DATE.IN_FUTURE', 'occurredOn'],
    [{ termFrom: '2025-02-29' }, 'DATE.INVALID', 'termFrom'],
    [{ termTo: undefined }, 'DATE.INVALID', 'termTo'],
    [{ termFrom: '2026-01-01', termTo: '2025-12-31' }, 'DATE.ORDER', 'termTo'],
    [{ evaluationReportRef: 'R'.repeat(201) }, 'FIELD.TOO_LONG', 'evaluationReportRef'],
    [{ evaluationReportRef: 7 }, 'FIELD.INVALID', 'evaluationReportRef'],
    [{ royalty: undefined }, 'FIELD.REQUIRED', 'royalty'],
    [{ royalty: { basis: 'barter' } }, 'FIELD.NOT_ALLOWED', 'royalty.basis'],
    [{ royalty: { basis: 'lump-sum', amount: '100', rate: 3 } }, 'FIELD.NOT_ALLOWED', 'royalty.rate'],
    [{ royalty: { basis: 'lump-sum' } }, 'MONEY.INVALID', 'royalty.amount'],
    [{ royalty: { basis: 'lump-sum', amount: -100 } }, 'MONEY.INVALID', 'royalty.amount'],
    [
      { royalty: { basis: 'percentage-of-sales', rate: 3, amount: '100' } },
      'FIELD.NOT_ALLOWED',
      'royalty.amount',
    ],
    [{ royalty: { basis: 'percentage-of-sales' } }, 'FIELD.OUT_OF_RANGE', 'royalty.rate'],
    [{ royalty: { basis: 'percentage-of-sales', rate: 0 } }, 'FIELD.OUT_OF_RANGE', 'royalty.rate'],
    [{ royalty: { basis: 'percentage-of-sales', rate: 100.5 } }, 'FIELD.OUT_OF_RANGE', 'royalty.rate'],
    [{ royalty: { basis: 'percentage-of-sales', rate: '3' } }, 'FIELD.OUT_OF_RANGE', 'royalty.rate'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given(inPool()).when(declareOpenLicense(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });

  it('accepts a rate of exactly 100 % and a fractional rate', () => {
    for (const rate of [100, 2.5]) {
      patent
        .given(inPool())
        .when(declareOpenLicense({ royalty: { basis: 'percentage-of-sales', rate } }))
        .then([openLicensed({ royalty: { basis: 'percentage-of-sales', rate } })]);
    }
  });

  it('folds into a declaration with its declaration date', () => {
    const { state } = patent.given([...inPool(), openLicensed({ occurredOn: '2024-12-20' })]);
    expect((state as Patent).openLicenses).toEqual([
      {
        declarationId: 'ol-1',
        royalty: { basis: 'percentage-of-sales', rate: 3 },
        termFrom: '2025-01-01',
        termTo: '2026-12-31',
        // 专利法 Art. 51 ¶1 as the declaration says: a royalty on sales runs from the notification
        licenceFrom: 'notification',
        declaredOn: '2024-12-20',
      },
    ]);
  });
});

describe('专利法 Art. 51 ¶1: the taker notifies in writing and pays the published fee', () => {
  const lumpSum = openLicensed({ royalty: { basis: 'lump-sum', amount: '50000.00' } });
  const declared = [...inPool(), lumpSum];

  it('专利法 Art. 51 ¶1: under a lump-sum declaration the licence exists from the payment', () => {
    patent
      .given(declared)
      .when(takeOpenLicense({ payment: { paidOn: '2025-02-10', amount: '50000' } }))
      .then([
        openLicenseTaken({
          payment: { paidOn: '2025-02-10', amount: '50000.00' },
          effectiveDate: '2025-02-10',
        }),
      ]);
    const { state } = patent.given([
      ...declared,
      openLicenseTaken({
        payment: { paidOn: '2025-02-10', amount: '50000.00' },
        effectiveDate: '2025-02-10',
      }),
    ]);
    expect((state as Patent).licenses[0]).toMatchObject({
      type: 'ordinary',
      source: 'open-license',
      notifiedOn: '2025-02-01',
      payment: { paidOn: '2025-02-10', amount: '50000.00' },
      contractDate: '2025-02-10',
      effectiveDate: '2025-02-10',
      endDate: '2026-12-31',
    });
  });

  it('专利法 Art. 51 ¶1: paid before the written notice, the licence exists from the notice', () => {
    const [e] = patent
      .given(declared)
      .when(takeOpenLicense({ payment: { paidOn: '2025-01-20', amount: '50000' } }))
      .events();
    expect(e?.data).toMatchObject({ effectiveDate: '2025-02-01' });
  });

  it('专利法 Art. 51 ¶1: a notice without the payment creates no licence', () => {
    const e = patent.given(declared).when(takeOpenLicense()).thenThrows('OPEN_LICENSE.FEE_NOT_PAID', 'rule');
    expect(e.field).toBe('payment');
  });

  it('专利法 Art. 51 ¶1: less than the published fee is not the payment', () => {
    const e = patent
      .given(declared)
      .when(takeOpenLicense({ payment: { paidOn: '2025-02-10', amount: '49999.99' } }))
      .thenThrows('OPEN_LICENSE.FEE_NOT_PAID', 'rule');
    expect(e.field).toBe('payment.amount');
  });

  it('专利法 Art. 51 ¶1 “as the declaration says”: a declaration may start licences on notification', () => {
    patent
      .given([
        ...inPool(),
        openLicensed({ royalty: { basis: 'lump-sum', amount: '50000.00' }, licenceFrom: 'notification' }),
      ])
      .when(takeOpenLicense())
      .then([openLicenseTaken()]);
  });

  it('a payment after the withdrawal comes too late to create the licence (Art. 50 ¶2 protects earlier takers only)', () => {
    patent
      .given([...declared, openLicenseWithdrawn({ withdrawnOn: '2025-02-05' })])
      .when(takeOpenLicense({ payment: { paidOn: '2025-02-10', amount: '50000' } }))
      .thenThrows('OPEN_LICENSE.NOT_ACTIVE', 'rule');
  });

  it('the declaration records when licences begin, when it says so', () => {
    patent
      .given(inPool())
      .when(declareOpenLicense({ licenceFrom: 'payment' }))
      .then([openLicensed({ licenceFrom: 'payment' })]);
    patent
      .given(inPool())
      .when(declareOpenLicense({ licenceFrom: 'on-request' }))
      .thenThrows('FIELD.NOT_ALLOWED', 'invalid');
  });
});

describe('TakeOpenLicense → OpenLicenseTaken (开放许可实施)', () => {
  const declared = [...inPool(), openLicensed()];

  it('takes the active declaration and names the deal of the licence it creates', () => {
    patent
      .given(declared)
      .when(takeOpenLicense({ licenseeName: ' Datong Technology Co. ' }))
      .then([
        {
          type: 'OpenLicenseTaken',
          data: {
            applicationNumber: AN,
            declarationId: 'ol-1',
            dealId: 'deal-o1',
            licenseeId: ENT_C.id,
            licenseeName: 'Datong Technology Co.',
            notifiedOn: '2025-02-01',
          },
        },
      ]);
  });

  it('creates an ordinary licence from notifiedOn to the end of the declaration’s term', () => {
    const { state } = patent.given([...declared, openLicenseTaken()]);
    expect((state as Patent).licenses).toEqual([
      {
        dealId: 'deal-o1',
        licenseeId: ENT_C.id,
        licenseeName: ENT_C.name,
        type: 'ordinary',
        contractDate: '2025-02-01',
        effectiveDate: '2025-02-01',
        endDate: '2026-12-31',
        source: 'open-license',
        declarationId: 'ol-1',
      },
    ]);
  });

  it('several licensees may take the same declaration (ordinary licences overlap)', () => {
    patent
      .given([...declared, openLicenseTaken()])
      .when(
        takeOpenLicense({
          dealId: 'deal-o2',
          licenseeId: ENT_B.id,
          licenseeName: ENT_B.name,
          notifiedOn: '2025-02-05',
        }),
      )
      .then([
        openLicenseTaken({
          dealId: 'deal-o2',
          licenseeId: ENT_B.id,
          licenseeName: ENT_B.name,
          notifiedOn: '2025-02-05',
        }),
      ]);
  });

  it('on the first and last day of the term', () => {
    patent
      .given(declared)
      .when(takeOpenLicense({ notifiedOn: '2025-01-01' }))
      .then([openLicenseTaken({ notifiedOn: '2025-01-01' })]);
    patent
      .given([...inPool(), openLicensed({ termTo: '2025-05-31' })])
      .when(takeOpenLicense({ notifiedOn: '2025-05-31' }))
      .then([openLicenseTaken({ notifiedOn: '2025-05-31' })]);
  });

  describe('only under an active declaration', () => {
    it('no declaration', () => {
      patent.given(inPool()).when(takeOpenLicense()).thenThrows('OPEN_LICENSE.NOT_ACTIVE', 'rule');
    });

    it('before the term', () => {
      patent
        .given([...inPool(), openLicensed({ termFrom: '2025-02-02', occurredOn: '2025-01-15' })])
        .when(takeOpenLicense())
        .thenThrows('OPEN_LICENSE.NOT_ACTIVE', 'rule');
    });

    it('after the term', () => {
      patent
        .given([...inPool(), openLicensed({ termTo: '2025-01-31' })])
        .when(takeOpenLicense())
        .thenThrows('OPEN_LICENSE.NOT_ACTIVE', 'rule');
    });

    it('before the declaration was made, even inside its term', () => {
      // declared on 2025-03-01 with a term from 2025-01-01: nobody could take it on 2025-02-01
      patent
        .given([...inPool(), openLicensed({ occurredOn: '2025-03-01' })])
        .when(takeOpenLicense({ notifiedOn: '2025-02-01' }))
        .thenThrows('OPEN_LICENSE.NOT_ACTIVE', 'rule');
      patent
        .given([...inPool(), openLicensed({ occurredOn: '2025-03-01' })])
        .when(takeOpenLicense({ notifiedOn: '2025-03-01' }))
        .then([openLicenseTaken({ notifiedOn: '2025-03-01' })]);
    });

    it('on or after the withdrawal date', () => {
      for (const notifiedOn of ['2025-03-01', '2025-04-01']) {
        patent
          .given([...declared, openLicenseWithdrawn()])
          .when(takeOpenLicense({ notifiedOn }))
          .thenThrows('OPEN_LICENSE.NOT_ACTIVE', 'rule');
      }
    });

    it('a notification made before the withdrawal is still honoured when recorded later', () => {
      patent
        .given([...declared, openLicenseWithdrawn()])
        .when(takeOpenLicense({ notifiedOn: '2025-02-28' }))
        .then([openLicenseTaken({ notifiedOn: '2025-02-28' })]);
    });

    it('after a new declaration, takers come under the new one', () => {
      patent
        .given([
          ...declared,
          openLicenseWithdrawn(),
          openLicensed({
            declarationId: 'ol-2',
            occurredOn: '2025-04-01',
            termFrom: '2025-04-01',
            termTo: '2027-03-31',
          }),
        ])
        .when(takeOpenLicense({ notifiedOn: '2025-04-10' }))
        .then([openLicenseTaken({ declarationId: 'ol-2', notifiedOn: '2025-04-10' })]);
    });
  });

  it('a taker’s licence may not overlap an exclusive licence granted after the withdrawal', () => {
    // ol-1 withdrawn on 2025-03-01 with no takers, then an exclusive licence from 2025-04-01; a notification
    // of 2025-02-15 recorded only now would create an ordinary licence to 2026-12-31 overlapping it
    patent
      .given([
        ...declared,
        openLicenseWithdrawn(),
        licensed({
          dealId: 'deal-x',
          licenseeId: ENT_A.id,
          licenseeName: ENT_A.name,
          type: 'exclusive',
          effectiveDate: '2025-04-01',
          endDate: '2027-03-31',
        }),
      ])
      .when(takeOpenLicense({ notifiedOn: '2025-02-15' }))
      .thenThrows('LICENSE.EXCLUSIVITY_CONFLICT', 'rule');
  });

  it('the same licensee may not take the same declaration twice', () => {
    const e = patent
      .given([...declared, openLicenseTaken()])
      .when(takeOpenLicense({ dealId: 'deal-o2', notifiedOn: '2025-03-01' }))
      .thenThrows('OPEN_LICENSE.ALREADY_TAKEN', 'rule');
    expect(e.field).toBe('licenseeId');
  });

  it('rejects a deal id already used', () => {
    patent
      .given([...declared, licensed()])
      .when(takeOpenLicense({ dealId: 'deal-l1' }))
      .thenThrows('DEAL.DUPLICATE_ID', 'rule');
  });

  it('is rejected once ownership moved', () => {
    patent
      .given([
        ...declared,
        transferred({ contractDate: '2025-01-10' }),
        transferRegistered({ registeredOn: '2025-01-20' }),
      ])
      .when(takeOpenLicense())
      .thenThrows('PATENT.NOT_HELD_BY_INSTITUTION', 'rule');
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(takeOpenLicense()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });

  it.each([
    [{ notifiedOn: TOMORROW }, 'DATE.IN_FUTURE', 'notifiedOn'],
    [{ notifiedOn: '1 Feb 2025' }, 'DATE.INVALID', 'notifiedOn'],
    [{ dealId: undefined }, 'FIELD.INVALID_ID', 'dealId'],
    [{ licenseeId: '#c' }, 'FIELD.INVALID_ID', 'licenseeId'],
    [{ licenseeName: '' }, 'FIELD.REQUIRED', 'licenseeName'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given(declared).when(takeOpenLicense(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });
});

describe('WithdrawOpenLicense → OpenLicenseWithdrawn (撤回开放许可)', () => {
  const declared = [...inPool(), openLicensed()];

  it('withdraws the active declaration', () => {
    patent
      .given(declared)
      .when(withdrawOpenLicense())
      .then([
        {
          type: 'OpenLicenseWithdrawn',
          data: { applicationNumber: AN, declarationId: 'ol-1', withdrawnOn: '2025-03-01' },
        },
      ]);
  });

  it('may withdraw on the declaration date and on the last day of the term', () => {
    patent
      .given(declared)
      .when(withdrawOpenLicense({ withdrawnOn: '2025-01-01' }))
      .then([openLicenseWithdrawn({ withdrawnOn: '2025-01-01' })]);
    patent
      .given([...inPool(), openLicensed({ termTo: '2025-05-31' })])
      .when(withdrawOpenLicense({ withdrawnOn: '2025-05-31' }))
      .then([openLicenseWithdrawn({ withdrawnOn: '2025-05-31' })]);
  });

  it('earlier takers keep their licences (Art. 50 ¶2)', () => {
    const { state } = patent.given([...declared, openLicenseTaken(), openLicenseWithdrawn()]);
    const p = state as Patent;
    expect(p.openLicenses[0]).toMatchObject({ declarationId: 'ol-1', withdrawnOn: '2025-03-01' });
    expect(p.licenses).toEqual([
      expect.objectContaining({
        dealId: 'deal-o1',
        licenseeId: ENT_C.id,
        type: 'ordinary',
        endDate: '2026-12-31',
      }),
    ]);
    // and the licence still supports industrialization after the withdrawal
    patent
      .given([...declared, openLicenseTaken(), openLicenseWithdrawn()])
      .when({
        type: 'IndustrializePatent',
        now: '2025-06-01T04:00:00Z',
        data: {
          applicationNumber: AN,
          industrializationId: 'ind-9',
          enterpriseId: ENT_C.id,
          productName: 'Film',
          startedOn: '2025-05-01',
        },
      })
      .then([
        {
          type: 'Industrialized',
          data: {
            applicationNumber: AN,
            industrializationId: 'ind-9',
            enterpriseId: ENT_C.id,
            productName: 'Film',
            startedOn: '2025-05-01',
            basis: { kind: 'license', dealId: 'deal-o1' },
          },
        },
      ]);
  });

  it('new takers are blocked after the withdrawal', () => {
    patent
      .given([...declared, openLicenseTaken(), openLicenseWithdrawn()])
      .when(
        takeOpenLicense({
          dealId: 'deal-o2',
          licenseeId: ENT_B.id,
          licenseeName: ENT_B.name,
          notifiedOn: '2025-03-05',
        }),
      )
      .thenThrows('OPEN_LICENSE.NOT_ACTIVE', 'rule');
  });

  it('an exclusive licence may follow the withdrawal only where no earlier taker’s licence runs', () => {
    patent
      .given([...declared, openLicenseTaken(), openLicenseWithdrawn()])
      .when(licensePatent({ type: 'exclusive', effectiveDate: '2025-04-01', endDate: '2026-12-31' }))
      .thenThrows('LICENSE.EXCLUSIVITY_CONFLICT', 'rule');
    patent
      .given([...declared, openLicenseTaken(), openLicenseWithdrawn()])
      .when(licensePatent({ type: 'exclusive', effectiveDate: '2027-01-01', endDate: '2028-12-31' }))
      .then([licensed({ type: 'exclusive', effectiveDate: '2027-01-01', endDate: '2028-12-31' })]);
  });

  it('rejects when no declaration is active', () => {
    patent.given(inPool()).when(withdrawOpenLicense()).thenThrows('OPEN_LICENSE.NOT_ACTIVE', 'rule');
  });

  it('rejects a second withdrawal', () => {
    patent
      .given([...declared, openLicenseWithdrawn()])
      .when(withdrawOpenLicense({ withdrawnOn: '2025-04-01' }))
      .thenThrows('OPEN_LICENSE.NOT_ACTIVE', 'rule');
  });

  it('rejects a withdrawal after the term ended', () => {
    patent
      .given([...inPool(), openLicensed({ termTo: '2025-02-28' })])
      .when(withdrawOpenLicense())
      .thenThrows('OPEN_LICENSE.NOT_ACTIVE', 'rule');
  });

  it('rejects a withdrawal dated before the declaration', () => {
    const e = patent
      .given([...inPool(), openLicensed({ occurredOn: '2025-02-01' })])
      .when(withdrawOpenLicense({ withdrawnOn: '2025-01-15' }))
      .thenThrows('DATE.ORDER', 'invalid');
    expect(e.field).toBe('withdrawnOn');
  });

  it.each([
    [{ withdrawnOn: TOMORROW }, 'DATE.IN_FUTURE', 'withdrawnOn'],
    [{ withdrawnOn: undefined }, 'DATE.INVALID', 'withdrawnOn'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given(declared).when(withdrawOpenLicense(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(withdrawOpenLicense()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });
});
