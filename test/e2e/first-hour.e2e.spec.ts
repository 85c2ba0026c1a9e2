/**
 * What a newcomer meets in the first hour over HTTP: `/`, the validation messages, instants, and the
 * demo data next to the walk-through (in either order, an institution's record and its progress agree).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyProvince, generateProvince } from '@patent-ledger/bulk';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import {
  actors,
  EXAMPLES,
  eventsOf,
  expectProblem,
  headPosition,
  inventoryBody,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from './harness';

/** The README walk-through's registration of 太原理工大学 (the body of its `PUT /institutions/tyut`). */
function walkThroughTyut(): Record<string, unknown> {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const walkThrough = readme.slice(readme.indexOf('### Walk-through'));
  const m = /PUT localhost:3000\/institutions\/tyut[^']*?-d '(\{[^']*\})'/.exec(walkThrough);
  if (!m) throw new Error('the README walk-through registers no institution tyut');
  return JSON.parse(m[1]!) as Record<string, unknown>;
}
const WALK_THROUGH_TYUT = walkThroughTyut();
const COUNT = WALK_THROUGH_TYUT['stockPatentCount'];

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('GET /', () => {
  it('answers a short index of links to the documentation and the resources', async () => {
    const res = await h.anonymous().get('/').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'patent-ledger',
      links: {
        docs: { href: '/docs' },
        openapi: { href: '/docs-json' },
        health: { href: '/health' },
        resourcePool: { href: '/resource-pool' },
        progress: { href: '/progress' },
      },
    });
    // Every link without a placeholder answers.
    for (const { href } of Object.values(res.body.links as Record<string, { href: string }>)) {
      if (href.includes('{')) continue;
      const r = await h.http().get(href);
      expect({ href, status: r.status }).toEqual({ href, status: 200 });
    }
  });
});

describe('validation messages', () => {
  it('a missing required field is required, not out of range', async () => {
    const { technologyReadiness: _t, ...body } = inventoryBody('201710601862.3');
    const res = await send(h, 'post', '/patents', body, { headers: actors.institution });
    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED', ['technologyReadiness']);
    expect(res.body.errors).toEqual([
      { field: 'technologyReadiness', message: 'technologyReadiness is required' },
    ]);
  });

  it('a missing nested object is required', async () => {
    await registerInstitution(h);
    await pooledPatent(h, '201710601862.3');
    const { improvementNeeds: _n, ...body } = EXAMPLES.evaluation;
    const res = await send(h, 'post', '/patents/201710601862.3/evaluations', body, {
      headers: actors.enterprise,
    });
    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED', ['improvementNeeds']);
    expect(res.body.errors).toEqual([{ field: 'improvementNeeds', message: 'improvementNeeds is required' }]);
  });

  it('a string where a number is expected says so', async () => {
    const res = await send(
      h,
      'post',
      '/patents',
      inventoryBody('201710601862.3', { technologyReadiness: '5' }),
      {
        headers: actors.institution,
      },
    );
    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED', ['technologyReadiness']);
    expect(res.body.errors).toEqual([
      { field: 'technologyReadiness', message: 'technologyReadiness must be an integer, got a string' },
    ]);
    const flag = await send(
      h,
      'post',
      '/patents',
      inventoryBody('201710601862.3', { fiscallyFunded: 'yes' }),
      {
        headers: actors.institution,
      },
    );
    expect(flag.body.errors).toEqual([
      { field: 'fiscallyFunded', message: 'fiscallyFunded must be true or false, got a string' },
    ]);
    // A value of the right type out of range still says what the range is.
    const range = await send(
      h,
      'post',
      '/patents',
      inventoryBody('201710601862.3', { technologyReadiness: 12 }),
      {
        headers: actors.institution,
      },
    );
    expect(range.body.errors).toEqual([
      { field: 'technologyReadiness', message: 'technologyReadiness must not be greater than 9' },
    ]);
  });

  it('an empty optional text is accepted as absent', async () => {
    const reg = await send(
      h,
      'put',
      '/institutions/tyut',
      { ...EXAMPLES.institution, reason: '' },
      {
        headers: actors.ipOffice,
      },
    );
    expect(reg.status).toBe(201);
    await pooledPatent(h, '201710601862.3');
    const res = await send(
      h,
      'post',
      '/patents/201710601862.3/evaluations',
      { ...EXAMPLES.evaluation, improvementNeeds: { level: 'pilot-needed', notes: '' } },
      { headers: actors.enterprise },
    );
    expect(res.status).toBe(201);
    const evaluated = (await eventsOf(h, '201710601862.3')).find((e) => e.type === 'EnterpriseEvaluated')!;
    expect(evaluated.data['improvementNeeds']).toEqual({ level: 'pilot-needed' });
  });
});

describe('instants', () => {
  it.each(['2024-02-30T00:00:00Z', '2024-02-30', '2024-02-29T24:00:00Z', '2024-02-29T10:00:00'])(
    'knownAt=%s is a 400 like asOf=2024-02-30',
    async (knownAt) => {
      await registerInstitution(h);
      await send(h, 'post', '/patents', inventoryBody('201710601862.3'), { headers: actors.institution });
      const res = await h.http().get(`/patents/201710601862.3?knownAt=${encodeURIComponent(knownAt)}`);
      expectProblem(res, 400, 'REQUEST.INVALID_QUERY', ['knownAt']);
      const asOf = await h.http().get('/patents/201710601862.3?asOf=2024-02-30');
      expect(asOf.status).toBe(400);
    },
  );
});

describe('the demo data and the walk-through, in either order', () => {
  /** `generate --apply` of the README's demo, on the api's ledger file. */
  async function demo(): Promise<void> {
    const store = SqliteEventStore.open(h.file);
    try {
      const s = await applyProvince(store, generateProvince({ patents: 0, institutions: 6, seed: 1 }));
      expect(s.errors).toEqual([]);
    } finally {
      await store.close();
    }
  }

  /** The institution's record and its programme progress today, after every event is projected. */
  async function tyut(): Promise<{ record: number; progress: number }> {
    const position = await headPosition(h);
    const record = await h.http().get('/institutions/tyut');
    expect(record.status).toBe(200);
    const progress = await h.http().get(`/progress?minPosition=${position}`);
    expect(progress.status).toBe(200);
    const row = (progress.body.institutions as { institutionId: string; stockPatentCount: number }[]).find(
      (i) => i.institutionId === 'tyut',
    )!;
    return { record: record.body.state.stockPatentCount as number, progress: row.stockPatentCount };
  }

  it('walk-through first, then the demo: the demo keeps the registered institution', async () => {
    const put = await send(h, 'put', '/institutions/tyut', WALK_THROUGH_TYUT, { headers: actors.ipOffice });
    expect(put.status).toBe(201);
    await demo();
    expect(await tyut()).toEqual({ record: COUNT, progress: COUNT });
  });

  it('demo first, then the walk-through: the walk-through revises the count, today', async () => {
    await demo();
    const before = await tyut();
    expect(before.record).toBe(before.progress);
    const put = await send(h, 'put', '/institutions/tyut', WALK_THROUGH_TYUT, { headers: actors.ipOffice });
    expect(put.status).toBe(200);
    expect(put.body.events.map((e: { type: string }) => e.type)).toEqual(['StockCountRevised']);
    expect(await tyut()).toEqual({ record: COUNT, progress: COUNT });
  });

  it('a revision dated before the registration is refused, so the record never runs ahead of progress', async () => {
    const put = await send(
      h,
      'put',
      '/institutions/tyut',
      { ...WALK_THROUGH_TYUT, occurredOn: '2024-03-01' },
      {
        headers: actors.ipOffice,
      },
    );
    expect(put.status).toBe(201);
    const backdated = await send(
      h,
      'put',
      '/institutions/tyut',
      { ...WALK_THROUGH_TYUT, stockPatentCount: 150, reason: 'demo data', occurredOn: '2024-02-29' },
      { headers: actors.ipOffice },
    );
    expectProblem(backdated, 409, 'INSTITUTION.REVISION_BACKDATED');
    expect(await tyut()).toEqual({ record: COUNT, progress: COUNT });
  });
});
