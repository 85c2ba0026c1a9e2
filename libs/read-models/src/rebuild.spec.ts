import { hostname } from 'node:os';
import {
  Projector,
  ProjectionApplyError,
  type EventStore,
  type ReadAllOptions,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { auditProjection } from './projections/audit';
import { resourcePoolProjection } from './projections/resource-pool';
import { queryAudit } from './queries/audit';
import { queryResourcePool } from './queries/resource-pool';
import type { SqliteProjection } from './sqlite-projection';
import { SqliteReadModels } from './sqlite-read-models';
import {
  applicationNumber,
  dumpProjection,
  Ledger,
  openReadModels,
  project,
  seedMixed,
  tableNames,
  tempDir,
} from './testing/fixtures';

const PROJECTIONS = [resourcePoolProjection, auditProjection];
/** The audit projection's version, and a later one (a code change that needs a rebuild). */
const V1 = auditProjection.version;
const V2 = `${V1}+next`;
/** The audit projection applying one event at a time (its `prepare`), for variants that wrap it. */
const auditPerEvent: SqliteProjection = { ...auditProjection };
delete auditPerEvent.prepareBatch;
const LIVE_TABLES = [
  'audit_events',
  'pool_history',
  'pool_ipc',
  'pool_rows',
  'pool_state',
  'projection_checkpoints',
  'projection_rebuilds',
  'read_model_meta',
];

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function rmAt(file: string, projections: readonly SqliteProjection[] = PROJECTIONS, options = {}) {
  const rm = await openReadModels(file, projections, options);
  cleanups.push(() => rm.close());
  return rm;
}

function tmp() {
  const t = tempDir();
  cleanups.push(t.remove);
  return t;
}

/**
 * A projection's tables for comparing two builds of it. The pool's closed versions depend on the batches
 * that built them (one per patent per batch; a rebuild keeps one per event, see resourcePoolProjection),
 * so they are compared apart (versionsOf).
 */
const comparable = (rm: SqliteReadModels, name: string): Record<string, unknown[]> => {
  const { pool_history: _history, ...rest } = dumpProjection(rm, name);
  return rest;
};

/** The pool's closed versions in key order, without their row ids. */
const versionsOf = (rm: SqliteReadModels): unknown[] =>
  rm.db
    .prepare('SELECT * FROM pool_history ORDER BY application_number, valid_from')
    .all()
    .map((r) => {
      const { row_id: _id, ...rest } = r as Record<string, unknown>;
      return rest;
    });

const checkpointRow = (rm: SqliteReadModels, name: string) =>
  rm.db.prepare('SELECT position, version FROM projection_checkpoints WHERE name = ?').get(name) as
    { position: number; version: string } | undefined;

const poolIds = async (rm: SqliteReadModels): Promise<string[]> =>
  (await queryResourcePool(rm.sql, { limit: 500 }, () => rm.checkpointSync('resource-pool'))).items.map(
    (i) => i.applicationNumber,
  );

/** A store whose readAll can run a hook before it returns. */
function hookedStore(
  store: EventStore,
  hook: (opts: ReadAllOptions, batch: StoredEvent[]) => Promise<void> | void,
): EventStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'readAll') {
        return async (opts: ReadAllOptions = {}) => {
          const batch = await target.readAll(opts);
          await hook(opts, batch);
          return batch;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('rebuild', () => {
  it.each(['resource-pool', 'audit'])(
    '%s: the rebuilt tables equal the incrementally maintained ones',
    async (name) => {
      const ledger = new Ledger();
      await seedMixed(ledger, 14);
      const head = await ledger.store.headPosition();
      const rm = await rmAt(':memory:', PROJECTIONS, { rebuildBatchSize: 6 });
      await project(ledger.store, rm, { batchSize: 5 });
      expect(rm.checkpointSync(name)).toBe(head);
      const incremental = comparable(rm, name);
      const other = name === 'audit' ? 'resource-pool' : 'audit';
      const otherBefore = dumpProjection(rm, other);

      const result = await rm.rebuild(name, ledger.store);

      expect(result).toEqual({ position: head, events: head });
      expect(comparable(rm, name)).toEqual(incremental);
      expect(dumpProjection(rm, other)).toEqual(otherBefore);
      if (name === 'resource-pool') {
        // The rebuild keeps a version per event, as batches of one do.
        const perEvent = await rmAt(':memory:', PROJECTIONS);
        await project(ledger.store, perEvent, { batchSize: 1 });
        expect(versionsOf(rm)).toEqual(versionsOf(perEvent));
        expect(versionsOf(rm).length).toBeGreaterThan(10);
      }
      expect(checkpointRow(rm, name)).toEqual({
        position: head,
        version: PROJECTIONS.find((p) => p.name === name)!.version,
      });
      expect(tableNames(rm.db)).toEqual(LIVE_TABLES);
      // And the rebuilt projection keeps projecting afterwards.
      await ledger.inventory(applicationNumber(50));
      await ledger.admit(applicationNumber(50));
      const again = await project(ledger.store, rm);
      expect((await again.status()).map((s) => [s.name, s.position])).toEqual([
        ['resource-pool', head + 2],
        ['audit', head + 2],
      ]);
    },
  );

  it('rebuilt tables equal a from-scratch projection in one batch', async () => {
    const ledger = new Ledger();
    await seedMixed(ledger, 10);
    const incremental = await rmAt(':memory:');
    await project(ledger.store, incremental, { batchSize: 1 });
    const fresh = await rmAt(':memory:');
    await project(ledger.store, fresh, { batchSize: 10_000 });
    await incremental.rebuild('resource-pool', ledger.store);
    await incremental.rebuild('audit', ledger.store);
    for (const name of ['resource-pool', 'audit'])
      expect(comparable(incremental, name)).toEqual(comparable(fresh, name));
    // Versions: one per event after the rebuild, as batches of one keep them; none closed in one batch.
    const perEvent = await rmAt(':memory:');
    await project(ledger.store, perEvent, { batchSize: 1 });
    expect(versionsOf(incremental)).toEqual(versionsOf(perEvent));
    expect(versionsOf(fresh)).toEqual([]);
  });

  it('rebuilding an empty log empties the tables', async () => {
    const ledger = new Ledger();
    const rm = await rmAt(':memory:');
    rm.db
      .prepare(
        `INSERT INTO audit_events VALUES (99, 's', 'c', 'e', 1, 't', 'd', 'r', 'a', 'o', 'u', 'c', 'c', 'c', 'e', '{}')`,
      )
      .run();
    expect(await rm.rebuild('audit', ledger.store)).toEqual({ position: 0, events: 0 });
    expect(await rm.tableCounts('audit')).toEqual({ audit_events: 0 });
  });

  it('queries keep answering from the live tables while a rebuild runs', async () => {
    const ledger = new Ledger();
    const ans = await seedMixed(ledger, 8);
    const t = tmp();
    const file = t.file('rm.db');
    const rm = await rmAt(file, PROJECTIONS);
    await project(ledger.store, rm);
    const projected = await ledger.store.headPosition();
    const liveAudit = (await queryAudit(rm.sql, { limit: 1000 })).items;
    const livePool = await poolIds(rm);
    expect(livePool).toHaveLength(6);

    // The log moves on, unprojected: the rebuild will see more than the live tables hold.
    await ledger.decline(ans[0]!);
    await ledger.inventory(applicationNumber(40));
    await ledger.admit(applicationNumber(40));
    const head = await ledger.store.headPosition();
    expect(head).toBe(projected + 3);

    // A second connection, as the api would hold while the cli rebuilds.
    const api = await rmAt(file, PROJECTIONS);
    const progress: [string, number, number][] = [];
    const observed: {
      audit: number;
      pool: string[];
      apiAudit: number;
      shadows: string[];
      checkpoint: number;
    }[] = [];
    const cli = SqliteReadModels.open(file, PROJECTIONS, {
      rebuildBatchSize: 7,
      onRebuildProgress: async (name, position, h) => {
        progress.push([name, position, h]);
        observed.push({
          audit: (await queryAudit(cli.sql, { limit: 1000 })).items.length,
          pool: await poolIds(cli),
          apiAudit: (await queryAudit(api.sql, { limit: 1000 })).items.length,
          shadows: tableNames(cli.db).filter((n) => n.includes('__r')),
          checkpoint: api.checkpointSync(name),
        });
      },
    });
    cleanups.push(() => cli.close());
    await cli.init();

    await cli.rebuild('audit', ledger.store);
    await cli.rebuild('resource-pool', ledger.store);

    const steps = (n: number): [number, number][] => {
      const out: [number, number][] = [];
      for (let p = 7; p < n; p += 7) out.push([p, n]);
      out.push([n, n]);
      return out;
    };
    expect(progress).toEqual([
      ...steps(head).map(([p, h]): [string, number, number] => ['audit', p, h]),
      ...steps(head).map(([p, h]): [string, number, number] => ['resource-pool', p, h]),
    ]);
    const midAudit = observed.slice(0, steps(head).length - 1);
    expect(midAudit.length).toBeGreaterThanOrEqual(3);
    for (const o of midAudit) {
      expect(o.audit).toBe(liveAudit.length);
      expect(o.apiAudit).toBe(liveAudit.length);
      expect(o.pool).toEqual(livePool);
      expect(o.checkpoint).toBe(projected);
      expect(o.shadows).toEqual([expect.stringMatching(/^audit_events__r/)]);
    }
    const midPool = observed.slice(steps(head).length, observed.length - 1);
    for (const o of midPool) {
      expect(o.pool).toEqual(livePool);
      expect(o.audit).toBe(head);
      expect(o.shadows.sort()).toEqual([
        expect.stringMatching(/^pool_history__r/),
        expect.stringMatching(/^pool_ipc__r/),
        expect.stringMatching(/^pool_rows__r/),
        expect.stringMatching(/^pool_state__r/),
      ]);
    }
    // After the swap both connections see the new tables.
    expect((await queryAudit(api.sql, { limit: 1000 })).items).toHaveLength(head);
    expect(await poolIds(api)).not.toContain(ans[0]);
    expect(await poolIds(api)).toContain(applicationNumber(40));
    expect(api.checkpointSync('audit')).toBe(head);
    expect(tableNames(api.db)).toEqual(LIVE_TABLES);
  });

  it('a version bump rebuilds the projection in init(store); init() without a store refuses', async () => {
    const ledger = new Ledger();
    await seedMixed(ledger, 6);
    const head = await ledger.store.headPosition();
    const t = tmp();
    const file = t.file('rm.db');
    const v1 = await rmAt(file);
    await project(ledger.store, v1);
    const before = dumpProjection(v1, 'audit');
    // Damage the live table so a rebuild is visible.
    v1.db.prepare('DELETE FROM audit_events WHERE position > 3').run();
    await v1.close();

    const auditV2: SqliteProjection = { ...auditProjection, version: V2 };
    const refused = SqliteReadModels.open(file, [resourcePoolProjection, auditV2]);
    cleanups.push(() => refused.close());
    await expect(refused.init()).rejects.toThrow(
      `projection audit changed version (${V1} → ${V2}) and needs a rebuild`,
    );
    expect(checkpointRow(refused, 'audit')).toEqual({ position: head, version: V1 });
    await refused.close();

    const rebuilt: string[] = [];
    const v2 = SqliteReadModels.open(file, [resourcePoolProjection, auditV2], {
      onRebuildProgress: (n) => {
        rebuilt.push(n);
      },
    });
    cleanups.push(() => v2.close());
    const poolBefore = dumpProjection(v2, 'resource-pool');
    await v2.init(ledger.store);
    expect(rebuilt).toEqual(['audit']);
    expect(checkpointRow(v2, 'audit')).toEqual({ position: head, version: V2 });
    expect(dumpProjection(v2, 'audit')).toEqual(before);
    expect(dumpProjection(v2, 'resource-pool')).toEqual(poolBefore);
    expect(tableNames(v2.db)).toEqual(LIVE_TABLES);

    // Same version again: nothing to do.
    await v2.init(ledger.store);
    expect(rebuilt).toEqual(['audit']);
  });

  it('a version bump that changes the schema gets the new schema', async () => {
    const ledger = new Ledger();
    await seedMixed(ledger, 4);
    const t = tmp();
    const file = t.file('rm.db');
    const v1 = await rmAt(file, [auditProjection]);
    await project(ledger.store, v1);
    await v1.close();

    const withYear: SqliteProjection = {
      ...auditPerEvent,
      version: V2,
      ddl: (tn, d) => [
        ...auditProjection.ddl(tn, d),
        `CREATE TABLE "${tn('audit_years')}" (year TEXT PRIMARY KEY, n INTEGER NOT NULL)`,
      ],
      tables: ['audit_events', 'audit_years'],
      prepare: (tn, d) => {
        const base = auditProjection.prepare(tn, d);
        const bump = `INSERT INTO "${tn('audit_years')}" (year, n) VALUES (?, 1) ON CONFLICT(year) DO UPDATE SET n = n + 1`;
        return async (tx, e) => {
          await base(tx, e);
          await tx.run(bump, [e.metadata.recordedAt.slice(0, 4)]);
        };
      },
    };
    const v2 = await (async () => {
      const rm = SqliteReadModels.open(file, [withYear]);
      cleanups.push(() => rm.close());
      await rm.init(ledger.store);
      return rm;
    })();
    expect(await v2.tableCounts('audit')).toEqual({
      audit_events: await ledger.store.headPosition(),
      audit_years: 1,
    });
    expect(v2.db.prepare('SELECT * FROM audit_years').all()).toEqual([
      { year: '2025', n: await ledger.store.headPosition() },
    ]);
  });

  describe('a failed rebuild', () => {
    /** Audit, but failing on one event while `fail.at` is set. */
    function flaky(fail: { at?: number }): SqliteProjection {
      return {
        ...auditPerEvent,
        prepare: (t, d) => {
          const base = auditProjection.prepare(t, d);
          return async (tx, e) => {
            if (e.position === fail.at) throw new Error(`refused ${e.position}`);
            await base(tx, e);
          };
        },
      };
    }

    it.each([
      ['in an early batch', 5],
      ['in the last batch, which holds the swap', 'last'],
    ] as const)('%s leaves the live tables, the checkpoint and no shadow tables', async (_label, where) => {
      const ledger = new Ledger();
      await seedMixed(ledger, 6);
      const head = await ledger.store.headPosition();
      const fail: { at?: number } = {};
      const rm = await rmAt(':memory:', [resourcePoolProjection, flaky(fail)], { rebuildBatchSize: 4 });
      await project(ledger.store, rm);
      const before = dumpProjection(rm, 'audit');
      fail.at = where === 'last' ? head : where;

      const err = await rm.rebuild('audit', ledger.store).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(err).toBeInstanceOf(ProjectionApplyError);
      expect(err).toMatchObject({ projection: 'audit', event: { position: fail.at } });
      expect((err as Error).message).toContain(`refused ${fail.at}`);
      expect(dumpProjection(rm, 'audit')).toEqual(before);
      expect(checkpointRow(rm, 'audit')).toEqual({ position: head, version: V1 });
      expect(tableNames(rm.db)).toEqual(LIVE_TABLES);

      // The live projection still works, and a later rebuild succeeds.
      delete fail.at;
      await ledger.inventory(applicationNumber(60));
      await project(ledger.store, rm);
      expect(await rm.tableCounts('audit')).toEqual({ audit_events: head + 1 });
      await rm.rebuild('audit', ledger.store);
      expect(await rm.tableCounts('audit')).toEqual({ audit_events: head + 1 });
    });

    it('a store failure mid-rebuild leaves the live tables and no shadow tables', async () => {
      const ledger = new Ledger();
      await seedMixed(ledger, 6);
      const rm = await rmAt(':memory:', PROJECTIONS, { rebuildBatchSize: 5 });
      await project(ledger.store, rm);
      const before = dumpProjection(rm, 'resource-pool');
      let reads = 0;
      const broken = hookedStore(ledger.store, () => {
        if (++reads === 3) throw new Error('store unavailable');
      });
      await expect(rm.rebuild('resource-pool', broken)).rejects.toThrow('store unavailable');
      expect(dumpProjection(rm, 'resource-pool')).toEqual(before);
      expect(tableNames(rm.db)).toEqual(LIVE_TABLES);
    });

    it('a failed version-bump rebuild keeps the old version, so the next start retries', async () => {
      const ledger = new Ledger();
      await seedMixed(ledger, 4);
      const head = await ledger.store.headPosition();
      const t = tmp();
      const file = t.file('rm.db');
      const v1 = await rmAt(file, [auditProjection]);
      await project(ledger.store, v1);
      const before = dumpProjection(v1, 'audit');
      await v1.close();

      const fail: { at?: number } = { at: 3 };
      const v2 = SqliteReadModels.open(file, [{ ...flaky(fail), version: V2 }]);
      cleanups.push(() => v2.close());
      await expect(v2.init(ledger.store)).rejects.toBeInstanceOf(ProjectionApplyError);
      expect(checkpointRow(v2, 'audit')).toEqual({ position: head, version: V1 });
      expect(dumpProjection(v2, 'audit')).toEqual(before);
      expect(tableNames(v2.db)).toEqual([
        'audit_events',
        'projection_checkpoints',
        'projection_rebuilds',
        'read_model_meta',
      ]);

      delete fail.at;
      await v2.init(ledger.store);
      expect(checkpointRow(v2, 'audit')).toEqual({ position: head, version: V2 });
      expect(dumpProjection(v2, 'audit')).toEqual(before);
    });
  });

  it('a projector applying concurrently with a rebuild loses no event', async () => {
    // The cli rebuilds while the api projects. The rebuild reads the log up to R and swaps its tables
    // in, setting the checkpoint to R; meanwhile the api's projector applied events past R to the old
    // tables, and had read the checkpoint (past R) before the swap. Its next batch must not start
    // after the swap's checkpoint with a hole in between.
    const ledger = new Ledger();
    await seedMixed(ledger, 4);
    const t = tmp();
    const file = t.file('rm.db');
    const api = await rmAt(file, [auditProjection]);
    let gate: Promise<void> | undefined;
    let release: () => void = () => undefined;
    const apiStore = hookedStore(ledger.store, async () => {
      if (gate) await gate;
    });
    const projector = new Projector(apiStore, api, { batchSize: 100 });
    await projector.catchUp();
    const r = await ledger.store.headPosition();

    const cli = SqliteReadModels.open(file, [auditProjection], { rebuildBatchSize: 100 });
    cleanups.push(() => cli.close());
    await cli.init();
    let pending: Promise<number> | undefined;
    const cliStore = hookedStore(ledger.store, async (_opts, batch) => {
      if (pending || batch.length === 100) return;
      // After the rebuild's last read: two more events arrive and the api projects them...
      await ledger.inventory(applicationNumber(70));
      await ledger.inventory(applicationNumber(71));
      await projector.catchUp();
      expect(api.checkpointSync('audit')).toBe(r + 2);
      // ...then a third, which the api starts to project (it reads its checkpoint, r + 2) just
      // before the rebuild swaps its tables in.
      await ledger.inventory(applicationNumber(72));
      gate = new Promise<void>((resolve) => (release = resolve));
      pending = projector.catchUp();
      await new Promise((resolve) => setImmediate(resolve));
    });
    await cli.rebuild('audit', cliStore);
    expect(cli.checkpointSync('audit')).toBe(r);
    gate = undefined;
    release();
    await pending;
    await projector.catchUp();

    const head = await ledger.store.headPosition();
    expect(head).toBe(r + 3);
    expect(api.checkpointSync('audit')).toBe(head);
    expect(
      (
        api.db.prepare('SELECT position FROM audit_events ORDER BY position').all() as { position: number }[]
      ).map((x) => x.position),
    ).toEqual(Array.from({ length: head }, (_, i) => i + 1));
  });
});

describe('rebuild claims', () => {
  it('refuses a second rebuild of the same projection while one runs, and takes over a dead claim', async () => {
    const ledger = new Ledger();
    await ledger.inventory(applicationNumber(1));
    const t = tmp();
    const rm = await rmAt(t.file('rm.db'), PROJECTIONS);
    const claim = rm.db.prepare(
      `INSERT INTO projection_rebuilds (name, pid, host, started_at) VALUES ('audit', ?, ?, '2025-01-01T00:00:00Z')
       ON CONFLICT(name) DO UPDATE SET pid = excluded.pid, host = excluded.host`,
    );
    // A live process on this host holds the claim: refused, and the live tables stay.
    claim.run(process.ppid, hostname());
    await expect(rm.rebuild('audit', ledger.store)).rejects.toThrow(/already running/);
    // A claim left by a process that no longer exists is taken over.
    claim.run(2 ** 22 + 7919, hostname());
    await expect(rm.rebuild('audit', ledger.store)).resolves.toMatchObject({ events: expect.any(Number) });
    expect(rm.db.prepare('SELECT COUNT(*) AS n FROM projection_rebuilds').get()).toEqual({ n: 0 });
  });
});
