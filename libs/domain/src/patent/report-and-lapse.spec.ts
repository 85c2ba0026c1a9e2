import { decidePatent, patentDecider } from './decider';
import { spec } from '../testing/given-when-then';
import {
  AN,
  everyCommandOnAnInventoriedPatent,
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
import type { PatentCommand } from './commands';
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
  it.each(['expired', 'non-payment', 'invalidated', 'abandoned'])('lapses for %s', (reason) => {
    patent
      .given(inPool())
      .when(lapsePatent({ reason }))
      .then([
        {
          type: 'PatentLapsed',
          data: { applicationNumber: AN, reason: reason as 'expired', effectiveOn: '2025-05-01' },
        },
      ]);
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

  describe('is terminal: every later command is rejected with PATENT.LAPSED', () => {
    const history = [...inPool(), transferred(), licensed(), industrialized(), openLicensed(), lapsed()];
    it.each(everyCommandOnAnInventoriedPatent().map((c) => [c.type, c] as const))('%s', (_type, command) => {
      patent.given(history).when(command).thenThrows('PATENT.LAPSED', 'rule');
    });

    it('and InventoryPatent with PATENT.ALREADY_INVENTORIED (inventory once)', () => {
      patent.given(history).when(inventoryPatent()).thenThrows('PATENT.ALREADY_INVENTORIED', 'rule');
    });

    it('the message names the lapse date', () => {
      const e = patent.given(history).when(reportTransaction()).thenThrows('PATENT.LAPSED', 'rule');
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
    expect(new Set(everyCommandOnAnInventoriedPatent().map((c) => c.type)).size).toBe(14);
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
