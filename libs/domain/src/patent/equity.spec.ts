import { patentDecider } from './decider';
import { spec } from '../testing/given-when-then';
import {
  consentRecorded,
  dealEnded,
  endDeal,
  ENT_A,
  ENT_B,
  ENT_C,
  equityContributed,
  INSTITUTION_ID,
  inPool,
  intentTagged,
  inventoried,
  licensed,
  pledgeRegistered,
  recordEquityContribution,
  registerTransfer,
  reportTransaction,
  tagIntent,
  TOMORROW,
  transactionReported,
  transferPatent,
  transferred,
  transferRegistered,
} from '../testing/fixtures';
import type { Patent } from './state';

const patent = spec(patentDecider);
const registeredE1 = transferRegistered({ dealId: 'deal-e1' });

describe('RecordEquityContribution → EquityContributed (作价投资)', () => {
  it('records the contribution contract with the valuation normalized and the equity share', () => {
    patent
      .given(inPool())
      .when(recordEquityContribution({ companyName: ` ${ENT_C.name} `, equityShare: '12.50' }))
      .then([equityContributed({ equityShare: '12.5' })]);
  });

  it('leaves out an equity share not given', () => {
    const [e] = patent
      .given([inventoried()])
      .when(recordEquityContribution({ equityShare: undefined }))
      .events();
    expect(e!.data).not.toHaveProperty('equityShare');
  });

  it('is a conversion mode a patent can be tagged with', () => {
    const [e] = patent
      .given([inventoried()])
      .when(tagIntent({ modes: ['equity', 'transfer'] }))
      .events();
    expect(e!.data).toMatchObject({ modes: ['equity', 'transfer'] });
  });

  it('Art. 10: ownership moves only at registration — equity contribution', () => {
    const pending = patent.given([...inPool(), equityContributed()]).state as Patent;
    expect(pending.holder).toEqual({ kind: 'institution', id: INSTITUTION_ID });
    expect(pending.transfers[0]).toMatchObject({
      dealId: 'deal-e1',
      kind: 'equity-contribution',
      assigneeId: ENT_C.id,
      price: '3000000.00',
    });
    patent
      .given([...inPool(), equityContributed()])
      .when(registerTransfer({ dealId: 'deal-e1' }))
      .then([registeredE1]);
    const moved = patent.given([...inPool(), equityContributed(), registeredE1]).state as Patent;
    expect(moved.holder).toMatchObject({ kind: 'enterprise', id: ENT_C.id, dealId: 'deal-e1' });
    expect(moved.inPool).toBe(false);
  });

  it('Art. 10: after the contribution is registered the institution can no longer deal in the patent', () => {
    patent
      .given([...inPool(), equityContributed(), registeredE1])
      .when(transferPatent({ dealId: 'deal-t9', contractDate: '2024-11-01' }))
      .thenThrows('PATENT.NOT_HELD_BY_INSTITUTION', 'rule');
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(recordEquityContribution({ contractDate: '2024-11-01' }))
      .thenThrows('PATENT.NOT_HELD_BY_INSTITUTION', 'rule');
  });

  it('Art. 10: one contract awaiting registration at a time, a sale or a contribution', () => {
    patent
      .given([...inPool(), transferred()])
      .when(recordEquityContribution())
      .thenThrows('TRANSFER.PENDING', 'rule');
    const e = patent
      .given([...inPool(), equityContributed()])
      .when(transferPatent())
      .thenThrows('TRANSFER.PENDING', 'rule');
    expect(e.message).toContain('equity contribution deal-e1');
  });

  it('民法典 Art. 557: once cancelled, it cannot be registered, and another contract is accepted', () => {
    const history = [...inPool(), equityContributed(), dealEnded({ dealId: 'deal-e1' })];
    patent
      .given(history)
      .when(registerTransfer({ dealId: 'deal-e1' }))
      .thenThrows('DEAL.ENDED', 'rule');
    patent
      .given(history)
      .when(transferPatent({ contractDate: '2024-10-02' }))
      .then([transferred({ contractDate: '2024-10-02' })]);
  });

  it('can be rescinded before registration, not after (Art. 10)', () => {
    patent
      .given([...inPool(), equityContributed()])
      .when(endDeal({ dealId: 'deal-e1', ending: 'rescinded' }))
      .then([dealEnded({ dealId: 'deal-e1', ending: 'rescinded' })]);
    patent
      .given([...inPool(), equityContributed(), registeredE1])
      .when(endDeal({ dealId: 'deal-e1', ending: 'rescinded', endedOn: '2024-11-01' }))
      .thenThrows('TRANSFER.ALREADY_REGISTERED', 'rule');
  });

  it('is reported to the platform like a transfer, once', () => {
    patent
      .given([...inPool(), equityContributed()])
      .when(reportTransaction({ dealId: 'deal-e1' }))
      .then([transactionReported({ dealId: 'deal-e1' })]);
    patent
      .given([...inPool(), equityContributed(), transactionReported({ dealId: 'deal-e1' })])
      .when(reportTransaction({ dealId: 'deal-e1' }))
      .thenThrows('REPORT.ALREADY_REPORTED', 'rule');
  });

  it('no contribution while an exclusive licence is in force, unless the company is the licensee', () => {
    const exclusiveToB = licensed({ type: 'exclusive', effectiveDate: '2024-07-01', endDate: '2026-06-30' });
    patent
      .given([...inPool(), exclusiveToB])
      .when(recordEquityContribution())
      .thenThrows('TRANSFER.EXCLUSIVE_LICENSE_IN_FORCE', 'rule');
    patent
      .given([...inPool(), exclusiveToB])
      .when(recordEquityContribution({ companyId: ENT_B.id, companyName: ENT_B.name }))
      .then([equityContributed({ companyId: ENT_B.id, companyName: ENT_B.name })]);
  });

  it('专利法 Art. 42: not after the last day of protection', () => {
    // Filed 2005-03-01: the invention's term ended on 2025-02-28.
    patent
      .given([inventoried({ filingDate: '2005-03-01', grantDate: '2008-01-10' }), intentTagged()])
      .when(recordEquityContribution({ contractDate: '2025-03-01' }))
      .thenThrows('PATENT.EXPIRED', 'rule');
  });

  it('专利法 Art. 14: a co-owned patent needs every co-owner’s consent to the transfer', () => {
    const coOwned = [inventoried({ coPatentees: [ENT_A.name], coOwners: [ENT_A] }), intentTagged()];
    patent.given(coOwned).when(recordEquityContribution()).thenThrows('CONSENT.CO_OWNER_REQUIRED', 'rule');
    patent
      .given([
        ...coOwned,
        consentRecorded({ party: 'co-owner', partyId: ENT_A.id, scope: 'transfer', ref: 'deal-e1' }),
      ])
      .when(recordEquityContribution())
      .then([equityContributed()]);
  });

  it('民法典 Art. 444: a pledged patent needs the pledgee’s consent', () => {
    patent
      .given([...inPool(), pledgeRegistered()])
      .when(recordEquityContribution())
      .thenThrows('PLEDGE.CONSENT_REQUIRED', 'rule');
  });

  it.each([
    [{ dealId: undefined }, 'FIELD.INVALID_ID', 'dealId'],
    [{ companyId: 'a b' }, 'FIELD.INVALID_ID', 'companyId'],
    [{ companyName: '' }, 'FIELD.REQUIRED', 'companyName'],
    [{ contractDate: TOMORROW }, 'DATE.IN_FUTURE', 'contractDate'],
    [{ valuation: -1 }, 'MONEY.INVALID', 'valuation'],
    [{ valuation: undefined }, 'MONEY.INVALID', 'valuation'],
    [{ equityShare: '0' }, 'EQUITY.INVALID_SHARE', 'equityShare'],
    [{ equityShare: '100.5' }, 'EQUITY.INVALID_SHARE', 'equityShare'],
    [{ equityShare: '15%' }, 'EQUITY.INVALID_SHARE', 'equityShare'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given(inPool()).when(recordEquityContribution(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(recordEquityContribution()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });
});
