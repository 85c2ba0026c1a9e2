/**
 * The read models on PostgreSQL: the same projections and queries as on SQLite (one implementation),
 * checked against the SQLite results for the same events, plus rebuild, crash and pagination
 * behaviour on PostgreSQL itself. Each test gets a schema of its own. Skipped with one line when no
 * PostgreSQL answers (PG_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { Client } from 'pg';
import { Projector, type EventStore } from '@patent-ledger/eventsourcing';
import { PG_TEST_URL, postgresUnavailable } from '../../../test/support/postgres';
import { auditProjection } from './projections/audit';
import { obligationsProjection } from './projections/obligations';
import { progressProjection } from './projections/progress';
import { resourcePoolProjection, type PoolEntry } from './projections/resource-pool';
import { DEFAULT_OBLIGATION_POLICY } from './policy';
import { PostgresReadModels } from './postgres-read-models';
import { queryAudit, type AuditFilter } from './queries/audit';
import { queryKpis } from './queries/kpis';
import { queryObligations, type ObligationItem, type ObligationQuery } from './queries/obligations';
import { queryProgress } from './queries/progress';
import {
  getPoolEntry,
  queryResourcePool,
  type PoolPage,
  type PoolPageRequest,
} from './queries/resource-pool';
import type { ReadModels, ReadModelsOptions } from './read-models';
import type { ReadModelProjection } from './sqlite-projection';
import { SqliteReadModels } from './sqlite-read-models';
import { InvalidCursorError, QueryError } from './cursor';
import { applicationNumber, Ledger, seedMixed } from './testing/fixtures';

const unavailable = postgresUnavailable();
if (unavailable) process.stderr.write(`${unavailable}\n`);
const suite = unavailable ? describe.skip : describe;

const PROJECTIONS: readonly ReadModelProjection[] = [
  resourcePoolProjection,
  auditProjection,
  obligationsProjection(DEFAULT_OBLIGATION_POLICY),
  progressProjection,
];

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

let schemas = 0;
function newSchema(): string {
  const schema = `rm_test_${process.pid}_${++schemas}_${Math.random().toString(36).slice(2, 8)}`;
  cleanups.push(async () => {
    const c = new Client({ connectionString: PG_TEST_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });
  return schema;
}

async function pgAt(
  schema: string,
  projections: readonly ReadModelProjection[] = PROJECTIONS,
  options: ReadModelsOptions = {},
  store?: EventStore,
): Promise<PostgresReadModels> {
  const rm = await PostgresReadModels.open(
    { connectionString: PG_TEST_URL, schema, poolSize: 4 },
    projections,
    options,
  );
  cleanups.push(() => rm.close());
  await rm.init(store);
  return rm;
}

async function sqlite(projections: readonly ReadModelProjection[] = PROJECTIONS): Promise<SqliteReadModels> {
  const rm = SqliteReadModels.open(':memory:', projections);
  cleanups.push(() => rm.close());
  await rm.init();
  return rm;
}

async function project(store: EventStore, rm: ReadModels, batchSize = 7): Promise<number> {
  const projector = new Projector(store, rm, { batchSize });
  await projector.init();
  return projector.catchUp();
}

/** Every row of every table of a projection, as sorted JSON lines, without the auto-assigned row_id. */
async function dump(rm: ReadModels, name: string): Promise<Record<string, string[]>> {
  const p = rm.projections.find((x) => x.name === name)!;
  return rm.sql.transaction(async (tx) => {
    const out: Record<string, string[]> = {};
    for (const t of p.tables) {
      const rows = await tx.all<Record<string, unknown>>(`SELECT * FROM "${t}"`);
      out[t] = rows
        .map((r) => {
          const { row_id: _id, ...rest } = r;
          return JSON.stringify(
            Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1))),
          );
        })
        .sort();
    }
    return out;
  }, 'read');
}

/**
 * Every projection's rows, without the resource pool's closed versions: those depend on the batches
 * that built them (one per patent per batch), unlike everything else.
 */
const dumpAll = async (rm: ReadModels): Promise<Record<string, Record<string, string[]>>> => {
  const out: Record<string, Record<string, string[]>> = {};
  for (const n of rm.projectionNames) {
    const { pool_history: _closed, ...tables } = await dump(rm, n);
    out[n] = tables;
  }
  return out;
};

/** Rows in the tables of a projection. */
async function tableTotal(rm: ReadModels, name: string): Promise<number> {
  return Object.values(await rm.tableCounts(name)).reduce((a, b) => a + b, 0);
}

async function poolTraversal(
  rm: ReadModels,
  req: PoolPageRequest,
  between?: () => Promise<void>,
): Promise<PoolPage[]> {
  const pages: PoolPage[] = [];
  let cursor: string | null = null;
  do {
    const page: PoolPage = await queryResourcePool(rm.sql, { ...req, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    cursor = page.nextCursor;
    if (cursor && between) await between();
  } while (cursor && pages.length < 200);
  return pages;
}

async function obligationTraversal(
  rm: ReadModels,
  q: Omit<ObligationQuery, 'cursor'>,
  between?: () => Promise<void>,
): Promise<ObligationItem[]> {
  const items: ObligationItem[] = [];
  let cursor: string | null = null;
  do {
    const page = await queryObligations(rm.sql, { ...q, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (cursor && between) await between();
  } while (cursor);
  return items;
}

/** Cursors are signed per database: compare pages without them. */
const withoutCursor = <T extends { nextCursor: string | null }>(
  p: T,
): Omit<T, 'nextCursor'> & { more: boolean } => {
  const { nextCursor, ...rest } = p;
  return { ...rest, more: nextCursor !== null };
};

/** A log with every kind of event the projections read. */
async function seeded(): Promise<Ledger> {
  const ledger = new Ledger();
  await seedMixed(ledger, 24);
  const an = applicationNumber(6);
  await ledger.industrialize(an, 'ind-6', 'ent-c');
  return ledger;
}

suite('read models on PostgreSQL: the same rows and answers as on SQLite', () => {
  let ledger: Ledger;
  let pg: PostgresReadModels;
  let lite: SqliteReadModels;
  let head: number;
  beforeEach(async () => {
    ledger = await seeded();
    head = await ledger.store.headPosition();
    pg = await pgAt(newSchema());
    lite = await sqlite();
    expect(await project(ledger.store, pg)).toBeGreaterThan(0);
    await project(ledger.store, lite);
  });

  it('one batch of the whole log (multi-row INSERTs of 64, 8 and 1 rows) gives the rows of one event at a time', async () => {
    const whole = await pgAt(newSchema());
    expect(await project(ledger.store, whole, 10_000)).toBe(head);
    const single = await sqlite();
    await project(ledger.store, single, 1);
    expect(await tableTotal(whole, 'audit')).toBeGreaterThan(64);
    expect(await dumpAll(whole)).toEqual(await dumpAll(single));
  });

  it('more than 64 listed patents in one batch (64-row upserts of the pool) give the rows of one event at a time', async () => {
    const big = new Ledger();
    await seedMixed(big, 120);
    const whole = await pgAt(newSchema());
    await project(big.store, whole, 10_000);
    const single = await sqlite();
    await project(big.store, single, 1);
    expect((await whole.tableCounts('resource-pool'))['pool_rows']).toBeGreaterThan(64);
    expect((await whole.tableCounts('resource-pool'))['pool_state']).toBe(120);
    expect(await dumpAll(whole)).toEqual(await dumpAll(single));
  });

  it.each(PROJECTIONS.map((p) => [p.name]))('%s: the tables hold the same rows', async (name) => {
    expect(await pg.checkpoint(name)).toBe(head);
    const rows = await dump(pg, name);
    expect(rows).toEqual(await dump(lite, name));
    expect(Object.values(rows).some((r) => r.length > 0)).toBe(true);
    expect(await pg.tableCounts(name)).toEqual(await lite.tableCounts(name));
  });

  it('resource pool: listings, filters, sorts, pages and entries', async () => {
    const requests: PoolPageRequest[] = [
      {},
      { sort: 'prospect' },
      { sort: 'evaluations' },
      { institutionId: 'sxu' },
      { mode: 'transfer' },
      { status: 'transferred' },
      { status: 'lapsed' },
      { highValue: false },
      { tier: 'featured' },
      { tier: 'standard' },
      { minProspect: 3 },
      { q: '储能材料 1' },
      { q: '储能%' },
      { ipc: 'h01m' },
      { limit: 4 },
      { limit: 3, sort: 'prospect', institutionId: 'tyut' },
    ];
    for (const req of requests) {
      const [a, b] = [await poolTraversal(pg, req), await poolTraversal(lite, req)];
      expect(a.map(withoutCursor)).toEqual(b.map(withoutCursor));
      // The same pages walking the sort key's index (the spelling used for many matches).
      const walked = await queryResourcePool(pg.sql, { ...req, limit: 500 }, undefined, { walkAbove: 0 });
      expect(walked.items).toEqual(a.flatMap((p) => p.items));
    }
    const all = await queryResourcePool(pg.sql, { limit: 500 });
    expect(all.total).toBe(18); // 24 patents, every fourth declined
    expect(all.asOfPosition).toBe(head);
    for (const e of all.items) {
      expect(await getPoolEntry(pg.sql, e.applicationNumber)).toEqual(
        await getPoolEntry(lite.sql, e.applicationNumber),
      );
    }
    expect(await getPoolEntry(pg.sql, applicationNumber(4))).toBeUndefined();
  });

  it('audit: filters and pages', async () => {
    const filters: (AuditFilter & { limit?: number })[] = [
      {},
      { limit: 7 },
      { actorRole: 'ip-office' },
      { actorOrg: 'sxu', limit: 3 },
      { eventType: 'IntentTagged' },
      { category: 'institution' },
      { from: '2025-06-01T04:00:30.000Z', to: '2025-06-01T04:01:00.000Z' },
    ];
    for (const f of filters) {
      const walk = async (rm: ReadModels) => {
        const out = [];
        let cursor: string | null = null;
        do {
          const page = await queryAudit(rm.sql, { ...f, ...(cursor ? { cursor } : {}) });
          out.push(page.items);
          cursor = page.nextCursor;
        } while (cursor);
        return out;
      };
      expect(await walk(pg)).toEqual(await walk(lite));
    }
    expect((await queryAudit(pg.sql, { limit: 1000 })).items.map((i) => i.position)).toEqual(
      Array.from({ length: head }, (_, i) => i + 1),
    );
  });

  it('obligations: statuses as of dates, filters and pages', async () => {
    const queries: Omit<ObligationQuery, 'cursor'>[] = [];
    for (const asOf of ['2023-01-01', '2024-06-01', '2024-09-30', '2025-06-01', '2030-01-01']) {
      queries.push(
        { asOf },
        { asOf, limit: 2 },
        { asOf, status: 'open' },
        { asOf, status: 'overdue' },
        { asOf, status: 'fulfilled' },
      );
      queries.push(
        { asOf, kind: 'transaction-report' },
        { asOf, institutionId: 'tyut' },
        { asOf, applicationNumber: applicationNumber(6) },
      );
    }
    for (const q of queries) {
      expect(await obligationTraversal(pg, q)).toEqual(await obligationTraversal(lite, q));
      const [a, b] = [await queryObligations(pg.sql, q), await queryObligations(lite.sql, q)];
      expect(withoutCursor(a)).toEqual(withoutCursor(b));
    }
    expect((await queryObligations(pg.sql, { asOf: '2030-01-01' })).total).toBeGreaterThan(0);
    await expect(queryObligations(pg.sql, { asOf: '2024-02-30' })).rejects.toThrow(QueryError);
  });

  it('issue 14: statuses derived from the dates (expired, lapsed for an unpaid annuity), annuities, cancelled deals and responsible parties', async () => {
    const l = new Ledger();
    const um = applicationNumber(80, 2016, '2'); // utility model filed 2016-03-15: last day 2026-03-14
    const paying = applicationNumber(81); // filed 2018-03-15, paid through 6: year 7 due 2024-03-15
    const unpaid = applicationNumber(82); // the same, never paid: lapsed after 2024-09-18
    const dealt = applicationNumber(83);
    await l.inventory(um, { filingDate: '2016-03-15', grantDate: '2017-05-10' });
    await l.admit(um);
    await l.inventory(paying, { annuitiesPaidThrough: 6 });
    await l.patent(paying, 'PayAnnuity', { year: 7, paidOn: '2024-06-01', amount: '2000.00' });
    await l.admit(paying);
    await l.inventory(unpaid, { annuitiesPaidThrough: 6 });
    await l.admit(unpaid, {}, { now: '2024-09-01T04:00:00Z' });
    await l.inventory(dealt);
    await l.admit(dealt);
    await l.transfer(dealt, 'tr-83', 'ent-d', { contractDate: '2024-09-05' });
    await l.patent(dealt, 'EndDeal', {
      dealId: 'tr-83',
      ending: 'cancelled',
      endedOn: '2024-10-01',
      reason: '买方撤回',
    });
    await l.license(dealt, 'lic-83', 'ent-e', 'ordinary', { effectiveDate: '2024-10-15' });
    await l.industrialize(dealt, 'ind-83', 'ent-e', { startedOn: '2024-11-01' });
    const [p, q] = [await pgAt(newSchema()), await sqlite()];
    await project(l.store, p, 3);
    await project(l.store, q);
    for (const asOf of ['2024-09-18', '2024-09-19', '2026-03-14', '2026-03-15']) {
      for (const status of [
        undefined,
        'available',
        'expired',
        'lapsed',
        'in-deal',
        'licensed',
        'industrialized',
      ] as const) {
        const req: PoolPageRequest = { asOf, ...(status ? { status } : {}) };
        const [a, b] = [await poolTraversal(p, req), await poolTraversal(q, req)];
        expect(a.map(withoutCursor)).toEqual(b.map(withoutCursor));
        const walked = await queryResourcePool(p.sql, { ...req, limit: 500 }, undefined, { walkAbove: 0 });
        expect(walked.items).toEqual(a.flatMap((x) => x.items));
      }
    }
    const statuses = async (rm: ReadModels, asOf: string) =>
      Object.fromEntries(
        (await queryResourcePool(rm.sql, { asOf })).items.map((i) => [i.applicationNumber, i.status]),
      );
    expect(await statuses(p, '2026-03-15')).toEqual({
      [um]: 'expired',
      [paying]: 'lapsed', // year 8 (due 2025-03-17) was never paid: lapsed after 2025-09-15
      [unpaid]: 'lapsed',
      [dealt]: 'industrialized',
    });
    for (const asOf of ['2024-09-30', '2024-10-01', '2025-06-01', '2030-01-01']) {
      for (const q2 of [
        { asOf },
        { asOf, status: 'cancelled' },
        { asOf, status: 'overdue' },
        { asOf, kind: 'annuity' },
        { asOf, responsibleParty: 'tyut' },
        { asOf, responsibleParty: 'ent-e' },
      ] as Omit<ObligationQuery, 'cursor'>[]) {
        expect(await obligationTraversal(p, q2)).toEqual(await obligationTraversal(q, q2));
      }
    }
    expect(
      (await queryObligations(p.sql, { asOf: '2030-01-01', status: 'cancelled' })).items.map((i) => i.ref),
    ).toEqual(['tr-83', 'tr-83']);
    expect(
      (await queryObligations(p.sql, { asOf: '2030-01-01', responsibleParty: 'ent-e' })).items.map(
        (i) => i.kind,
      ),
    ).toEqual(['density-filing']);
  });

  it('progress: reports as of dates, with and without a province', async () => {
    for (const asOf of ['2024-01-01', '2024-03-31', '2024-07-10', '2025-01-01']) {
      for (const province of [undefined, 'Shanxi', 'Beijing']) {
        const q = { asOf, ...(province ? { province } : {}) };
        const counted = await queryProgress(pg.sql, q);
        expect(counted).toEqual(await queryProgress(lite.sql, q));
        // From the counters (no knownAt) as from the fact rows (a knownAt after everything)
        const { knownAt: _k, ...rows } = await queryProgress(pg.sql, {
          ...q,
          knownAt: '9999-12-31T23:59:59.999Z',
        });
        expect(counted).toEqual(rows);
      }
    }
    expect(
      (await queryProgress(pg.sql, { asOf: '2025-01-01' })).institutions.map((i) => i.institutionId),
    ).toEqual(['tyut', 'sxu']);
  });

  it('kpis: the figures of SQLite, from the counters as from the fact rows (knownAt)', async () => {
    const knownAt = '9999-12-31T23:59:59.999Z';
    for (const asOf of ['2024-03-09', '2024-03-31', '2024-04-01', '2024-07-10', '2025-01-01']) {
      for (const f of [{}, { institutionId: 'sxu' }, { department: 'unspecified' }]) {
        const q = { asOf, ...f };
        const counted = await queryKpis(pg.sql, q);
        expect(counted).toEqual(await queryKpis(lite.sql, q));
        const { knownAt: _k, ...rows } = await queryKpis(pg.sql, { ...q, knownAt });
        expect(counted).toEqual(rows);
      }
    }
    const series = { asOf: '2024-12-15', series: 'monthly', from: '2024-02-01' } as const;
    const counted = await queryKpis(pg.sql, series);
    expect(counted.series).toHaveLength(11);
    expect(counted).toEqual(await queryKpis(lite.sql, series));
    const { knownAt: _k, ...rows } = await queryKpis(pg.sql, { ...series, knownAt });
    expect(counted).toEqual(rows);
    expect(counted.inventoried * counted.poolPatents * counted.deals.transfer.count).toBeGreaterThan(0);
  });

  it('cursors: signed with a secret kept in the schema, valid across connections, tampering refused', async () => {
    const page = await queryResourcePool(pg.sql, { limit: 2 });
    const other = await pgAt(pg.pg.schema);
    const next = await queryResourcePool(other.sql, { limit: 2, cursor: page.nextCursor! });
    expect(next.items).toHaveLength(2);
    const bad = `${page.nextCursor!.slice(0, -2)}xx`;
    await expect(queryResourcePool(pg.sql, { limit: 2, cursor: bad })).rejects.toThrow(InvalidCursorError);
    // A SQLite cursor is not a PostgreSQL one (each database has its own secret).
    const liteCursor = (await queryResourcePool(lite.sql, { limit: 2 })).nextCursor!;
    await expect(queryResourcePool(pg.sql, { limit: 2, cursor: liteCursor })).rejects.toThrow(
      InvalidCursorError,
    );
  });
});

suite('read models on PostgreSQL: rebuild', () => {
  it('rebuilt tables equal the incrementally maintained ones; queries answer from the live tables meanwhile', async () => {
    const ledger = await seeded();
    const schema = newSchema();
    const api = await pgAt(schema);
    await project(ledger.store, api);
    const projected = await ledger.store.headPosition();
    const before = await dumpAll(api);
    const livePool = (await queryResourcePool(api.sql, { limit: 500 })).items.map((i) => i.applicationNumber);
    // The log moves on, unprojected.
    await ledger.inventory(applicationNumber(40));
    await ledger.admit(applicationNumber(40));
    const head = await ledger.store.headPosition();

    const observed: { pool: string[]; audit: number; checkpoint: number; shadows: number }[] = [];
    const cli = await pgAt(schema, PROJECTIONS, {
      rebuildBatchSize: 9,
      onRebuildProgress: async (name, position, h) => {
        if (position === h) return;
        observed.push({
          pool: (await queryResourcePool(api.sql, { limit: 500 })).items.map((i) => i.applicationNumber),
          audit: (await queryAudit(api.sql, { limit: 1000 })).items.length,
          checkpoint: await api.checkpoint(name),
          shadows: (await api.sql.transaction((tx) => api.sql.tableNames(tx))).filter((n) =>
            n.includes('__r'),
          ).length,
        });
      },
    });
    for (const name of cli.projectionNames) {
      expect(await cli.rebuild(name, ledger.store)).toEqual({ position: head, events: head });
    }
    expect(observed.length).toBeGreaterThanOrEqual(4);
    for (const o of observed.slice(0, 2)) {
      expect(o).toMatchObject({ pool: livePool, checkpoint: projected });
      expect(o.shadows).toBeGreaterThan(0);
    }
    expect(observed.every((o) => o.audit === projected || o.audit === head)).toBe(true);

    // Rebuilt from the whole log = the old tables caught up incrementally.
    const incremental = await pgAt(newSchema());
    await project(ledger.store, incremental, 4);
    expect(await dumpAll(api)).toEqual(await dumpAll(incremental));
    expect(await dumpAll(api)).not.toEqual(before);
    for (const name of api.projectionNames) expect(await api.checkpoint(name)).toBe(head);
    expect(
      (await api.sql.transaction((tx) => api.sql.tableNames(tx))).filter((n) => n.includes('__r')),
    ).toEqual([]);
    // The api's projector carries on from the swapped-in checkpoint.
    await ledger.decline(applicationNumber(40));
    expect(await project(ledger.store, api)).toBeGreaterThan(0);
    await project(ledger.store, incremental);
    expect(await dumpAll(api)).toEqual(await dumpAll(incremental));
  });

  it('a version bump rebuilds in init(store)', async () => {
    const ledger = await seeded();
    const schema = newSchema();
    const v1 = await pgAt(schema, [auditProjection]);
    await project(ledger.store, v1);
    await v1.close();
    const next = `${auditProjection.version}+1`;
    const v2 = await pgAt(schema, [{ ...auditProjection, version: next }], {}, ledger.store);
    expect(await v2.tableCounts('audit')).toEqual({ audit_events: await ledger.store.headPosition() });
    expect(
      await v2.sql.transaction((tx) =>
        tx.get('SELECT version FROM projection_checkpoints WHERE name = ?', ['audit']),
      ),
    ).toEqual({ version: next });
    await expect(pgAt(schema, [{ ...auditProjection, version: `${next}+1` }])).rejects.toThrow(
      /needs a rebuild/,
    );
  });

  it('one rebuild of a projection at a time, across connections; the claim is released after', async () => {
    const ledger = await seeded();
    const schema = newSchema();
    const other = await pgAt(schema);
    const refusals: unknown[] = [];
    const rm = await pgAt(schema, PROJECTIONS, {
      rebuildBatchSize: 10,
      onRebuildProgress: async (name, position) => {
        if (position === 10) refusals.push(await other.rebuild(name, ledger.store).catch((e: unknown) => e));
      },
    });
    await rm.rebuild('audit', ledger.store);
    expect(refusals).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/a rebuild of audit is already running \(pid \d+ on /),
      }),
    ]);
    await expect(other.rebuild('audit', ledger.store)).resolves.toMatchObject({
      events: await ledger.store.headPosition(),
    });
    const claims = await rm.sql.transaction((tx) => tx.all('SELECT * FROM projection_rebuilds'));
    expect(claims).toEqual([]);
  });

  it('a failed rebuild leaves the live tables, the checkpoint and no shadow tables', async () => {
    const ledger = await seeded();
    const head = await ledger.store.headPosition();
    const fail: { at?: number } = {};
    // The per-event applier (`prepare`) wrapped: without the batch applier, which would bypass it.
    const perEvent: ReadModelProjection = { ...auditProjection };
    delete perEvent.prepareBatch;
    const flaky: ReadModelProjection = {
      ...perEvent,
      prepare: (t, d) => {
        const base = auditProjection.prepare(t, d);
        return async (tx, e) => {
          if (e.position === fail.at) throw new Error(`refused ${e.position}`);
          await base(tx, e);
        };
      },
    };
    const rm = await pgAt(newSchema(), [flaky], { rebuildBatchSize: 5 });
    await project(ledger.store, rm);
    const before = await dump(rm, 'audit');
    for (const at of [3, head]) {
      fail.at = at;
      await expect(rm.rebuild('audit', ledger.store)).rejects.toThrow(`refused ${at}`);
      expect(await dump(rm, 'audit')).toEqual(before);
      expect(await rm.checkpoint('audit')).toBe(head);
      expect(
        (await rm.sql.transaction((tx) => rm.sql.tableNames(tx))).filter((n) => n.includes('__r')),
      ).toEqual([]);
    }
  });
});

suite('read models on PostgreSQL: crash safety and concurrency', () => {
  it('killed between the batch write and its checkpoint: nothing of the batch is kept; a fresh projector resumes', async () => {
    const ledger = await seeded();
    const head = await ledger.store.headPosition();
    const schema = newSchema();
    const rm = await pgAt(schema);
    const events = await ledger.all();
    for (const name of rm.projectionNames) await rm.applyBatch(name, events.slice(0, 20));
    const before = await dumpAll(rm);
    // The checkpoint update fails after the rows of the batch were written (as if the process died
    // between the two): the transaction rolls back both.
    await rm.sql.transaction(async (tx) => {
      await tx.exec(
        `CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'killed'; END $$`,
      );
      await tx.exec(
        `CREATE TRIGGER die BEFORE UPDATE OF position ON projection_checkpoints FOR EACH ROW EXECUTE FUNCTION die()`,
      );
    });
    for (const name of rm.projectionNames) {
      await expect(rm.applyBatch(name, events.slice(20, 40), 20)).rejects.toThrow('killed');
      expect(await rm.checkpoint(name)).toBe(20);
    }
    expect(await dumpAll(rm)).toEqual(before);
    await rm.sql.transaction((tx) => tx.exec('DROP TRIGGER die ON projection_checkpoints'));

    const fresh = await pgAt(schema);
    expect(await project(ledger.store, fresh)).toBe(head - 20);
    const reference = await sqlite();
    await project(ledger.store, reference, 1000);
    expect(await dumpAll(fresh)).toEqual(await dumpAll(reference));
  });

  it('two projectors on one schema never apply an event twice', async () => {
    const ledger = await seeded();
    const schema = newSchema();
    const a = await pgAt(schema);
    const b = await pgAt(schema);
    const events = await ledger.all();
    // Overlapping batches from both, concurrently: the checkpoint row lock serialises them.
    await Promise.all(
      a.projectionNames.flatMap((name) => [
        a.applyBatch(name, events.slice(0, 30)).then(() => a.applyBatch(name, events.slice(10))),
        b.applyBatch(name, events.slice(0, 40), 0).then((cp) => b.applyBatch(name, events.slice(cp), cp)),
      ]),
    );
    const reference = await sqlite();
    await project(ledger.store, reference, 1000);
    expect(await dumpAll(a)).toEqual(await dumpAll(reference));
  });

  it('pagination while events arrive: every page shows the snapshot of the first, none lost or repeated', async () => {
    const ledger = await seeded();
    const rm = await pgAt(newSchema());
    await project(ledger.store, rm);
    const snapshot = await queryResourcePool(rm.sql, { limit: 500 });
    const obligationsSnapshot = await queryObligations(rm.sql, { asOf: '2030-01-01', limit: 500 });
    let serial = 100;
    const churn = async (): Promise<void> => {
      // New admissions, a decline of a listed patent, and new evaluations move entries around.
      await ledger.inventory(applicationNumber(serial));
      await ledger.admit(applicationNumber(serial));
      await ledger.evaluate(applicationNumber(serial), `ev-new-${serial}`, 'ent-a', 5);
      await ledger.license(applicationNumber(serial), `lic-new-${serial}`, 'ent-c');
      serial += 1;
      const listed = snapshot.items[serial % snapshot.items.length]!;
      await ledger.decline(listed.applicationNumber).catch(() => undefined); // lapsed or already declined: nothing to decline
      await project(ledger.store, rm);
    };
    for (const sort of ['recent', 'prospect', 'evaluations'] as const) {
      const expected = (await queryResourcePool(rm.sql, { limit: 500, sort })).items;
      const pages = await poolTraversal(rm, { limit: 3, sort }, churn);
      const items: PoolEntry[] = pages.flatMap((p) => p.items);
      expect(items).toEqual(expected);
      expect(new Set(pages.map((p) => p.asOfPosition)).size).toBe(1);
      expect(new Set(pages.map((p) => p.total))).toEqual(new Set([expected.length]));
      // The pool did change meanwhile: a new listing shows it.
      expect((await queryResourcePool(rm.sql, { limit: 500, sort })).items).not.toEqual(expected);
    }
    const before = (await queryObligations(rm.sql, { asOf: '2030-01-01', limit: 500 })).items;
    expect(before.length).toBeGreaterThanOrEqual(obligationsSnapshot.items.length);
    expect(await obligationTraversal(rm, { asOf: '2030-01-01', limit: 2 }, churn)).toEqual(before);
    expect((await queryObligations(rm.sql, { asOf: '2030-01-01', limit: 500 })).items.length).toBeGreaterThan(
      before.length,
    );
    expect((await queryResourcePool(rm.sql, { limit: 500 })).asOfPosition).toBe(
      await ledger.store.headPosition(),
    );
  });
});
