/**
 * Stop and restart the app on the same SQLite file: state, events, versions, ETags and the
 * institution are all still there, and new commands continue the versions and positions.
 */
import { existsSync } from 'node:fs';
import {
  actors,
  applicationNumber,
  EXAMPLES,
  eventsOf,
  expectProblem,
  headPosition,
  inventory,
  patentOf,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  type Harness,
  type StoredEventJson,
} from './harness';
import { E2E_STORE } from './harness';

let h: Harness;
const A = applicationNumber(2021, 1, 530001);
const B = applicationNumber(2021, 2, 530002); // a utility model
const C = applicationNumber(2021, 3, 530003); // a design, inventoried only

interface Snapshot {
  head: number;
  patents: Record<string, { version: number; etag: string; state: unknown; events: StoredEventJson[] }>;
  institution: unknown;
  institutionEtag: string;
}

async function snapshot(): Promise<Snapshot> {
  const patents: Snapshot['patents'] = {};
  for (const n of [A, B, C]) {
    const p = await patentOf(h, n);
    patents[n] = { version: p.version, etag: p.etag, state: p.state, events: await eventsOf(h, n) };
  }
  const inst = await h.http().get('/institutions/tyut');
  return {
    head: await headPosition(h),
    patents,
    institution: inst.body,
    institutionEtag: inst.headers['etag'] as string,
  };
}

beforeAll(async () => {
  h = await startHarness();
  await registerInstitution(h);
  const revised = await send(
    h,
    'put',
    '/institutions/tyut',
    { ...EXAMPLES.institution, stockPatentCount: 3300, reason: '补录 2023 年授权专利' },
    { headers: actors.ipOffice },
  );
  expect(revised.status).toBe(200);
  expect(revised.body.events[0].type).toBe('StockCountRevised');

  await pooledPatent(h, A);
  // Each command sent by the party the access policy allows.
  for (const [path, body, actor] of [
    ['evaluations', EXAMPLES.evaluation, actors.enterprise],
    ['promotions', EXAMPLES.promotion, actors.ipOffice],
    ['licenses', EXAMPLES.license, actors.institution],
    [`licenses/${EXAMPLES.license.dealId}/recordal`, EXAMPLES.licenseRecordal, actors.institution],
    ['industrializations', EXAMPLES.industrialization, actors.licensee],
    ['transfers', EXAMPLES.transfer, actors.institution],
  ] as const) {
    const r = await send(h, 'post', `/patents/${A}/${path}`, body, {
      headers: { ...actor, 'X-Correlation-Id': 'restart-suite' },
    });
    expect({ path, status: r.status, text: r.text }).toEqual({ path, status: 201, text: expect.any(String) });
  }
  await pooledPatent(h, B);
  const ol = await send(
    h,
    'post',
    `/patents/${B}/open-license`,
    {
      ...EXAMPLES.openLicense,
      evaluationReportRef: 'PJ-2024-0042',
    },
    { headers: actors.institution },
  );
  expect(ol.status).toBe(201);
  await inventory(h, C);
});
afterAll(async () => {
  await h?.close();
});

describe('restart on the same file', () => {
  let before: Snapshot;

  it('the ledger lives in the temporary store', async () => {
    // SQLite: the temporary file; PostgreSQL: the harness's own schema (the file then does not exist).
    expect(existsSync(h.file)).toBe(E2E_STORE === 'sqlite');
    before = await snapshot();
    expect(before.patents[A]!.version).toBe(8);
    expect(before.patents[B]!.version).toBe(3);
    expect(before.patents[C]!.version).toBe(1);
  });

  it('after a restart, GET state, ETag, events, institution and head position are identical', async () => {
    await h.restart();
    const after = await snapshot();
    expect(after).toEqual(before);
  });

  it('versions and positions continue where they stopped; the old ETag still pins', async () => {
    const { etag, version } = await patentOf(h, A);
    const head = await headPosition(h);
    const res = await send(
      h,
      'post',
      `/patents/${A}/transfers/${EXAMPLES.transfer.dealId}/registration`,
      EXAMPLES.transferRegistration,
      { ifMatch: etag, headers: actors.institution },
    );
    expect(res.status).toBe(201);
    expect(res.body.version).toBe(version + 1);
    expect(res.body.events[0].position).toBe(head + 1);
    expect(res.headers['etag']).toBe(`"${version + 1}"`);
    // The assignee now holds A: its lapse pinned to the old version is 412.
    const stale = await send(h, 'post', `/patents/${A}/lapse`, EXAMPLES.lapse, {
      ifMatch: etag,
      headers: actors.enterprise,
    });
    expectProblem(stale, 412, 'PRECONDITION.VERSION_MISMATCH');
  });

  it('rules still see the state from before the restart', async () => {
    // A's ownership moved: the institution may no longer deal in it (the policy refuses it), and
    // its new holder is refused by the domain, which remembers the registered transfer.
    const license = await send(
      h,
      'post',
      `/patents/${A}/licenses`,
      {
        ...EXAMPLES.license,
        dealId: 'after-restart',
      },
      { headers: actors.enterprise },
    );
    expectProblem(license, 409, 'PATENT.NOT_HELD_BY_INSTITUTION');
    // B's open licence is still active.
    const again = await send(
      h,
      'post',
      `/patents/${B}/open-license`,
      {
        ...EXAMPLES.openLicense,
        declarationId: 'ol-2',
        evaluationReportRef: 'PJ-2024-0042',
      },
      { headers: actors.institution },
    );
    expectProblem(again, 409, 'OPEN_LICENSE.ALREADY_ACTIVE');
    // C is inventoried but not in the pool.
    const evaluation = await send(h, 'post', `/patents/${C}/evaluations`, EXAMPLES.evaluation, {
      headers: actors.enterprise,
    });
    expectProblem(evaluation, 409, 'PATENT.NOT_IN_POOL');
    // Re-inventorying is refused: the first inventory is remembered.
    const dup = await send(
      h,
      'post',
      '/patents',
      {
        ...EXAMPLES.inventory,
        applicationNumber: C,
        kind: 'design',
        filingDate: '2021-07-21',
        grantDate: '2023-03-10',
      },
      { headers: actors.institution },
    );
    expectProblem(dup, 409, 'PATENT.ALREADY_INVENTORIED');
  });

  it('survives a second restart with everything appended since', async () => {
    const mid = await snapshot();
    await h.restart();
    expect(await snapshot()).toEqual(mid);
    const events = await eventsOf(h, A);
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)!.type).toBe('TransferRegistered');
    expect(events.slice(2, 8).every((e) => e.metadata.correlationId === 'restart-suite')).toBe(true);
  });
});
