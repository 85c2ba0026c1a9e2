import { patentDecider } from './decider';
import { spec } from '../testing/given-when-then';
import {
  AN,
  dealEnded,
  declareOpenLicense,
  ENT_A,
  ENT_B,
  INSTITUTION_ID,
  inPool,
  inventoried,
  licensed,
  licensePatent,
  registerTransfer,
  tagIntent,
  TOMORROW,
  transferPatent,
  transferred,
  transferRegistered,
} from '../testing/fixtures';
import type { Patent } from './state';

const patent = spec(patentDecider);

describe('TransferPatent → Transferred (转让合同)', () => {
  it('records the transfer contract with the price normalized', () => {
    patent
      .given(inPool())
      .when(
        transferPatent({ price: '1250000', pricingMethod: 'auction', assigneeName: ' Shanxi Energy Co. ' }),
      )
      .then([
        {
          type: 'Transferred',
          data: {
            applicationNumber: AN,
            dealId: 'deal-t1',
            assigneeId: ENT_A.id,
            assigneeName: 'Shanxi Energy Co.',
            contractDate: '2024-09-01',
            price: '1250000.00',
            pricingMethod: 'auction',
          },
        },
      ]);
  });

  it('accepts the price in integer fen', () => {
    patent
      .given(inPool())
      .when(transferPatent({ price: 125000000 }))
      .then([transferred()]);
  });

  it('does not need the pool: an inventoried patent can be sold', () => {
    patent.given([inventoried()]).when(transferPatent()).then([transferred()]);
  });

  it('leaves the institution the holder: ownership moves only at registration', () => {
    const { state } = patent.given([...inPool(), transferred()]);
    expect(state).toMatchObject({
      holder: { kind: 'institution', id: INSTITUTION_ID },
      inPool: true,
      transfers: [{ dealId: 'deal-t1', assigneeId: ENT_A.id, price: '1250000.00' }],
    });
    expect((state as Patent).transfers[0]).not.toHaveProperty('registration');
  });

  // Corrected in issue 14: a second contract while one is pending used to be accepted.
  it('专利法 Art. 10: a second transfer contract while the first awaits registration is refused', () => {
    const e = patent
      .given([...inPool(), transferred()])
      .when(transferPatent({ dealId: 'deal-t2', assigneeId: ENT_B.id, assigneeName: ENT_B.name }))
      .thenThrows('TRANSFER.PENDING', 'rule');
    expect(e.message).toContain('deal-t1');
  });

  it.each(['cancelled', 'terminated', 'rescinded'] as const)(
    '专利法 Art. 10; 民法典 Art. 557: once the first contract is %s, a second one is accepted',
    (ending) => {
      patent
        .given([...inPool(), transferred(), dealEnded({ ending })])
        .when(
          transferPatent({
            dealId: 'deal-t2',
            assigneeId: ENT_B.id,
            assigneeName: ENT_B.name,
            contractDate: '2024-10-02',
          }),
        )
        .then([
          transferred({
            dealId: 'deal-t2',
            assigneeId: ENT_B.id,
            assigneeName: ENT_B.name,
            contractDate: '2024-10-02',
          }),
        ]);
    },
  );

  it('is rejected once a transfer is registered (holder must still be the institution)', () => {
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(transferPatent({ dealId: 'deal-t2', assigneeId: ENT_B.id, contractDate: '2024-11-01' }))
      .thenThrows('PATENT.NOT_HELD_BY_INSTITUTION', 'rule');
  });

  describe('no transfer while an exclusive licence is in force, unless the licensee is the assignee', () => {
    const exclusiveToB = licensed({ type: 'exclusive', effectiveDate: '2024-07-01', endDate: '2026-06-30' });

    it('rejects a transfer to someone else', () => {
      patent
        .given([...inPool(), exclusiveToB])
        .when(transferPatent())
        .thenThrows('TRANSFER.EXCLUSIVE_LICENSE_IN_FORCE', 'rule');
    });

    it('rejects on the licence’s first and last day', () => {
      patent
        .given([...inPool(), exclusiveToB])
        .when(transferPatent({ contractDate: '2024-07-01' }))
        .thenThrows('TRANSFER.EXCLUSIVE_LICENSE_IN_FORCE', 'rule');
      patent
        .given([
          ...inPool(),
          licensed({ type: 'exclusive', effectiveDate: '2023-07-01', endDate: '2024-09-01' }),
        ])
        .when(transferPatent({ contractDate: '2024-09-01' }))
        .thenThrows('TRANSFER.EXCLUSIVE_LICENSE_IN_FORCE', 'rule');
    });

    it('allows the transfer to the exclusive licensee', () => {
      patent
        .given([...inPool(), exclusiveToB])
        .when(transferPatent({ assigneeId: ENT_B.id, assigneeName: ENT_B.name }))
        .then([transferred({ assigneeId: ENT_B.id, assigneeName: ENT_B.name })]);
    });

    it('allows a transfer after the exclusive licence ended', () => {
      patent
        .given([
          ...inPool(),
          licensed({ type: 'exclusive', effectiveDate: '2023-07-01', endDate: '2024-08-31' }),
        ])
        .when(transferPatent())
        .then([transferred()]);
    });

    it('allows a transfer before the exclusive licence takes effect', () => {
      patent
        .given([
          ...inPool(),
          licensed({ type: 'exclusive', effectiveDate: '2024-09-02', endDate: '2025-08-31' }),
        ])
        .when(transferPatent())
        .then([transferred()]);
    });

    it('ordinary and sole licences do not block a transfer (the rule names exclusive licences)', () => {
      patent
        .given([...inPool(), licensed({ type: 'ordinary' })])
        .when(transferPatent())
        .then([transferred()]);
      patent
        .given([...inPool(), licensed({ type: 'sole' })])
        .when(transferPatent())
        .then([transferred()]);
    });
  });

  it('rejects a deal id already used by a transfer or a licence', () => {
    patent
      .given([...inPool(), transferred()])
      .when(transferPatent())
      .thenThrows('DEAL.DUPLICATE_ID', 'rule');
    patent
      .given([...inPool(), licensed()])
      .when(transferPatent({ dealId: 'deal-l1' }))
      .thenThrows('DEAL.DUPLICATE_ID', 'rule');
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(transferPatent()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });

  it.each([
    [{ dealId: undefined }, 'FIELD.INVALID_ID', 'dealId'],
    [{ assigneeId: 'a b' }, 'FIELD.INVALID_ID', 'assigneeId'],
    [{ assigneeName: '' }, 'FIELD.REQUIRED', 'assigneeName'],
    [{ contractDate: TOMORROW }, 'DATE.IN_FUTURE', 'contractDate'],
    [{ contractDate: '2024-9-1' }, 'DATE.INVALID', 'contractDate'],
    [{ price: -1 }, 'MONEY.INVALID', 'price'],
    [{ price: '1,250,000' }, 'MONEY.INVALID', 'price'],
    [{ price: 12.5 }, 'MONEY.INVALID', 'price'],
    [{ pricingMethod: 'barter' }, 'FIELD.NOT_ALLOWED', 'pricingMethod'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given(inPool()).when(transferPatent(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });
});

describe('RegisterTransfer → TransferRegistered (转让登记)', () => {
  it('registers the transfer', () => {
    patent
      .given([...inPool(), transferred()])
      .when(registerTransfer({ noticeNumber: ' ZL-TR-2024-0001 ' }))
      .then([
        {
          type: 'TransferRegistered',
          data: {
            applicationNumber: AN,
            dealId: 'deal-t1',
            registeredOn: '2024-10-15',
            noticeNumber: 'ZL-TR-2024-0001',
          },
        },
      ]);
  });

  it('registration on the contract date is fine', () => {
    patent
      .given([...inPool(), transferred()])
      .when(registerTransfer({ registeredOn: '2024-09-01' }))
      .then([transferRegistered({ registeredOn: '2024-09-01' })]);
  });

  it('moves ownership to the assignee and takes the patent out of the pool', () => {
    const { state } = patent.given([...inPool(), transferred(), transferRegistered()]);
    expect(state).toMatchObject({
      holder: { kind: 'enterprise', id: ENT_A.id, name: ENT_A.name, since: '2024-10-15', dealId: 'deal-t1' },
      inPool: false,
      transfers: [
        { dealId: 'deal-t1', registration: { registeredOn: '2024-10-15', noticeNumber: 'ZL-TR-2024-0001' } },
      ],
    });
  });

  describe('afterwards the institution may no longer transact the patent', () => {
    const registered = [...inPool(), transferred(), transferRegistered()];
    it.each([
      ['TransferPatent', transferPatent({ dealId: 'deal-t2', contractDate: '2024-11-01' })],
      ['LicensePatent', licensePatent({ effectiveDate: '2024-11-01' })],
      ['DeclareOpenLicense', declareOpenLicense()],
      ['TagIntent', tagIntent({ occurredOn: '2025-01-01' })],
    ])('%s → PATENT.NOT_HELD_BY_INSTITUTION', (_name, command) => {
      patent.given(registered).when(command).thenThrows('PATENT.NOT_HELD_BY_INSTITUTION', 'rule');
    });
  });

  describe('before registration the institution still holds and can license', () => {
    it('licenses after an unregistered transfer contract', () => {
      patent
        .given([...inPool(), transferred()])
        .when(licensePatent({ effectiveDate: '2024-09-15' }))
        .then([licensed({ effectiveDate: '2024-09-15' })]);
    });
  });

  it('rejects an unknown deal (not-found)', () => {
    const e = patent
      .given([...inPool(), transferred()])
      .when(registerTransfer({ dealId: 'deal-x' }))
      .thenThrows('TRANSFER.NOT_FOUND', 'not-found');
    expect(e.field).toBe('dealId');
  });

  it('rejects registering a licence deal id as a transfer', () => {
    patent
      .given([...inPool(), licensed()])
      .when(registerTransfer({ dealId: 'deal-l1' }))
      .thenThrows('TRANSFER.NOT_FOUND', 'not-found');
  });

  it('rejects a second registration of the same deal', () => {
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(registerTransfer())
      .thenThrows('TRANSFER.ALREADY_REGISTERED', 'rule');
  });

  it('rejects registering a second deal once another is registered', () => {
    patent
      .given([
        ...inPool(),
        transferred(),
        transferred({ dealId: 'deal-t2', assigneeId: ENT_B.id, assigneeName: ENT_B.name }),
        transferRegistered(),
      ])
      .when(registerTransfer({ dealId: 'deal-t2', registeredOn: '2024-11-01' }))
      .thenThrows('PATENT.NOT_HELD_BY_INSTITUTION', 'rule');
  });

  it('rejects a registration before the contract date', () => {
    const e = patent
      .given([...inPool(), transferred()])
      .when(registerTransfer({ registeredOn: '2024-08-31' }))
      .thenThrows('DATE.ORDER', 'invalid');
    expect(e.field).toBe('registeredOn');
  });

  it.each([
    [{ registeredOn: TOMORROW }, 'DATE.IN_FUTURE', 'registeredOn'],
    [{ registeredOn: '2024-10-32' }, 'DATE.INVALID', 'registeredOn'],
    [{ noticeNumber: ' ' }, 'FIELD.REQUIRED', 'noticeNumber'],
    [{ noticeNumber: 'N'.repeat(101) }, 'FIELD.TOO_LONG', 'noticeNumber'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent
      .given([...inPool(), transferred()])
      .when(registerTransfer(overrides))
      .thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(registerTransfer()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });
});
