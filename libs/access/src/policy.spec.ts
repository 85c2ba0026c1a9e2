import type { Patent, PatentCommand } from '@patent-ledger/domain';
import { AccessDeniedError } from './errors';
import {
  authorizeAdmin,
  authorizeInstitutionCommand,
  authorizePatentCommand,
  authorizePatentRecords,
  authorizePromotionCommand,
  authorizeRead,
  inventoryLineAuthorizer,
  obligationScope,
  partyFor,
  PATENT_COMMAND_POLICY,
} from './policy';
import { redactAskingPrice, redactCommandIds, redactPatent } from './redact';

type Caller = { role: Patent extends never ? never : string; orgId: string; admin?: boolean };

const TYUT = { role: 'institution', orgId: 'tyut' } as const;
const SXU = { role: 'institution', orgId: 'sxu' } as const;
const COAL = { role: 'enterprise', orgId: 'sx-coal' } as const;
const CERAMICS = { role: 'enterprise', orgId: 'jz-ceramics' } as const;
const OFFICE = { role: 'ip-office', orgId: 'sx-cnipa' } as const;
const ADMIN = { role: 'ip-office', orgId: 'sx-cnipa', admin: true } as const;
const AUDITOR = { role: 'auditor', orgId: 'sx-audit' } as const;
const ANALYST = { role: 'analyst', orgId: 'sx-stats' } as const;
const EVERYONE = [TYUT, SXU, COAL, CERAMICS, OFFICE, AUDITOR, ANALYST];

/** A patent as the policy reads it: holder, institution, deals, industrializations, co-owners, pledges. */
function patent(overrides: Partial<Patent> = {}): Patent {
  return {
    status: 'active',
    applicationNumber: '201710601862.3',
    institutionId: 'tyut',
    holder: { kind: 'institution', id: 'tyut' },
    inventors: ['Wang Wei'],
    evaluations: [],
    evaluationIds: [],
    transfers: [],
    licenses: [],
    industrializations: [],
    coOwners: [],
    pledges: [],
    ...overrides,
  } as unknown as Patent;
}

const AFTER_REGISTERED_TRANSFER = patent({
  holder: { kind: 'enterprise', id: 'sx-coal', name: 'SX Coal', since: '2025-01-10', dealId: 'T-1' },
});

const command = (type: PatentCommand['type'], data: Record<string, unknown> = {}): PatentCommand =>
  ({
    type,
    data: { applicationNumber: '201710601862.3', ...data },
    now: '2026-12-03T00:00:00Z',
  }) as PatentCommand;

/** given a patent, when `caller` sends `cmd`, then it is allowed or denied by `rule`. */
function given(p: Patent) {
  return {
    when: (caller: Caller, cmd: PatentCommand) => ({
      allowed: () => expect(() => authorizePatentCommand(caller as never, cmd, p)).not.toThrow(),
      denied: (rule: string) => {
        let err: unknown;
        try {
          authorizePatentCommand(caller as never, cmd, p);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(AccessDeniedError);
        expect((err as AccessDeniedError).rule).toBe(rule);
        expect((err as AccessDeniedError).code).toBe('ACCESS.DENIED');
        expect((err as AccessDeniedError).kind).toBe('forbidden');
      },
    }),
  };
}

const others = (...allowed: Caller[]) => EVERYONE.filter((c) => !allowed.includes(c as never));

describe('access policy: commands', () => {
  it('institution-register: PUT /institutions/{id} is ip-office’s only', () => {
    const cmd = { type: 'RegisterInstitution', data: { institutionId: 'tyut' }, now: '' } as never;
    expect(() => authorizeInstitutionCommand(OFFICE, cmd)).not.toThrow();
    for (const c of others(OFFICE)) {
      expect(() => authorizeInstitutionCommand(c as never, cmd)).toThrow(AccessDeniedError);
    }
  });

  it('inventory: only the institution whose org is institutionId', () => {
    const cmd = command('InventoryPatent', { institutionId: 'tyut' });
    given({ status: 'none' } as never)
      .when(TYUT, cmd)
      .allowed();
    for (const c of others(TYUT))
      given({ status: 'none' } as never)
        .when(c, cmd)
        .denied('inventory');
  });

  const HOLDER_COMMANDS: PatentCommand['type'][] = [
    'TagIntent',
    'TransferPatent',
    'RecordEquityContribution',
    'RegisterTransfer',
    'LicensePatent',
    'RecordLicense',
    'DeclareOpenLicense',
    'WithdrawOpenLicense',
    'LapsePatent',
  ];
  it.each(HOLDER_COMMANDS)('holder-dealing: %s is the current holder’s only', (type) => {
    given(patent()).when(TYUT, command(type)).allowed();
    for (const c of others(TYUT)) given(patent()).when(c, command(type)).denied('holder-dealing');
  });

  it('unused-patents: ip-office, auditor, analyst and institutions read it; enterprises do not', () => {
    for (const role of ['ip-office', 'auditor', 'analyst', 'institution'] as const)
      expect(() => authorizeRead({ role, orgId: 'x' } as never, 'unused-patents')).not.toThrow();
    expect(() => authorizeRead({ role: 'enterprise', orgId: 'x' } as never, 'unused-patents')).toThrow(
      /unused-patents/,
    );
  });

  it.each(HOLDER_COMMANDS)(
    'holder-dealing (专利法 Art. 10): after a registered transfer %s is the assignee’s, not the institution’s',
    (type) => {
      given(AFTER_REGISTERED_TRANSFER).when(COAL, command(type)).allowed();
      given(AFTER_REGISTERED_TRANSFER).when(TYUT, command(type)).denied('holder-dealing');
    },
  );

  it('holder-dealing (专利法 Art. 14): a co-owner may license in its own name (licensorId), no one else', () => {
    const coOwned = patent({ coOwners: [{ id: 'sxu', name: 'Shanxi University' }] } as never);
    given(coOwned)
      .when(SXU, command('LicensePatent', { licensorId: 'sxu' }))
      .allowed();
    given(coOwned).when(SXU, command('LicensePatent', {})).denied('holder-dealing');
    given(patent())
      .when(SXU, command('LicensePatent', { licensorId: 'sxu' }))
      .denied('holder-dealing');
    given(coOwned).when(SXU, command('TransferPatent')).denied('holder-dealing');
  });

  it('open-license-taking: the holder, or the enterprise taking in its own name', () => {
    const take = command('TakeOpenLicense', { licenseeId: 'jz-ceramics' });
    given(patent()).when(TYUT, take).allowed();
    given(patent()).when(CERAMICS, take).allowed();
    for (const c of others(TYUT, CERAMICS)) given(patent()).when(c, take).denied('open-license-taking');
  });

  it('evaluation: only the enterprise whose org is enterpriseId (so it can supersede only its own)', () => {
    const evaluate = command('EvaluatePatent', { enterpriseId: 'sx-coal' });
    given(patent()).when(COAL, evaluate).allowed();
    for (const c of others(COAL)) given(patent()).when(c, evaluate).denied('evaluation');
  });

  it('promotion: ip-office only', () => {
    given(patent()).when(OFFICE, command('PromotePatent')).allowed();
    for (const c of others(OFFICE)) given(patent()).when(c, command('PromotePatent')).denied('promotion');
  });

  it('industrialization: the holder, or the enterprise named in it', () => {
    const ind = command('IndustrializePatent', { enterpriseId: 'jz-ceramics' });
    given(patent()).when(TYUT, ind).allowed();
    given(patent()).when(CERAMICS, ind).allowed();
    for (const c of others(TYUT, CERAMICS)) given(patent()).when(c, ind).denied('industrialization');
  });

  it('density-product-filing: the enterprise of that industrialization, or the holder', () => {
    const p = patent({
      industrializations: [{ industrializationId: 'I-1', enterpriseId: 'jz-ceramics' }],
    } as never);
    const file = command('FileDensityProduct', { industrializationId: 'I-1' });
    given(p).when(CERAMICS, file).allowed();
    given(p).when(TYUT, file).allowed();
    for (const c of others(TYUT, CERAMICS)) given(p).when(c, file).denied('density-product-filing');
    given(p)
      .when(CERAMICS, command('FileDensityProduct', { industrializationId: 'I-2' }))
      .denied('density-product-filing');
  });

  it('transaction-report: the institution that made the deal (also after the transfer), or the holder', () => {
    given(AFTER_REGISTERED_TRANSFER).when(TYUT, command('ReportTransaction')).allowed();
    given(AFTER_REGISTERED_TRANSFER).when(COAL, command('ReportTransaction')).allowed();
    for (const c of others(TYUT, COAL)) {
      given(AFTER_REGISTERED_TRANSFER).when(c, command('ReportTransaction')).denied('transaction-report');
    }
  });

  it('auditor and analyst never write: no command is allowed to them', () => {
    for (const type of Object.keys(PATENT_COMMAND_POLICY) as PatentCommand['type'][]) {
      for (const c of [AUDITOR, ANALYST]) {
        expect(() =>
          authorizePatentCommand(c, command(type, { institutionId: 'sx-audit' }), patent()),
        ).toThrow(AccessDeniedError);
      }
    }
  });

  it('a command on a patent that does not exist is left to the decider (its 404)', () => {
    given({ status: 'none' } as never)
      .when(COAL, command('TransferPatent'))
      .allowed();
  });

  it('each inventory line: the caller’s own institution lands, another’s is refused and heard once', () => {
    const heard: string[] = [];
    const check = inventoryLineAuthorizer(TYUT, (id) => heard.push(id));
    expect(check('tyut')).toBeUndefined();
    expect(check('sxu')).toEqual({
      code: 'ACCESS.DENIED',
      message: expect.stringContaining('rule inventory'),
    });
    expect(check('sxu')).toBeDefined();
    expect(heard).toEqual(['sxu']);
  });

  it('partyFor names a principal the policy allows for every command of the generator', () => {
    const p = patent({
      industrializations: [{ industrializationId: 'I-1', enterpriseId: 'jz-ceramics' }],
    } as never);
    const cases: PatentCommand[] = [
      command('TagIntent'),
      command('EvaluatePatent', { enterpriseId: 'sx-coal' }),
      command('PromotePatent'),
      command('TakeOpenLicense', { licenseeId: 'jz-ceramics' }),
      command('IndustrializePatent', { enterpriseId: 'tyut' }),
      command('FileDensityProduct', { industrializationId: 'I-1' }),
      command('ReportTransaction'),
    ];
    for (const c of cases) {
      expect(() => authorizePatentCommand(partyFor(c, p, 'sx-cnipa'), c, p)).not.toThrow();
    }
  });
});

describe('access policy: promotion (plan §二(三)2–3)', () => {
  const now = '2026-12-03T00:00:00Z';
  const denied = (caller: Caller, cmd: unknown, rule: string) => {
    let err: unknown;
    try {
      authorizePromotionCommand(caller as never, cmd as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect((err as AccessDeniedError).rule).toBe(rule);
  };
  const allowed = (caller: Caller, cmd: unknown) =>
    expect(() => authorizePromotionCommand(caller as never, cmd as never)).not.toThrow();

  it('salon-record: ip-office for any organizer; an institution only a salon it organised', () => {
    const byAssoc = { type: 'RecordSalon', data: { organizerId: 'sx-ip-service-assoc' }, now };
    const byTyut = { type: 'RecordSalon', data: { organizerId: 'tyut' }, now };
    allowed(OFFICE, byAssoc);
    allowed(OFFICE, byTyut);
    allowed(TYUT, byTyut);
    denied(TYUT, byAssoc, 'salon-record');
    for (const c of others(OFFICE, TYUT)) denied(c, byTyut, 'salon-record');
  });

  it('key-promotion: ip-office only, for opening, changing and closing', () => {
    for (const type of ['OpenKeyPromotion', 'ChangeKeyPromotionPatents', 'CloseKeyPromotion']) {
      const cmd = { type, data: { organizerId: 'tyut' }, now };
      allowed(OFFICE, cmd);
      for (const c of others(OFFICE)) denied(c, cmd, 'key-promotion');
    }
  });

  it('service-record: ip-office; the institution of the patent on its own patents', () => {
    const cmd = { type: 'RecordTechnologyService', data: {}, patent: patent(), now };
    allowed(OFFICE, cmd);
    allowed(TYUT, cmd);
    for (const c of others(OFFICE, TYUT)) denied(c, cmd, 'service-record');
    // an unknown patent is left to the decider (its 404); a patent not loaded is refused
    allowed(TYUT, { ...cmd, patent: { status: 'none' } });
    denied(TYUT, { ...cmd, patent: undefined }, 'service-record');
  });

  it('promotion-read: every authenticated role', () => {
    for (const c of EVERYONE) expect(() => authorizeRead(c, 'promotion')).not.toThrow();
  });
});

describe('access policy: reads', () => {
  it('pool, progress, patents, institutions, chain: every authenticated role', () => {
    for (const c of EVERYONE) {
      for (const a of ['pool', 'progress', 'patent-state', 'institution', 'chain'] as const) {
        expect(() => authorizeRead(c, a)).not.toThrow();
      }
    }
  });

  it('audit-trail: ip-office and auditor only', () => {
    for (const c of [OFFICE, AUDITOR]) expect(() => authorizeRead(c, 'audit-trail')).not.toThrow();
    for (const c of others(OFFICE, AUDITOR))
      expect(() => authorizeRead(c, 'audit-trail')).toThrow(AccessDeniedError);
  });

  it('patent-records: the holder (and the institution of record), ip-office, auditor', () => {
    for (const c of [COAL, TYUT, OFFICE, AUDITOR]) {
      expect(() => authorizePatentRecords(c, AFTER_REGISTERED_TRANSFER, 'history')).not.toThrow();
    }
    for (const c of [SXU, CERAMICS, ANALYST]) {
      expect(() => authorizePatentRecords(c, AFTER_REGISTERED_TRANSFER, 'history')).toThrow(
        AccessDeniedError,
      );
    }
  });

  it('obligations: an institution its own, an enterprise those it owes, the others all', () => {
    expect(obligationScope(TYUT)).toEqual({ kind: 'institution', institutionId: 'tyut' });
    expect(obligationScope(COAL)).toEqual({ kind: 'party', orgId: 'sx-coal' });
    for (const c of [OFFICE, AUDITOR, ANALYST]) expect(obligationScope(c)).toEqual({ kind: 'all' });
  });

  it('accounts, denials, projection control: an ip-office admin only', () => {
    for (const a of [
      'accounts',
      'denials',
      'projection-control',
      'error-details',
      'webhook-admin',
      'metrics',
    ] as const) {
      expect(() => authorizeAdmin(ADMIN, a)).not.toThrow();
      for (const c of EVERYONE) expect(() => authorizeAdmin(c, a)).toThrow(AccessDeniedError);
      expect(() => authorizeAdmin({ role: 'institution', orgId: 'tyut', admin: true }, a)).toThrow(
        AccessDeniedError,
      );
    }
  });
});

describe('access policy: fields left out', () => {
  const dealt = patent({
    intent: { modes: ['transfer'], screening: {}, askingPrice: '500000.00', taggedOn: '2024-03-01' },
    transfers: [{ dealId: 'T-1', assigneeId: 'sx-coal', price: '450000.00' }],
    licenses: [{ dealId: 'L-1', licenseeId: 'jz-ceramics', royalty: '30000.00' }],
    evaluations: [
      { evaluationId: 'E-1', enterpriseId: 'sx-coal' },
      { evaluationId: 'E-2', enterpriseId: 'other-ent' },
    ],
    evaluationIds: ['E-1', 'E-2'],
  } as never);

  it('the holder, ip-office and auditor see deal money, evaluations in full and inventors', () => {
    for (const c of [TYUT, OFFICE, AUDITOR]) expect(redactPatent(c, dealt)).toBe(dealt);
  });

  it('a counterparty sees its own deal’s money and its own evaluation, not the others’', () => {
    const seen = redactPatent(COAL, dealt);
    expect(seen.transfers[0]).toEqual({ dealId: 'T-1', assigneeId: 'sx-coal', price: '450000.00' });
    expect(seen.licenses[0]).toEqual({ dealId: 'L-1', licenseeId: 'jz-ceramics' });
    expect(seen.evaluations.map((e) => e.evaluationId)).toEqual(['E-1']);
    expect(seen.intent).not.toHaveProperty('askingPrice');
    expect(seen.inventors).toEqual(['Wang Wei']);
  });

  it('an analyst or another institution sees no money, no evaluations and no inventors', () => {
    for (const c of [ANALYST, SXU]) {
      const seen = redactPatent(c, dealt);
      expect(seen.transfers[0]).not.toHaveProperty('price');
      expect(seen.licenses[0]).not.toHaveProperty('royalty');
      expect(seen.evaluations).toEqual([]);
      expect(seen).not.toHaveProperty('inventors');
      expect(seen.intent).not.toHaveProperty('askingPrice');
    }
  });

  it('the asking price of a pool entry: its institution, ip-office, auditor', () => {
    const entry = { institutionId: 'tyut', askingPrice: '1.00' };
    for (const c of [TYUT, OFFICE, AUDITOR]) expect(redactAskingPrice(c, entry)).toEqual(entry);
    for (const c of [SXU, COAL, ANALYST])
      expect(redactAskingPrice(c, entry)).toEqual({ institutionId: 'tyut' });
  });

  it('command ids of another organisation’s events are left out (except for ip-office and auditor)', () => {
    const entry = { actor: { orgId: 'sx-coal' }, commandId: 'key-1' };
    expect(redactCommandIds(TYUT, entry)).toEqual({ actor: { orgId: 'sx-coal' } });
    expect(redactCommandIds(COAL, entry)).toEqual(entry);
    expect(redactCommandIds(AUDITOR, entry)).toEqual(entry);
  });
});

describe('partyFor: consents', () => {
  it('a consent is sent by the consenting party: the co-owner, or the pledgee of that pledge', () => {
    const p = patent({
      coOwners: [{ id: 'sxu', name: 'Shanxi University' }],
      pledges: [{ pledgeId: 'PL-1', pledgeeId: 'sx-bank' }],
    } as never);
    const byCoOwner = command('RecordConsent', { party: 'co-owner', partyId: 'sxu' });
    const byPledgee = command('RecordConsent', { party: 'pledgee', partyId: 'PL-1' });
    expect(partyFor(byCoOwner, p, 'sx-cnipa')).toEqual({ role: 'enterprise', orgId: 'sxu' });
    expect(partyFor(byPledgee, p, 'sx-cnipa')).toEqual({ role: 'enterprise', orgId: 'sx-bank' });
    expect(() => authorizePatentCommand(partyFor(byPledgee, p, 'sx-cnipa'), byPledgee, p)).not.toThrow();
    expect(() => authorizePatentCommand(TYUT, byPledgee, p)).toThrow(AccessDeniedError);
  });
});
