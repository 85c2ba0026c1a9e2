import { decidePatent, patentDecider } from './decider';
import { spec } from '../testing/given-when-then';
import {
  AN,
  endDeal,
  everyCommandOnAnInventoriedPatent,
  payAnnuity,
  fileDensityProduct,
  pledgeRegistered,
  recordLicense,
  registerTransfer,
  releasePledge,
  transferPatent,
  withdrawOpenLicense,
  industrialized,
  inPool,
  inventoried,
  inventoryPatent,
  lapsed,
  lapsePatent,
  licensed,
  openLicensed,
  openLicenseTaken,
  reportTransaction,
  TOMORROW,
  transactionReported,
  transferred,
  transferRegistered,
} from '../testing/fixtures';
import type { PatentCommand, PatentCommandType } from './commands';

/** Commands recording a dated fact: accepted after a lapse when dated before it. */
const DATED_FACTS: PatentCommandType[] = [
  'RegisterTransfer',
  'RecordLicense',
  'ReportTransaction',
  'FileDensityProduct',
  'WithdrawOpenLicense',
  'ReleasePledge',
  'EndDeal',
  'PayAnnuity',
];
import type { Patent } from './state';

const patent = spec(patentDecider);

describe('ReportTransaction → TransactionReported (反馈交易信息)', () => {
  const deals = [
    ...inPool(),
    transferred(),
    licensed(),
    industrialized(),
    openLicensed(),
    openLicenseTaken(),
  ];

  it('reports a transfer', () => {
    patent
      .given(deals)
      .when(reportTransaction({ platformRef: ' PF-2025-0001 ' }))
      .then([
        {
          type: 'TransactionReported',
          data: {
            applicationNumber: AN,
            dealId: 'deal-t1',
            reportedOn: '2025-04-01',
            platformRef: 'PF-2025-0001',
          },
        },
      ]);
  });

  it('reports a licence', () => {
    patent
      .given(deals)
      .when(reportTransaction({ dealId: 'deal-l1' }))
      .then([transactionReported({ dealId: 'deal-l1' })]);
  });

  it('reports an open-licence taker’s licence', () => {
    patent
      .given(deals)
      .when(reportTransaction({ dealId: 'deal-o1' }))
      .then([transactionReported({ dealId: 'deal-o1' })]);
  });

  it('reports an industrialization', () => {
    patent
      .given(deals)
      .when(reportTransaction({ dealId: undefined, industrializationId: 'ind-1' }))
      .then([
        {
          type: 'TransactionReported',
          data: {
            applicationNumber: AN,
            industrializationId: 'ind-1',
            reportedOn: '2025-04-01',
            platformRef: 'PF-2025-0001',
          },
        },
      ]);
  });

  it('reports after ownership moved', () => {
    patent
      .given([...deals, transferRegistered()])
      .when(reportTransaction())
      .then([transactionReported({ dealId: 'deal-t1' })]);
  });

  it('folds reports into the state', () => {
    const { state } = patent.given([
      ...deals,
      transactionReported({ dealId: 'deal-t1' }),
      transactionReported({ industrializationId: 'ind-1' }, { platformRef: 'PF-2' }),
    ]);
    expect((state as Patent).reports).toEqual([
      { dealId: 'deal-t1', reportedOn: '2025-04-01', platformRef: 'PF-2025-0001' },
      { industrializationId: 'ind-1', reportedOn: '2025-04-01', platformRef: 'PF-2' },
    ]);
  });

  describe('once each', () => {
    it('a deal', () => {
      const e = patent
        .given([...deals, transactionReported({ dealId: 'deal-t1' })])
        .when(reportTransaction({ platformRef: 'PF-again' }))
        .thenThrows('REPORT.ALREADY_REPORTED', 'rule');
      expect(e.field).toBe('dealId');
    });

    it('an industrialization', () => {
      const e = patent
        .given([...deals, transactionReported({ industrializationId: 'ind-1' })])
        .when(reportTransaction({ dealId: undefined, industrializationId: 'ind-1' }))
        .thenThrows('REPORT.ALREADY_REPORTED', 'rule');
      expect(e.field).toBe('industrializationId');
    });

    it('reporting one deal does not report another', () => {
      patent
        .given([...deals, transactionReported({ dealId: 'deal-t1' })])
        .when(reportTransaction({ dealId: 'deal-l1' }))
        .then([transactionReported({ dealId: 'deal-l1' })]);
    });
  });

  describe('exactly one target', () => {
    it('neither dealId nor industrializationId', () => {
      const e = patent
        .given(deals)
        .when(reportTransaction({ dealId: undefined }))
        .thenThrows('REPORT.TARGET_REQUIRED', 'invalid');
      expect(e.field).toBe('dealId');
    });

    it('both', () => {
      const e = patent
        .given(deals)
        .when(reportTransaction({ industrializationId: 'ind-1' }))
        .thenThrows('REPORT.TARGET_REQUIRED', 'invalid');
      expect(e.field).toBe('industrializationId');
    });
  });

  it('rejects an unknown deal (not-found)', () => {
    const e = patent
      .given(deals)
      .when(reportTransaction({ dealId: 'deal-x' }))
      .thenThrows('REPORT.UNKNOWN_DEAL', 'not-found');
    expect(e.field).toBe('dealId');
  });

  it('rejects an unknown industrialization (not-found)', () => {
    const e = patent
      .given(deals)
      .when(reportTransaction({ dealId: undefined, industrializationId: 'ind-x' }))
      .thenThrows('REPORT.UNKNOWN_INDUSTRIALIZATION', 'not-found');
    expect(e.field).toBe('industrializationId');
  });

  it.each([
    [{ reportedOn: TOMORROW }, 'DATE.IN_FUTURE', 'reportedOn'],
    [{ reportedOn: '2025-04-31' }, 'DATE.INVALID', 'reportedOn'],
    [{ platformRef: '' }, 'FIELD.REQUIRED', 'platformRef'],
    [{ platformRef: 'P'.repeat(101) }, 'FIELD.TOO_LONG', 'platformRef'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given(deals).when(reportTransaction(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(reportTransaction()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });
});

describe('LapsePatent → PatentLapsed (专利权终止)', () => {
  it.each(['non-payment', 'invalidated', 'abandoned'])('专利法 Art. 44, 47: lapses for %s', (reason) => {
    patent
      .given(inPool())
      .when(lapsePatent({ reason }))
      .then([
        {
          type: 'PatentLapsed',
          data: { applicationNumber: AN, reason: reason as 'abandoned', effectiveOn: '2025-05-01' },
        },
      ]);
  });

  // Corrected in issue 14: expiry follows from the dates; a recorded expiry on any other day was accepted.
  describe('专利法 Art. 42: an expiry needs no command, and one recorded must be the day after the last day', () => {
    const UM = '201320601862.0';
    const um = inventoried({
      applicationNumber: UM,
      kind: 'utility-model',
      filingDate: '2013-07-21',
      grantDate: '2014-03-10',
      occurredOn: '2023-03-15',
    });
    it('专利法 Art. 42: expired on 2023-07-21 (last day 2023-07-20) is accepted', () => {
      patent
        .given([um])
        .when(lapsePatent({ applicationNumber: UM, reason: 'expired', effectiveOn: '2023-07-21' }))
        .then([lapsed({ applicationNumber: UM, reason: 'expired', effectiveOn: '2023-07-21' })]);
    });

    it('专利法 Art. 42: an expiry on another day is refused', () => {
      const e = patent
        .given(inPool())
        .when(lapsePatent({ reason: 'expired' }))
        .thenThrows('LAPSE.NOT_THE_EXPIRY', 'rule');
      expect(e.message).toContain('2037-07-21');
    });

    it('专利法 Art. 42: nothing lapses after the term ended', () => {
      patent
        .given([um])
        .when(lapsePatent({ applicationNumber: UM, reason: 'abandoned', effectiveOn: '2023-07-22' }))
        .thenThrows('PATENT.EXPIRED', 'rule');
    });
  });

  it('folds into a lapsed patent out of the pool', () => {
    const { state } = patent.given([...inPool(), lapsed()]);
    expect(state).toMatchObject({
      status: 'lapsed',
      inPool: false,
      lapse: { reason: 'non-payment', effectiveOn: '2025-05-01' },
    });
  });

  it('a transferred patent may lapse (the holder does not matter)', () => {
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(lapsePatent())
      .then([lapsed()]);
  });

  it('the lapse may not precede the filing date', () => {
    patent
      .given(inPool())
      .when(lapsePatent({ effectiveOn: '2017-07-21' }))
      .then([lapsed({ effectiveOn: '2017-07-21' })]);
    const e = patent
      .given(inPool())
      .when(lapsePatent({ effectiveOn: '2017-07-20' }))
      .thenThrows('DATE.ORDER', 'invalid');
    expect(e.field).toBe('effectiveOn');
  });

  it.each([
    [{ reason: 'sold' }, 'FIELD.NOT_ALLOWED', 'reason'],
    [{ effectiveOn: TOMORROW }, 'DATE.IN_FUTURE', 'effectiveOn'],
    [{ effectiveOn: undefined }, 'DATE.INVALID', 'effectiveOn'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given(inPool()).when(lapsePatent(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });

  // lapsed on 2025-05-01, with a pledge, a transfer, a licence, an industrialization and an open licence
  const history = [
    ...inPool(),
    pledgeRegistered(),
    transferred(),
    licensed(),
    industrialized(),
    openLicensed(),
    lapsed(),
  ];

  describe('is terminal for new dealings: each is rejected with PATENT.LAPSED, whatever its date', () => {
    const dealings = everyCommandOnAnInventoriedPatent().filter((c) => !DATED_FACTS.includes(c.type));
    it.each(dealings.map((c) => [c.type, c] as const))('%s', (_type, command) => {
      patent.given(history).when(command).thenThrows('PATENT.LAPSED', 'rule');
    });

    it('and InventoryPatent with PATENT.ALREADY_INVENTORIED (inventory once)', () => {
      patent.given(history).when(inventoryPatent()).thenThrows('PATENT.ALREADY_INVENTORIED', 'rule');
    });

    it('the message names the lapse date', () => {
      const e = patent
        .given(history)
        .when(transferPatent({ dealId: 'deal-t9' }))
        .thenThrows('PATENT.LAPSED', 'rule');
      expect(e.message).toContain('2025-05-01');
    });
  });

  // Issue 14 item 9; domain.md §4: "facts dated before effectiveOn … are still accepted, so their obligations can close".
  describe('domain.md §4 (专利法 Art. 10, 细则 r.15 ¶2): facts dated before the lapse, entered afterwards, are accepted', () => {
    it.each([
      ['a transfer registration', registerTransfer({ registeredOn: '2025-04-30' }), 'TransferRegistered'],
      ['a licence recordal', recordLicense({ recordedOn: '2024-08-01' }), 'LicenseRecorded'],
      ['a platform report', reportTransaction({ reportedOn: '2025-04-01' }), 'TransactionReported'],
      ['a density-product filing', fileDensityProduct({ filedOn: '2025-03-01' }), 'DensityProductFiled'],
      [
        'a withdrawal of the open licence',
        withdrawOpenLicense({ withdrawnOn: '2025-03-01' }),
        'OpenLicenseWithdrawn',
      ],
      ['a pledge release', releasePledge({ releasedOn: '2025-01-15' }), 'PledgeReleased'],
      ['a cancellation of a deal', endDeal({ endedOn: '2024-10-01' }), 'DealEnded'],
      ['an annuity payment', payAnnuity({ paidOn: '2025-04-20' }), 'AnnuityPaid'],
    ])('%s', (_what, command, type) => {
      expect(
        patent
          .given(history)
          .when(command)
          .events()
          .map((e) => e.type),
      ).toEqual([type]);
    });

    it.each([
      ['a transfer registration', registerTransfer({ registeredOn: '2025-05-01' }), 'registeredOn'],
      ['a licence recordal', recordLicense({ recordedOn: '2025-05-01' }), 'recordedOn'],
      ['a platform report', reportTransaction({ reportedOn: '2025-05-02' }), 'reportedOn'],
      ['a density-product filing', fileDensityProduct({ filedOn: '2025-05-01' }), 'filedOn'],
      ['an annuity payment', payAnnuity({ paidOn: '2025-05-20' }), 'paidOn'],
    ])('but not %s dated on or after the lapse', (_what, command, field) => {
      const e = patent.given(history).when(command).thenThrows('PATENT.LAPSED', 'rule');
      expect(e.field).toBe(field);
      expect(e.message).toContain('2025-05-01');
    });
  });
});

describe('commands on a patent that was never inventoried', () => {
  it.each(everyCommandOnAnInventoriedPatent().map((c) => [c.type, c] as const))(
    '%s → PATENT.NOT_FOUND (not-found)',
    (_type, command) => {
      patent.given([]).when(command).thenThrows('PATENT.NOT_FOUND', 'not-found');
    },
  );

  it('covers every command type but InventoryPatent', () => {
    expect(new Set(everyCommandOnAnInventoriedPatent().map((c) => c.type)).size).toBe(20);
  });
});

describe('an unknown command type', () => {
  it('is rejected as invalid', () => {
    patent
      .given([inventoried()])
      .when({
        type: 'SellPatent',
        now: '2025-06-01T04:00:00Z',
        data: { applicationNumber: AN },
      } as unknown as PatentCommand)
      .thenThrows('COMMAND.UNKNOWN', 'invalid');
  });

  it('decidePatent is the decider’s decide', () => {
    expect(patentDecider.decide).toBe(decidePatent);
  });
});
