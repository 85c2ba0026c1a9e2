/**
 * The access policy (libs/access/src/policy.ts) over HTTP: every row of its table, allowed and
 * denied. A denial is 403 problem+json with code ACCESS.DENIED and the `rule` that decided, appends
 * nothing to the patent (or institution) it aimed at, and is listed in GET /access/denials with who
 * sent it and what. An allowed command's event carries the token's principal as its actor.
 *
 * Every request of this suite also carries X-Actor-* headers claiming to be someone else (for a
 * denied request: the party the row allows), so that a server still honouring them would fail here.
 */
import type { Response, Test } from 'supertest';
import { scopedCommandId } from '../../apps/api/src/common/command-context';
import {
  actors,
  applicationNumber,
  authAs,
  EXAMPLES,
  eventsOf,
  expectProblem,
  headPosition,
  inventoryBody,
  newKey,
  PARTIES,
  startHarness,
  tokenFor,
  type Harness,
  type PartyName,
  type StoredEventJson,
} from './harness';

type Principal = { role: string; orgId: string; userId: string; admin: boolean };

/** Principals beyond the harness's parties. */
const EXTRA = {
  /** An ip-office user who is not an admin. */
  ipOfficeClerk: { role: 'ip-office', orgId: 'sx-cnipa', userId: 'clerk-2', admin: false },
  /** Another user of the institution tyut. */
  tyutColleague: { role: 'institution', orgId: 'tyut', userId: 'tto-zhang', admin: false },
} as const satisfies Record<string, Principal>;
type Who = PartyName | keyof typeof EXTRA;
const WHO: Record<Who, Principal> = { ...PARTIES, ...EXTRA };
/** Authorization header of each principal (filled once the harness runs). */
const auth = {} as Record<Who, Record<string, string>>;

const SXU_BODY = {
  ...EXAMPLES.institution,
  name: '山西大学',
  milestoneGroup: 'key4',
  stockPatentCount: 2100,
};
const SXU = 'sxu';

let h: Harness;
let serial = 0;
/** A fresh invention application number (one patent per row). */
const nextNumber = (): string => applicationNumber(2019, 1, 870001 + serial++);

type Method = 'get' | 'post' | 'put' | 'delete';

interface RequestOptions {
  /** Whom the X-Actor-* headers claim to be (they must have no effect); default the ip-office admin. */
  claim?: Who;
  key?: string;
}

/** A request authenticated as `who`, with X-Actor-* headers claiming to be `claim`. */
function as(who: Who, method: Method, path: string, body?: unknown, options: RequestOptions = {}): Test {
  const claimed = WHO[options.claim ?? 'ipOffice'];
  const client = h.anonymous();
  let req = client[method](path)
    .set(auth[who])
    .set('Accept', 'application/json')
    .set('X-Actor-Role', claimed.role)
    .set('X-Actor-Org', claimed.orgId)
    .set('X-Actor-User', claimed.userId);
  if (method !== 'get') req = req.set('Idempotency-Key', options.key ?? newKey('access'));
  return body === undefined ? req : req.send(body as object);
}

/** Sends a setup command and insists that it lands. */
async function given(who: Who, method: Method, path: string, body: unknown): Promise<void> {
  const res = await as(who, method, path, body, { claim: who });
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`setup ${method} ${path} as ${who}: ${res.status} ${res.text}`);
  }
}

const inventoried = async (n: string, institution: Who = 'institution'): Promise<void> =>
  given(institution, 'post', '/patents', inventoryBody(n, { institutionId: WHO[institution].orgId }));
const pooled = async (n: string): Promise<void> => {
  await inventoried(n);
  await given('institution', 'post', `/patents/${n}/intent`, EXAMPLES.intent);
};
const licensed = async (n: string): Promise<void> => {
  await pooled(n);
  await given('institution', 'post', `/patents/${n}/licenses`, EXAMPLES.license);
};
const transferred = async (n: string): Promise<void> => {
  await pooled(n);
  await given('institution', 'post', `/patents/${n}/transfers`, EXAMPLES.transfer);
  await given(
    'institution',
    'post',
    `/patents/${n}/transfers/${EXAMPLES.transfer.dealId}/registration`,
    EXAMPLES.transferRegistration,
  );
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface DenialJson {
  at: string;
  actor: { role: string; orgId: string; userId: string };
  action: string;
  rule: string;
  method: string;
  path: string;
  position: number;
}

/** Today's denials (as the ip-office admin) that name this caller, rule, method and path. */
async function denialsOf(p: Principal, rule: string, method: string, path: string): Promise<DenialJson[]> {
  const res = await h.http().get('/access/denials');
  expect(res.status).toBe(200);
  return (res.body as { items: DenialJson[] }).items.filter(
    (d) =>
      d.rule === rule &&
      d.method === method.toUpperCase() &&
      d.path === path &&
      d.actor.role === p.role &&
      d.actor.orgId === p.orgId &&
      d.actor.userId === p.userId,
  );
}

/** Asserts a 403 ACCESS.DENIED problem naming `rule`. */
function expectAccessDenied(res: Response, rule: string): void {
  expectProblem(res, 403, 'ACCESS.DENIED');
  const body = JSON.parse(res.text) as { rule?: string; detail: string };
  expect({ rule: body.rule, detail: body.detail }).toEqual({
    rule,
    detail: expect.stringContaining(`rule ${rule}`),
  });
  expect(res.headers['idempotent-replayed']).toBeUndefined();
}

interface Denied {
  /** What the request aimed at, read before and after (it must not change). */
  unchanged?: () => Promise<unknown>;
  /** The action the denial log must name (e.g. the command type). */
  action?: string | RegExp;
  claim?: Who;
}

/**
 * Sends the request as `who` and asserts the denial: 403 ACCESS.DENIED with `rule`, the target
 * unchanged, and one more entry in the denied-access log naming the caller, the rule, the method,
 * the path and the action.
 */
async function expectDenied(
  who: Who,
  method: Method,
  path: string,
  body: unknown,
  rule: string,
  options: Denied = {},
): Promise<Response> {
  const p = WHO[who];
  const bare = path.split('?')[0]!;
  const before = options.unchanged ? await options.unchanged() : undefined;
  const logged = (await denialsOf(p, rule, method, bare)).length;
  const res = await as(who, method, path, body, options.claim ? { claim: options.claim } : {});
  expectAccessDenied(res, rule);
  if (options.unchanged) expect(await options.unchanged()).toEqual(before);
  const entries = await until(
    `the denial of ${method} ${bare} to ${who} in GET /access/denials`,
    async () => {
      const now = await denialsOf(p, rule, method, bare);
      return now.length > logged ? now : undefined;
    },
  );
  expect(entries).toHaveLength(logged + 1);
  const entry = entries.at(-1)!;
  expect(entry.actor).toEqual({ role: p.role, orgId: p.orgId, userId: p.userId });
  if (options.action !== undefined) expect(entry.action).toMatch(options.action);
  else expect(entry.action).toEqual(expect.any(String));
  return res;
}

/** The events of a patent, as the ip-office admin reads them. */
const streamOf = (n: string) => (): Promise<StoredEventJson[]> => eventsOf(h, n);

/**
 * Sends a command as `who` (X-Actor-* claiming to be the analyst, who may never write) and asserts
 * that it lands: one more event on the patent, whose actor is the token's principal and whose
 * command id is the Idempotency-Key scoped to that principal.
 */
async function expectAllowed(
  who: Who,
  method: Method,
  path: string,
  body: unknown,
  n: string,
  event: string,
  status = 201,
): Promise<Response> {
  const before = await eventsOf(h, n);
  const key = newKey('allowed');
  const res = await as(who, method, path, body, { claim: 'analyst', key });
  expect({ status: res.status, text: res.text }).toEqual({ status, text: expect.any(String) });
  const after = await eventsOf(h, n);
  expect(after).toHaveLength(before.length + 1);
  const p = WHO[who];
  expect(after.at(-1)!.type).toBe(event);
  expect(after.at(-1)!.metadata.actor).toEqual({ role: p.role, orgId: p.orgId, userId: p.userId });
  expect(after.at(-1)!.metadata.commandId).toBe(scopedCommandId(p, key));
  return res;
}

/** The patent's state as `who` may see it. */
async function stateAs(who: Who, n: string): Promise<Record<string, unknown>> {
  const res = await as(who, 'get', `/patents/${n}`);
  expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: expect.any(String) });
  return (res.body as { state: Record<string, unknown> }).state;
}

beforeAll(async () => {
  h = await startHarness();
  for (const k of Object.keys(PARTIES) as PartyName[]) auth[k] = actors[k];
  for (const [k, p] of Object.entries(EXTRA)) auth[k as Who] = await authAs(p);
  await given('ipOffice', 'put', '/institutions/tyut', EXAMPLES.institution);
  await given('ipOffice', 'put', `/institutions/${SXU}`, SXU_BODY);
});
afterAll(async () => {
  await h?.close();
});

const NEVER_WRITE: Who[] = ['auditor', 'analyst'];

describe('rule institution-register: PUT /institutions/{id} is for ip-office', () => {
  const id = 'sxau';
  const body = {
    ...EXAMPLES.institution,
    name: '山西农业大学',
    milestoneGroup: 'other',
    stockPatentCount: 900,
  };
  const institution = async () => {
    const res = await h.http().get(`/institutions/${id}`);
    return { status: res.status, body: res.body as unknown };
  };

  it.each<Who>(['institution', 'enterprise', ...NEVER_WRITE])(
    'given an unregistered institution, when %s registers it, then rule institution-register refuses it and nothing is recorded',
    async (who) => {
      await expectDenied(who, 'put', `/institutions/${id}`, body, 'institution-register', {
        unchanged: institution,
        claim: 'ipOffice',
        action: 'RegisterInstitution',
      });
      expect((await institution()).status).toBe(404);
    },
  );

  it('given an unregistered institution, when ip-office registers it, then rule institution-register allows it', async () => {
    const res = await as('ipOffice', 'put', `/institutions/${id}`, body, { claim: 'analyst' });
    expect({ status: res.status, text: res.text }).toEqual({ status: 201, text: expect.any(String) });
    expect((await institution()).status).toBe(200);
  });
});

describe('rule inventory: POST /patents is for the institution whose org is institutionId', () => {
  const n = nextNumber();

  it.each<Who>(['otherInstitution', 'enterprise', 'ipOffice', ...NEVER_WRITE])(
    'given a patent of tyut, when %s inventories it into tyut, then rule inventory refuses it and nothing is appended',
    async (who) => {
      await expectDenied(who, 'post', '/patents', inventoryBody(n), 'inventory', {
        unchanged: streamOf(n),
        claim: 'institution',
        action: 'InventoryPatent',
      });
      expect(await eventsOf(h, n)).toEqual([]);
    },
  );

  it('given a registered institution sxu, when tyut inventories a patent into sxu, then rule inventory refuses it', async () => {
    const other = nextNumber();
    await expectDenied(
      'institution',
      'post',
      '/patents',
      inventoryBody(other, { institutionId: SXU }),
      'inventory',
      {
        unchanged: streamOf(other),
        claim: 'otherInstitution',
      },
    );
    expect(await eventsOf(h, other)).toEqual([]);
  });

  it('given a patent of tyut, when tyut inventories it, then rule inventory allows it (the actor is the token)', async () => {
    await expectAllowed('institution', 'post', '/patents', inventoryBody(n), n, 'PatentInventoried');
  });
});

interface HolderRow {
  name: string;
  command: string;
  event: string;
  setup: (n: string) => Promise<void>;
  method: Method;
  path: (n: string) => string;
  body: unknown;
  status?: number;
}

const HOLDER_ROWS: HolderRow[] = [
  {
    name: 'tag intent',
    command: 'TagIntent',
    event: 'IntentTagged',
    setup: (n) => inventoried(n),
    method: 'post',
    path: (n) => `/patents/${n}/intent`,
    body: EXAMPLES.intent,
  },
  {
    name: 'a transfer contract',
    command: 'TransferPatent',
    event: 'Transferred',
    setup: pooled,
    method: 'post',
    path: (n) => `/patents/${n}/transfers`,
    body: EXAMPLES.transfer,
  },
  {
    name: 'a licence',
    command: 'LicensePatent',
    event: 'Licensed',
    setup: pooled,
    method: 'post',
    path: (n) => `/patents/${n}/licenses`,
    body: EXAMPLES.license,
  },
  {
    name: 'an open-licence declaration',
    command: 'DeclareOpenLicense',
    event: 'OpenLicensed',
    setup: pooled,
    method: 'post',
    path: (n) => `/patents/${n}/open-license`,
    body: EXAMPLES.openLicense,
  },
  {
    name: 'an open-licence withdrawal',
    command: 'WithdrawOpenLicense',
    event: 'OpenLicenseWithdrawn',
    setup: async (n) => {
      await pooled(n);
      await given('institution', 'post', `/patents/${n}/open-license`, EXAMPLES.openLicense);
    },
    method: 'delete',
    path: (n) => `/patents/${n}/open-license`,
    body: EXAMPLES.openLicenseWithdrawal,
    status: 200,
  },
  {
    name: 'a lapse',
    command: 'LapsePatent',
    event: 'PatentLapsed',
    setup: (n) => inventoried(n),
    method: 'post',
    path: (n) => `/patents/${n}/lapse`,
    body: EXAMPLES.lapse,
  },
  {
    name: 'a transfer registration',
    command: 'RegisterTransfer',
    event: 'TransferRegistered',
    setup: async (n) => {
      await pooled(n);
      await given('institution', 'post', `/patents/${n}/transfers`, EXAMPLES.transfer);
    },
    method: 'post',
    path: (n) => `/patents/${n}/transfers/${EXAMPLES.transfer.dealId}/registration`,
    body: EXAMPLES.transferRegistration,
  },
  {
    name: 'a licence recordal',
    command: 'RecordLicense',
    event: 'LicenseRecorded',
    setup: licensed,
    method: 'post',
    path: (n) => `/patents/${n}/licenses/${EXAMPLES.license.dealId}/recordal`,
    body: EXAMPLES.licenseRecordal,
  },
];

describe.each(HOLDER_ROWS.map((r) => [r.name, r] as const))(
  'rule holder-dealing: %s is for the current holder',
  (_name, row) => {
    const n = nextNumber();
    beforeAll(async () => {
      await row.setup(n);
    });

    it.each<Who>(['otherInstitution', 'enterprise', 'ipOffice', ...NEVER_WRITE])(
      `given a patent tyut holds, when %s sends ${row.name}, then rule holder-dealing refuses it and nothing is appended`,
      async (who) => {
        await expectDenied(who, row.method, row.path(n), row.body, 'holder-dealing', {
          unchanged: streamOf(n),
          claim: 'institution',
          action: row.command,
        });
      },
    );

    it(`given a patent tyut holds, when tyut sends ${row.name}, then rule holder-dealing allows it`, async () => {
      await expectAllowed('institution', row.method, row.path(n), row.body, n, row.event, row.status);
    });
  },
);

describe('rule holder-dealing after a registered transfer: the assignee holds the patent', () => {
  const n = nextNumber();
  beforeAll(async () => {
    await transferred(n); // the assignee is EXAMPLES.transfer.assigneeId = PARTIES.enterprise.orgId
  });

  it('given the registered transfer, then the patent names the enterprise as its holder', async () => {
    expect((await stateAs('ipOffice', n))['holder']).toEqual(
      expect.objectContaining({ kind: 'enterprise', id: PARTIES.enterprise.orgId }),
    );
  });

  it.each([
    ['a lapse', 'lapse', EXAMPLES.lapse, 'LapsePatent'],
    ['tag intent', 'intent', EXAMPLES.intent, 'TagIntent'],
    ['a licence', 'licenses', { ...EXAMPLES.license, dealId: 'lic-after' }, 'LicensePatent'],
    ['an open-licence declaration', 'open-license', EXAMPLES.openLicense, 'DeclareOpenLicense'],
  ] as const)(
    'given the transfer was registered, when the institution sends %s, then rule holder-dealing refuses it',
    async (_what, endpoint, body, command) => {
      await expectDenied('institution', 'post', `/patents/${n}/${endpoint}`, body, 'holder-dealing', {
        unchanged: streamOf(n),
        claim: 'enterprise',
        action: command,
      });
    },
  );

  it('given the transfer was registered, when the assignee tags intent, then the policy lets it through to the domain (409 PATENT.NOT_HELD_BY_INSTITUTION)', async () => {
    const before = await eventsOf(h, n);
    const res = await as('enterprise', 'post', `/patents/${n}/intent`, EXAMPLES.intent, {
      claim: 'institution',
    });
    expectProblem(res, 409, 'PATENT.NOT_HELD_BY_INSTITUTION');
    expect(await eventsOf(h, n)).toEqual(before);
  });

  it('given the transfer was registered, when the assignee records a lapse, then rule holder-dealing allows it', async () => {
    await expectAllowed('enterprise', 'post', `/patents/${n}/lapse`, EXAMPLES.lapse, n, 'PatentLapsed');
  });
});

describe('rule open-license-taking: the holder, or the taking enterprise in its own name', () => {
  const n = nextNumber();
  const taking = EXAMPLES.openLicenseTaker; // licenseeId = PARTIES.taker.orgId
  beforeAll(async () => {
    await pooled(n);
    await given('institution', 'post', `/patents/${n}/open-license`, EXAMPLES.openLicense);
  });

  it.each<Who>(['licensee', 'enterprise', 'otherInstitution', 'ipOffice', ...NEVER_WRITE])(
    `given an active open licence, when %s takes it in ${taking.licenseeId}'s name, then rule open-license-taking refuses it`,
    async (who) => {
      await expectDenied(who, 'post', `/patents/${n}/open-license/takers`, taking, 'open-license-taking', {
        unchanged: streamOf(n),
        claim: 'taker',
        action: 'TakeOpenLicense',
      });
    },
  );

  it('given an active open licence, when the taking enterprise takes it in its own name, then the rule allows it', async () => {
    await expectAllowed('taker', 'post', `/patents/${n}/open-license/takers`, taking, n, 'OpenLicenseTaken');
  });

  it('given an active open licence, when the holder records a taker, then the rule allows it', async () => {
    const body = {
      dealId: 'ol-2025-002-t2',
      licenseeId: PARTIES.licensee.orgId,
      licenseeName: '晋中陶瓷科技有限公司',
      notifiedOn: '2025-03-01',
    };
    await expectAllowed(
      'institution',
      'post',
      `/patents/${n}/open-license/takers`,
      body,
      n,
      'OpenLicenseTaken',
    );
  });
});

describe('rule evaluation: the enterprise whose org is enterpriseId', () => {
  const n = nextNumber();
  const own = EXAMPLES.evaluation; // enterpriseId = PARTIES.enterprise.orgId
  const forged = { ...EXAMPLES.evaluation, evaluationId: 'ev-forged', industrializationProspect: 1 };
  beforeAll(async () => {
    await pooled(n);
  });

  it('given a patent in the pool, when an enterprise evaluates it in its own name, then rule evaluation allows it', async () => {
    await expectAllowed('enterprise', 'post', `/patents/${n}/evaluations`, own, n, 'EnterpriseEvaluated');
  });

  it.each<Who>(['licensee', 'taker', 'institution', 'ipOffice', ...NEVER_WRITE])(
    `given ${own.enterpriseId}'s evaluation, when %s records one in ${own.enterpriseId}'s name, then rule evaluation refuses it and the evaluation is not replaced`,
    async (who) => {
      await expectDenied(who, 'post', `/patents/${n}/evaluations`, forged, 'evaluation', {
        unchanged: streamOf(n),
        claim: 'enterprise',
        action: 'EvaluatePatent',
      });
      const evaluations = (await stateAs('ipOffice', n))['evaluations'] as {
        evaluationId: string;
        enterpriseId: string;
      }[];
      expect(evaluations.map((e) => [e.evaluationId, e.enterpriseId])).toEqual([
        [own.evaluationId, own.enterpriseId],
      ]);
    },
  );
});

describe('rule promotion: ip-office only', () => {
  const n = nextNumber();
  beforeAll(async () => {
    await pooled(n);
  });

  it.each<Who>(['institution', 'otherInstitution', 'enterprise', ...NEVER_WRITE])(
    'given a patent in the pool, when %s records a promotion, then rule promotion refuses it',
    async (who) => {
      await expectDenied(who, 'post', `/patents/${n}/promotions`, EXAMPLES.promotion, 'promotion', {
        unchanged: streamOf(n),
        claim: 'ipOffice',
        action: 'PromotePatent',
      });
    },
  );

  it('given a patent in the pool, when ip-office records a promotion, then rule promotion allows it', async () => {
    await expectAllowed('ipOffice', 'post', `/patents/${n}/promotions`, EXAMPLES.promotion, n, 'Promoted');
  });

  it('given a patent in the pool, when an ip-office user who is not an admin records a promotion, then rule promotion allows it', async () => {
    const body = { ...EXAMPLES.promotion, promotionId: 'salon-2024q3-01' };
    await expectAllowed('ipOfficeClerk', 'post', `/patents/${n}/promotions`, body, n, 'Promoted');
  });
});

describe('rule industrialization: the holder, or the enterprise named in it', () => {
  const n = nextNumber();
  const named = EXAMPLES.industrialization; // enterpriseId = PARTIES.licensee.orgId (the licensee)
  beforeAll(async () => {
    await licensed(n);
  });

  it.each<Who>(['enterprise', 'taker', 'otherInstitution', 'ipOffice', ...NEVER_WRITE])(
    `given a licence to ${named.enterpriseId}, when %s records its industrialization, then rule industrialization refuses it`,
    async (who) => {
      await expectDenied(who, 'post', `/patents/${n}/industrializations`, named, 'industrialization', {
        unchanged: streamOf(n),
        claim: 'licensee',
        action: 'IndustrializePatent',
      });
    },
  );

  it('given a licence, when the enterprise named in it records the industrialization, then the rule allows it', async () => {
    await expectAllowed('licensee', 'post', `/patents/${n}/industrializations`, named, n, 'Industrialized');
  });

  it('given a licence, when the holder records an industrialization by its licensee, then the rule allows it', async () => {
    const body = { ...named, industrializationId: 'ind-2024-010', productName: '过滤陶瓷管' };
    await expectAllowed('institution', 'post', `/patents/${n}/industrializations`, body, n, 'Industrialized');
  });
});

describe('rule density-product-filing: the enterprise of that industrialization, or the holder', () => {
  const n = nextNumber();
  const first = EXAMPLES.industrialization.industrializationId;
  const second = 'ind-2024-010';
  beforeAll(async () => {
    await licensed(n);
    await given('licensee', 'post', `/patents/${n}/industrializations`, EXAMPLES.industrialization);
    await given('licensee', 'post', `/patents/${n}/industrializations`, {
      ...EXAMPLES.industrialization,
      industrializationId: second,
      productName: '过滤陶瓷管',
    });
  });
  const path = (id: string) => `/patents/${n}/industrializations/${id}/density-filing`;

  it.each<Who>(['enterprise', 'taker', 'otherInstitution', 'ipOffice', ...NEVER_WRITE])(
    'given an industrialization by the licensee, when %s files it, then rule density-product-filing refuses it',
    async (who) => {
      await expectDenied(who, 'post', path(first), EXAMPLES.densityFiling, 'density-product-filing', {
        unchanged: streamOf(n),
        claim: 'licensee',
        action: 'FileDensityProduct',
      });
    },
  );

  it('given its industrialization, when the licensee files it, then the rule allows it', async () => {
    await expectAllowed('licensee', 'post', path(first), EXAMPLES.densityFiling, n, 'DensityProductFiled');
  });

  it('given the licensee’s industrialization, when the holder files it, then the rule allows it', async () => {
    const body = { ...EXAMPLES.densityFiling, recordNumber: 'MJ-2025-14-00078' };
    await expectAllowed('institution', 'post', path(second), body, n, 'DensityProductFiled');
  });
});

describe('rule transaction-report: the institution that made the deal, or the holder', () => {
  const n = nextNumber();
  const licenceReport = EXAMPLES.transactionReport; // the licence deal
  const transferReport = {
    dealId: EXAMPLES.transfer.dealId,
    reportedOn: '2024-10-28',
    platformRef: 'CNIPA-TR-2024-702210',
  };
  beforeAll(async () => {
    await licensed(n);
    await given('institution', 'post', `/patents/${n}/transfers`, EXAMPLES.transfer);
    await given(
      'institution',
      'post',
      `/patents/${n}/transfers/${EXAMPLES.transfer.dealId}/registration`,
      EXAMPLES.transferRegistration,
    );
  });

  it.each<Who>(['licensee', 'taker', 'otherInstitution', 'ipOffice', ...NEVER_WRITE])(
    'given a licence deal, when %s reports it, then rule transaction-report refuses it',
    async (who) => {
      await expectDenied(
        who,
        'post',
        `/patents/${n}/transaction-reports`,
        licenceReport,
        'transaction-report',
        {
          unchanged: streamOf(n),
          claim: 'institution',
          action: 'ReportTransaction',
        },
      );
    },
  );

  it('given the transfer it made was registered, when the institution (no longer the holder) reports it, then the rule allows it', async () => {
    await expectAllowed(
      'institution',
      'post',
      `/patents/${n}/transaction-reports`,
      transferReport,
      n,
      'TransactionReported',
    );
  });

  it('given the patent was transferred, when the holder (the assignee) reports the licence deal, then the rule allows it', async () => {
    await expectAllowed(
      'enterprise',
      'post',
      `/patents/${n}/transaction-reports`,
      licenceReport,
      n,
      'TransactionReported',
    );
  });
});

/**
 * One patent with every restricted field: an asking price (intent), two evaluations (by the
 * enterprise and by the licensee), a licence with a royalty (licensee) and a transfer contract with
 * a price (taker, not registered: tyut still holds it).
 */
describe('reads: every authenticated role; restricted fields only for those who may see them', () => {
  const n = nextNumber();
  const licenseeEvaluation = {
    ...EXAMPLES.evaluation,
    evaluationId: 'ev-2024-0101',
    enterpriseId: PARTIES.licensee.orgId,
    enterpriseName: '晋中陶瓷科技有限公司',
  };
  const transfer = {
    ...EXAMPLES.transfer,
    assigneeId: PARTIES.taker.orgId,
    assigneeName: '大同环保过滤设备有限公司',
  };
  let position = 0;
  beforeAll(async () => {
    await pooled(n);
    await given('enterprise', 'post', `/patents/${n}/evaluations`, EXAMPLES.evaluation);
    await given('licensee', 'post', `/patents/${n}/evaluations`, licenseeEvaluation);
    await given('institution', 'post', `/patents/${n}/licenses`, EXAMPLES.license);
    await given('institution', 'post', `/patents/${n}/transfers`, transfer);
    position = await headPosition(h);
  });

  const EVERY: Who[] = [
    'institution',
    'otherInstitution',
    'enterprise',
    'licensee',
    'taker',
    'ipOffice',
    'auditor',
    'analyst',
  ];

  it.each(EVERY)(
    'given the ledger, when %s reads the pool, progress, the patent, the institution, projections and the chain key, then rule read allows each',
    async (who) => {
      for (const path of [
        `/resource-pool?minPosition=${position}`,
        `/resource-pool/${n}?minPosition=${position}`,
        '/progress',
        `/patents/${n}`,
        '/institutions/tyut',
        '/projections',
        '/chain/key',
      ]) {
        const res = await as(who, 'get', path);
        expect({ path, status: res.status, text: res.text }).toEqual({
          path,
          status: 200,
          text: expect.any(String),
        });
      }
    },
  );

  interface Visible {
    askingPrice: boolean;
    royalty: boolean;
    price: boolean;
    inventors: boolean;
    /** The enterprises whose evaluations the caller sees. */
    evaluations: string[];
  }
  const ALL: Visible = {
    askingPrice: true,
    royalty: true,
    price: true,
    inventors: true,
    evaluations: [PARTIES.enterprise.orgId, PARTIES.licensee.orgId],
  };
  const NONE: Visible = {
    askingPrice: false,
    royalty: false,
    price: false,
    inventors: false,
    evaluations: [],
  };
  const FIELDS: [Who, string, Visible][] = [
    ['institution', 'the holder', ALL],
    ['ipOffice', 'ip-office', ALL],
    ['auditor', 'an auditor', ALL],
    [
      'licensee',
      'the licensee (counterparty of the licence)',
      { ...NONE, royalty: true, inventors: true, evaluations: [PARTIES.licensee.orgId] },
    ],
    [
      'taker',
      'the assignee of the transfer contract (its counterparty)',
      { ...NONE, price: true, inventors: true },
    ],
    [
      'enterprise',
      'an enterprise with no deal (it evaluated)',
      { ...NONE, evaluations: [PARTIES.enterprise.orgId] },
    ],
    ['otherInstitution', 'another institution', NONE],
    ['analyst', 'an analyst', NONE],
  ];

  it.each(FIELDS)(
    'given deal money, evaluations and inventors, when %s (%s) reads GET /patents/{id}, then it sees exactly the fields it may',
    async (who, _desc, visible) => {
      const s = await stateAs(who, n);
      const intent = s['intent'] as Record<string, unknown>;
      const licences = s['licenses'] as Record<string, unknown>[];
      const transfers = s['transfers'] as Record<string, unknown>[];
      const evaluations = s['evaluations'] as { enterpriseId: string; evaluationId: string }[];
      expect({
        askingPrice: intent['askingPrice'],
        royalty: licences[0]!['royalty'],
        price: transfers[0]!['price'],
        inventors: s['inventors'],
        evaluations: evaluations.map((e) => e.enterpriseId).sort(),
        evaluationIds: [...(s['evaluationIds'] as string[])].sort(),
      }).toEqual({
        askingPrice: visible.askingPrice ? EXAMPLES.intent.askingPrice : undefined,
        royalty: visible.royalty ? EXAMPLES.license.royalty : undefined,
        price: visible.price ? EXAMPLES.transfer.price : undefined,
        inventors: visible.inventors ? EXAMPLES.inventory.inventors : undefined,
        evaluations: [...visible.evaluations].sort(),
        evaluationIds: evaluations.map((e) => e.evaluationId).sort(),
      });
      expect('inventors' in s).toBe(visible.inventors);
      expect('askingPrice' in intent).toBe(visible.askingPrice);
      // The rest of the state is everyone's.
      expect(s).toEqual(
        expect.objectContaining({ applicationNumber: n, institutionId: 'tyut', inPool: true }),
      );
      expect(licences[0]).toEqual(expect.objectContaining({ dealId: EXAMPLES.license.dealId }));
      expect(transfers[0]).toEqual(expect.objectContaining({ dealId: EXAMPLES.transfer.dealId }));
    },
  );

  it.each(FIELDS)(
    'given an asking price, when %s (%s) reads the pool, then the asking price is there only for those who may see it',
    async (who, _desc, visible) => {
      const one = await as(who, 'get', `/resource-pool/${n}?minPosition=${position}`);
      expect(one.status).toBe(200);
      const list = await as(
        who,
        'get',
        `/resource-pool?minPosition=${position}&institutionId=tyut&limit=200`,
      );
      expect(list.status).toBe(200);
      const entry = (list.body as { items: Record<string, unknown>[] }).items.find(
        (e) => e['applicationNumber'] === n,
      );
      expect(entry).toBeDefined();
      // The holder's own pool entry; the counterparty sees its deal's money on the patent, not the asking price.
      const sees = visible.askingPrice;
      for (const e of [one.body as Record<string, unknown>, entry!]) {
        expect({ askingPrice: e['askingPrice'], has: 'askingPrice' in e }).toEqual({
          askingPrice: sees ? EXAMPLES.intent.askingPrice : undefined,
          has: sees,
        });
      }
    },
  );

  const RECORDS = ['events', 'history', 'evidence', 'verify', 'provenance'];

  it.each<Who>(['institution', 'ipOffice', 'auditor'])(
    'given a patent, when %s reads its events, history, evidence, verification and provenance, then rule patent-records allows each',
    async (who) => {
      for (const r of RECORDS) {
        const res = await as(who, 'get', `/patents/${n}/${r}`);
        expect({ r, status: res.status, text: res.text }).toEqual({
          r,
          status: 200,
          text: expect.any(String),
        });
      }
    },
  );

  it.each<Who>(['otherInstitution', 'enterprise', 'licensee', 'taker', 'analyst'])(
    'given a patent tyut holds, when %s reads its events, history, evidence, verification or provenance, then rule patent-records refuses each',
    async (who) => {
      for (const r of RECORDS) {
        await expectDenied(who, 'get', `/patents/${n}/${r}`, undefined, 'patent-records', {
          action: r,
          claim: 'institution',
        });
      }
    },
  );

  it('given a registered transfer, when the assignee (now the holder) reads the records, then rule patent-records allows it', async () => {
    const t = nextNumber();
    await transferred(t);
    for (const r of RECORDS) {
      const res = await as('enterprise', 'get', `/patents/${t}/${r}`);
      expect({ r, status: res.status }).toEqual({ r, status: 200 });
    }
    await expectDenied('licensee', 'get', `/patents/${t}/events`, undefined, 'patent-records', {
      claim: 'enterprise',
    });
  });

  it.each<Who>(['ipOffice', 'auditor'])(
    'given the audit trail, when %s reads GET /audit, then rule audit-trail allows it',
    async (who) => {
      const res = await as(who, 'get', `/audit?minPosition=${position}&limit=5`);
      expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: expect.any(String) });
      expect((res.body as { items: unknown[] }).items.length).toBeGreaterThan(0);
    },
  );

  it.each<Who>(['institution', 'enterprise', 'analyst'])(
    'given the audit trail, when %s reads GET /audit, then rule audit-trail refuses it',
    async (who) => {
      await expectDenied(who, 'get', '/audit', undefined, 'audit-trail', {
        action: 'read audit-trail',
        claim: 'auditor',
      });
    },
  );
});

describe('rule obligations: GET /obligations, an institution its own, an enterprise those it owes', () => {
  const ours = nextNumber();
  const theirs = nextNumber();
  let position = 0;
  beforeAll(async () => {
    // A licence owes a recordal and a platform report (tyut), the licensee's industrialization a
    // density filing (the licensee); a transfer contract of sxu owes a registration (sxu).
    await licensed(ours);
    await given('licensee', 'post', `/patents/${ours}/industrializations`, EXAMPLES.industrialization);
    await inventoried(theirs, 'otherInstitution');
    await given('otherInstitution', 'post', `/patents/${theirs}/transfers`, EXAMPLES.transfer);
    position = await headPosition(h);
  });

  const obligations = async (who: Who, query: string) => {
    const res = await as(who, 'get', `/obligations?minPosition=${position}&limit=200${query}`);
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: expect.any(String) });
    return (
      res.body as {
        items: {
          applicationNumber: string;
          institutionId: string;
          kind: string;
          responsibleParty: { kind: string; id: string } | null;
        }[];
      }
    ).items;
  };

  it('given obligations of tyut and of sxu, when tyut reads the obligations, then it sees only its own', async () => {
    const all = await obligations('institution', '');
    expect(all.length).toBeGreaterThan(0);
    expect([...new Set(all.map((o) => o.institutionId))]).toEqual(['tyut']);
    expect((await obligations('institution', `&applicationNumber=${ours}`)).length).toBeGreaterThan(0);
    expect(await obligations('institution', `&applicationNumber=${theirs}`)).toEqual([]);
    const sxu = await obligations('otherInstitution', '');
    expect(sxu.length).toBeGreaterThan(0);
    expect([...new Set(sxu.map((o) => o.institutionId))]).toEqual([SXU]);
  });

  it('given obligations of sxu, when tyut asks for them by institutionId, then rule obligations refuses it', async () => {
    await expectDenied('institution', 'get', `/obligations?institutionId=${SXU}`, undefined, 'obligations', {
      claim: 'analyst',
    });
  });

  it('given a density filing the licensee owes, when the licensee reads the obligations, then it sees only those it owes', async () => {
    const owed = await obligations('licensee', '');
    expect(owed.map((o) => [o.applicationNumber, o.kind])).toContainEqual([ours, 'density-filing']);
    expect([...new Set(owed.map((o) => JSON.stringify(o.responsibleParty)))]).toEqual([
      JSON.stringify({ kind: 'enterprise', id: PARTIES.licensee.orgId }),
    ]);
    // The institution's obligations of the same patent are not the licensee's to read.
    expect(await obligations('licensee', `&applicationNumber=${theirs}`)).toEqual([]);
    expect((await obligations('institution', `&applicationNumber=${ours}`)).map((o) => o.kind)).toEqual(
      expect.arrayContaining(['density-filing', 'license-recordal']),
    );
  });

  it('given the licensee’s density filing, when another enterprise reads the obligations of that patent, then it sees none', async () => {
    expect(await obligations('enterprise', `&applicationNumber=${ours}`)).toEqual([]);
  });

  it('given obligations tyut owes, when the licensee asks for them by responsibleParty, then rule obligations refuses it', async () => {
    await expectDenied('licensee', 'get', '/obligations?responsibleParty=tyut', undefined, 'obligations', {
      claim: 'institution',
    });
  });

  it.each<Who>(['analyst', 'ipOffice', 'auditor'])(
    'given obligations of tyut and of sxu, when %s reads the obligations, then it sees every institution’s',
    async (who) => {
      const a = await obligations(who, `&applicationNumber=${ours}`);
      const b = await obligations(who, `&applicationNumber=${theirs}`);
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect([...new Set([...a, ...b].map((o) => o.institutionId))].sort()).toEqual([SXU, 'tyut']);
    },
  );
});

describe('rules accounts, denials, projection-control: an ip-office admin only', () => {
  const ADMIN_ROUTES: [string, Method, string, string, number][] = [
    ['accounts', 'get', '/users', 'accounts', 200],
    ['denials', 'get', '/access/denials', 'denials', 200],
    ['projection-control', 'post', '/projections/audit/resume', 'projection-control', 201],
  ];

  it.each(ADMIN_ROUTES)(
    'given rule %s, when the ip-office admin calls %s %s, then it is allowed',
    async (_r, method, path, _rule, status) => {
      const res = await as('ipOffice', method, path, method === 'post' ? {} : undefined);
      expect({ status: res.status, text: res.text }).toEqual({ status, text: expect.any(String) });
    },
  );

  it.each(
    ADMIN_ROUTES.flatMap(([r, method, path, rule]) =>
      (['ipOfficeClerk', 'institution', 'enterprise', 'auditor', 'analyst'] as Who[]).map(
        (who) => [r, who, method, path, rule] as const,
      ),
    ),
  )('given rule %s, when %s calls %s %s, then it is refused', async (_r, who, method, path, rule) => {
    await expectDenied(who, method, path, method === 'post' ? {} : undefined, rule, {
      action: rule,
      claim: 'ipOffice',
    });
  });
});

describe('authentication: 401 without a valid credential', () => {
  const n = nextNumber();
  beforeAll(async () => {
    await pooled(n);
  });

  it('given no credential, when a patent is read, then 401 AUTH.REQUIRED with WWW-Authenticate', async () => {
    const res = await h.anonymous().get(`/patents/${n}`);
    expectProblem(res, 401, 'AUTH.REQUIRED');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="patent-ledger"');
  });

  it('given no credential, when a command is sent, then 401 and nothing is appended', async () => {
    const before = await eventsOf(h, n);
    const res = await h
      .anonymous()
      .post(`/patents/${n}/promotions`)
      .set('X-Actor-Role', 'ip-office')
      .set('X-Actor-Org', 'sx-cnipa')
      .set('Idempotency-Key', newKey('anon'))
      .send(EXAMPLES.promotion);
    expectProblem(res, 401, 'AUTH.REQUIRED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="patent-ledger"/);
    expect(await eventsOf(h, n)).toEqual(before);
  });

  it.each([
    ['a garbage bearer token', 'Bearer not-a-token'],
    ['a token with a forged signature', 'FORGED'],
    ['another scheme', 'Basic dGVzdDp0ZXN0'],
  ])(
    'given %s, when a command is sent, then 401 AUTH.INVALID_TOKEN with WWW-Authenticate error="invalid_token"',
    async (_what, value) => {
      let header = value;
      if (value === 'FORGED') {
        const [head, payload] = (await tokenFor(PARTIES.ipOffice)).split('.');
        header = `Bearer ${head}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
      }
      const before = await eventsOf(h, n);
      const res = await h
        .anonymous()
        .post(`/patents/${n}/promotions`)
        .set('Authorization', header)
        .set('Idempotency-Key', newKey('garbage'))
        .send(EXAMPLES.promotion);
      expectProblem(res, 401, 'AUTH.INVALID_TOKEN');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="patent-ledger", error="invalid_token"/);
      expect(await eventsOf(h, n)).toEqual(before);
    },
  );

  it.each(['/health', '/docs-json'])(
    'given no credential, when GET %s, then it answers 200',
    async (path) => {
      const res = await h.anonymous().get(path);
      expect({ status: res.status, text: res.text.slice(0, 200) }).toEqual({
        status: 200,
        text: expect.any(String),
      });
    },
  );
});

describe('Idempotency-Key: scoped to its caller', () => {
  const n = nextNumber();
  const licence = { ...EXAMPLES.license, dealId: 'lic-idem-1' };
  beforeAll(async () => {
    await pooled(n);
  });

  it('given tyut used a key for a licence, when another institution sends the same request with that key, then it is not replayed: rule holder-dealing refuses it', async () => {
    const key = newKey('shared');
    const first = await as('institution', 'post', `/patents/${n}/licenses`, licence, { key });
    expect({ status: first.status, text: first.text }).toEqual({ status: 201, text: expect.any(String) });
    const before = await eventsOf(h, n);
    const theirs = await as('otherInstitution', 'post', `/patents/${n}/licenses`, licence, {
      key,
      claim: 'institution',
    });
    expectAccessDenied(theirs, 'holder-dealing');
    expect(await eventsOf(h, n)).toEqual(before);
    // The same caller re-sending replays its own outcome.
    const again = await as('institution', 'post', `/patents/${n}/licenses`, licence, { key });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await eventsOf(h, n)).toEqual(before);
  });

  it('given tyut used a key, when ip-office sends another request with the same key, then it is neither 422 nor a replay: it lands', async () => {
    const key = newKey('shared');
    const mine = await as(
      'institution',
      'post',
      `/patents/${n}/licenses`,
      { ...licence, dealId: 'lic-idem-2' },
      { key },
    );
    expect(mine.status).toBe(201);
    const theirs = await as('ipOffice', 'post', `/patents/${n}/promotions`, EXAMPLES.promotion, { key });
    expect({ status: theirs.status, text: theirs.text }).toEqual({ status: 201, text: expect.any(String) });
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.events[0].eventId).not.toBe(mine.body.events[0].eventId);
    const events = await eventsOf(h, n);
    expect(events.slice(-2).map((e) => [e.type, e.metadata.commandId])).toEqual([
      ['Licensed', scopedCommandId(PARTIES.institution, key)],
      ['Promoted', scopedCommandId(PARTIES.ipOffice, key)],
    ]);
    // Each caller re-sending replays its own.
    const mineAgain = await as(
      'institution',
      'post',
      `/patents/${n}/licenses`,
      { ...licence, dealId: 'lic-idem-2' },
      { key },
    );
    expect([mineAgain.status, mineAgain.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect(mineAgain.body).toEqual(mine.body);
    const theirsAgain = await as('ipOffice', 'post', `/patents/${n}/promotions`, EXAMPLES.promotion, { key });
    expect([theirsAgain.status, theirsAgain.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect(theirsAgain.body).toEqual(theirs.body);
    expect(await eventsOf(h, n)).toEqual(events);
  });

  it('given ip-office used a key first, when tyut then uses it, then tyut is not blocked (no 422, no replay)', async () => {
    const key = newKey('first');
    const theirs = await as(
      'ipOffice',
      'post',
      `/patents/${n}/promotions`,
      { ...EXAMPLES.promotion, promotionId: 'idem-p2' },
      { key },
    );
    expect(theirs.status).toBe(201);
    const mine = await as(
      'institution',
      'post',
      `/patents/${n}/licenses`,
      { ...licence, dealId: 'lic-idem-3' },
      { key },
    );
    expect({ status: mine.status, text: mine.text }).toEqual({ status: 201, text: expect.any(String) });
    expect(mine.headers['idempotent-replayed']).toBeUndefined();
    expect((await eventsOf(h, n)).at(-1)!.metadata.commandId).toBe(scopedCommandId(PARTIES.institution, key));
  });

  it('given a user of tyut used a key, when another user of tyut sends the same request with it, then it is a new request (not replayed)', async () => {
    const key = newKey('colleague');
    const body = { ...licence, dealId: 'lic-idem-4' };
    const mine = await as('institution', 'post', `/patents/${n}/licenses`, body, { key });
    expect(mine.status).toBe(201);
    const before = await eventsOf(h, n);
    const colleague = await as('tyutColleague', 'post', `/patents/${n}/licenses`, body, { key });
    // Not the replayed 201: the deal exists, so the domain refuses the new request.
    expectProblem(colleague, 409, 'DEAL.DUPLICATE_ID');
    expect(colleague.headers['idempotent-replayed']).toBeUndefined();
    const other = await as(
      'tyutColleague',
      'post',
      `/patents/${n}/licenses`,
      { ...body, dealId: 'lic-idem-5' },
      { key },
    );
    expect({ status: other.status, text: other.text }).toEqual({ status: 201, text: expect.any(String) });
    expect((await eventsOf(h, n)).length).toBe(before.length + 1);
  });
});

describe('rule inventory, line by line: POST /patents/batch', () => {
  const own1 = nextNumber();
  const foreign = nextNumber();
  const own2 = nextNumber();
  const ndjson = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const batch = (who: Who, rows: unknown[], claim: Who = 'otherInstitution') =>
    as(who, 'post', '/patents/batch', undefined, { claim })
      .set('Content-Type', 'application/x-ndjson')
      .send(ndjson(rows));
  const linesOf = (res: Response) =>
    res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('given lines of tyut and of sxu, when tyut sends them, then the sxu line is refused (ACCESS.DENIED) and tyut’s land', async () => {
    const logged = (await denialsOf(PARTIES.institution, 'inventory', 'post', '/patents/batch')).length;
    const res = await batch('institution', [
      inventoryBody(own1),
      inventoryBody(foreign, { institutionId: SXU }),
      inventoryBody(own2),
    ]);
    expect(res.status).toBe(200);
    const lines = linesOf(res);
    expect(lines.slice(0, -1).map((l) => [l['applicationNumber'], l['status'], l['code']])).toEqual([
      [own1, 'imported', undefined],
      [foreign, 'rejected', 'ACCESS.DENIED'],
      [own2, 'imported', undefined],
    ]);
    expect(lines.at(-1)).toMatchObject({ summary: { rows: 3, imported: 2, rejected: 1 } });
    expect(await eventsOf(h, foreign)).toEqual([]);
    for (const n of [own1, own2]) {
      const events = await eventsOf(h, n);
      expect(events.map((e) => [e.type, e.metadata.actor])).toEqual([
        ['PatentInventoried', { role: 'institution', orgId: 'tyut', userId: PARTIES.institution.userId }],
      ]);
    }
    const entries = await until('the batch denial in GET /access/denials', async () => {
      const now = await denialsOf(PARTIES.institution, 'inventory', 'post', '/patents/batch');
      return now.length > logged ? now : undefined;
    });
    expect(entries).toHaveLength(logged + 1);
    expect(entries.at(-1)!.action).toMatch(/InventoryPatent.*sxu/);
  });

  it('given a line of tyut, when ip-office sends it, then it is refused (ACCESS.DENIED)', async () => {
    const n = nextNumber();
    const res = await batch('ipOffice', [inventoryBody(n)], 'institution');
    expect(res.status).toBe(200);
    expect(linesOf(res)[0]).toMatchObject({
      applicationNumber: n,
      status: 'rejected',
      code: 'ACCESS.DENIED',
    });
    expect(await eventsOf(h, n)).toEqual([]);
  });

  it('given its own line, when sxu sends it, then it lands', async () => {
    const res = await batch(
      'otherInstitution',
      [inventoryBody(foreign, { institutionId: SXU })],
      'institution',
    );
    expect(linesOf(res)[0]).toMatchObject({ applicationNumber: foreign, status: 'imported' });
    expect((await eventsOf(h, foreign)).map((e) => e.metadata.actor.orgId)).toEqual([SXU]);
  });
});

describe('the actor of an event is the token’s principal: X-Actor-* headers have no effect', () => {
  it('given X-Actor-* headers naming ip-office (and an unknown role), when tyut tags intent, then the event names tyut’s user and the headers are not an error', async () => {
    const n = nextNumber();
    await inventoried(n);
    const res = await h
      .anonymous()
      .post(`/patents/${n}/intent`)
      .set(auth.institution)
      .set('X-Actor-Role', 'admin')
      .set('X-Actor-Org', 'bad org!')
      .set('X-Actor-User', 'someone-else')
      .set('Idempotency-Key', newKey('hdr'))
      .send(EXAMPLES.intent);
    expect({ status: res.status, text: res.text }).toEqual({ status: 201, text: expect.any(String) });
    expect((await eventsOf(h, n)).at(-1)!.metadata.actor).toEqual({
      role: 'institution',
      orgId: 'tyut',
      userId: PARTIES.institution.userId,
    });
  });

  it('given X-Actor-* headers naming the holder, when an enterprise tags intent, then rule holder-dealing still refuses it', async () => {
    const n = nextNumber();
    await inventoried(n);
    await expectDenied('enterprise', 'post', `/patents/${n}/intent`, EXAMPLES.intent, 'holder-dealing', {
      unchanged: streamOf(n),
      claim: 'institution',
    });
  });
});
