import { spec } from '../testing/given-when-then';
import {
  AN,
  dealEnded,
  endDeal,
  ENT_B,
  industrializePatent,
  inPool,
  licensed,
  licensePatent,
  recordLicense,
  registerTransfer,
  reportTransaction,
  TOMORROW,
  transferred,
  transferRegistered,
} from '../testing/fixtures';
import { patentDecider } from './decider';
import { licenceInForceOn, type Patent } from './state';

const patent = spec(patentDecider);

describe('EndDeal → DealEnded: a transfer or licence contract cancelled, terminated early or rescinded', () => {
  it('民法典 Art. 557: cancels a pending transfer contract, with a date and a reason', () => {
    patent
      .given([...inPool(), transferred()])
      .when(endDeal({ reason: ' the buyer withdrew ' }))
      .then([
        {
          type: 'DealEnded',
          data: {
            applicationNumber: AN,
            dealId: 'deal-t1',
            ending: 'cancelled',
            endedOn: '2024-10-01',
            reason: 'the buyer withdrew',
          },
        },
      ]);
    const { state } = patent.given([...inPool(), transferred(), dealEnded()]);
    expect((state as Patent).transfers[0]?.ended).toEqual({
      ending: 'cancelled',
      endedOn: '2024-10-01',
      reason: 'the buyer withdrew',
    });
  });

  it('专利法 Art. 10: a cancelled transfer can no longer be registered', () => {
    patent
      .given([...inPool(), transferred(), dealEnded()])
      .when(registerTransfer())
      .thenThrows('DEAL.ENDED', 'rule');
  });

  it('专利法 Art. 10: a registered transfer cannot be cancelled (ownership moved)', () => {
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(endDeal({ endedOn: '2024-11-01' }))
      .thenThrows('TRANSFER.ALREADY_REGISTERED', 'rule');
  });

  describe('licences', () => {
    const exclusive = licensed({ type: 'exclusive', effectiveDate: '2024-07-01', endDate: '2026-06-30' });

    it('民法典 Art. 557, 562: a terminated licence binds until the day before the end', () => {
      const { state } = patent.given([
        ...inPool(),
        exclusive,
        dealEnded({ dealId: 'deal-l1', ending: 'terminated', endedOn: '2025-01-01' }),
      ]);
      const l = (state as Patent).licenses[0]!;
      expect(licenceInForceOn(l, '2024-12-31')).toBe(true);
      expect(licenceInForceOn(l, '2025-01-01')).toBe(false);
    });

    it('民法典 Art. 557: after an exclusive licence was terminated another exclusive licence may follow', () => {
      const given = [
        ...inPool(),
        exclusive,
        dealEnded({ dealId: 'deal-l1', ending: 'rescinded', endedOn: '2025-01-01' }),
      ];
      patent
        .given(given)
        .when(
          licensePatent({
            dealId: 'deal-l2',
            type: 'exclusive',
            effectiveDate: '2025-01-01',
            endDate: '2026-06-30',
          }),
        )
        .events();
      patent
        .given(given)
        .when(
          licensePatent({
            dealId: 'deal-l2',
            type: 'exclusive',
            effectiveDate: '2024-12-31',
            endDate: '2026-06-30',
          }),
        )
        .thenThrows('LICENSE.EXCLUSIVITY_CONFLICT', 'rule');
    });

    it('民法典 Art. 155: a cancelled licence never bound', () => {
      const { state } = patent.given([
        ...inPool(),
        exclusive,
        dealEnded({ dealId: 'deal-l1', endedOn: '2024-09-01' }),
      ]);
      expect(licenceInForceOn((state as Patent).licenses[0]!, '2024-07-15')).toBe(false);
    });

    it('the licensee of a terminated licence may not industrialize after its end', () => {
      patent
        .given([
          ...inPool(),
          licensed(),
          dealEnded({ dealId: 'deal-l1', ending: 'terminated', endedOn: '2024-09-01' }),
        ])
        .when(industrializePatent({ startedOn: '2024-10-01' }))
        .thenThrows('INDUSTRIALIZATION.NO_RIGHT', 'rule');
    });

    it('细则 r.15 ¶2: a recordal dated before the end is still accepted; one from the end on is not', () => {
      const given = [
        ...inPool(),
        licensed(),
        dealEnded({ dealId: 'deal-l1', ending: 'terminated', endedOn: '2024-09-01' }),
      ];
      patent
        .given(given)
        .when(recordLicense({ recordedOn: '2024-08-31' }))
        .events();
      patent
        .given(given)
        .when(recordLicense({ recordedOn: '2024-09-01' }))
        .thenThrows('DEAL.ENDED', 'rule');
      patent
        .given(given)
        .when(reportTransaction({ dealId: 'deal-l1', reportedOn: '2024-09-02' }))
        .thenThrows('DEAL.ENDED', 'rule');
    });

    it('a licence cannot be terminated after its term ended', () => {
      patent
        .given([...inPool(), licensed()])
        .when(
          endDeal(
            { dealId: 'deal-l1', ending: 'terminated', endedOn: '2026-07-01', reason: 'late' },
            '2026-08-01T04:00:00Z',
          ),
        )
        .thenThrows('DEAL.ENDED_AFTER_TERM', 'rule');
    });
  });

  it.each([
    [{ dealId: 'deal-x' }, 'DEAL.NOT_FOUND', 'not-found'],
    [{ ending: 'paused' }, 'FIELD.NOT_ALLOWED', 'invalid'],
    [{ endedOn: TOMORROW }, 'DATE.IN_FUTURE', 'invalid'],
    [{ endedOn: '2024-08-31' }, 'DATE.ORDER', 'invalid'], // before the contract of 2024-09-01
    [{ reason: '' }, 'FIELD.REQUIRED', 'invalid'],
  ] as const)('rejects %p with %s', (overrides, code, kind) => {
    patent
      .given([...inPool(), transferred()])
      .when(endDeal(overrides))
      .thenThrows(code, kind);
  });

  it('a deal ends once', () => {
    patent
      .given([...inPool(), transferred(), dealEnded()])
      .when(endDeal())
      .thenThrows('DEAL.ALREADY_ENDED', 'rule');
  });

  it('ends an open-licence taker’s licence too', () => {
    const { state } = patent.given([
      ...inPool(),
      licensed({ dealId: 'deal-o9', licenseeId: ENT_B.id }),
      dealEnded({ dealId: 'deal-o9', ending: 'terminated', endedOn: '2025-01-01' }),
    ]);
    expect((state as Patent).licenses[0]?.ended?.ending).toBe('terminated');
  });
});
