import {
  auditProjection,
  resourcePoolProjection,
  SqliteReadModels,
  type SqliteProjection,
} from '@patent-ledger/read-models';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import {
  applicationNumber,
  dumpProjection,
  Ledger,
  openReadModels,
  seedMixed,
  tempDir,
  waitUntil,
} from '../../read-models/src/testing/fixtures';
import { ProjectionApplyError, Projector } from './projector';
import { MemoryEventStore } from './memory-event-store';
import type { EventStore, ReadAllOptions, StoredEvent } from './types';

// ---------------------------------------------------------------------------------------------
// helpers

/** A fault switch: the test projection throws on the event at `position` while it is set. */
interface Fault {
  position?: number;
}

/**
 * A small projection that records every event with a running count (so an event applied twice, out
 * of order or skipped changes its rows) and counts events per type.
 */
function testProjection(fault: Fault = {}, name = 'test'): SqliteProjection {
  return {
    name,
    version: '1',
    tables: ['test_log', 'test_counts'],
    ddl: (t, d) => [
      `CREATE TABLE "${t('test_log')}" (position ${d.bigint} PRIMARY KEY, stream ${d.text} NOT NULL, version ${d.int} NOT NULL,
        type ${d.text} NOT NULL, seen ${d.int} NOT NULL)`,
      `CREATE TABLE "${t('test_counts')}" (type ${d.text} PRIMARY KEY, n ${d.int} NOT NULL)`,
    ],
    prepare: (t) => {
      const count = `SELECT COUNT(*) AS n FROM "${t('test_log')}"`;
      const insert = `INSERT INTO "${t('test_log')}" (position, stream, version, type, seen) VALUES (?, ?, ?, ?, ?)`;
      const bump = `INSERT INTO "${t('test_counts')}" (type, n) VALUES (?, 1) ON CONFLICT(type) DO UPDATE SET n = "${t('test_counts')}".n + 1`;
      return async (tx, e) => {
        const seen = (await tx.get<{ n: number }>(count))!.n;
        await tx.run(insert, [e.position, e.streamName, e.version, e.type, seen + 1]);
        await tx.run(bump, [e.type]);
        // Written first, then thrown: the batch's transaction must discard the rows.
        if (e.position === fault.position) throw new Error(`test projection refuses event ${e.position}`);
      };
    },
  };
}

/** A store that records the options of every readAll and can run a hook before returning a batch. */
function recordingStore(
  store: EventStore,
  hook?: (opts: ReadAllOptions, batch: StoredEvent[]) => Promise<void> | void,
): EventStore & { reads: ReadAllOptions[] } {
  const reads: ReadAllOptions[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'reads') return reads;
      if (prop === 'readAll') {
        return async (opts: ReadAllOptions = {}) => {
          reads.push({ ...opts });
          const batch = await target.readAll(opts);
          if (hook) await hook(opts, batch);
          return batch;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return proxy as EventStore & { reads: ReadAllOptions[] };
}

/** Fails instead of hanging when a catch-up never ends. */
async function within<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function readModels(file: string, projections: readonly SqliteProjection[]): Promise<SqliteReadModels> {
  const rm = await openReadModels(file, projections);
  cleanups.push(() => rm.close());
  return rm;
}

function tmpFile(name = 'read-models.db'): string {
  const t = tempDir('patent-ledger-projector-');
  cleanups.push(t.remove);
  return t.file(name);
}

/**
 * The tables of every projection of `rm`; without the resource pool's closed versions, which depend on
 * the batches that built them (one per patent per batch), unlike everything else.
 */
const dumpAll = (rm: SqliteReadModels): Record<string, Record<string, unknown[]>> =>
  Object.fromEntries(
    rm.projectionNames.map((n) => {
      const { pool_history: _closed, ...tables } = dumpProjection(rm, n);
      return [n, tables];
    }),
  );

/** Read models projected by a projector that never failed: the reference. */
async function reference(
  store: EventStore,
  projections: readonly SqliteProjection[],
): Promise<SqliteReadModels> {
  const rm = await readModels(':memory:', projections);
  await new Projector(store, rm, { batchSize: 1000 }).catchUp();
  return rm;
}

async function seeded(count = 12): Promise<{ ledger: Ledger; head: number }> {
  const ledger = new Ledger();
  await seedMixed(ledger, count);
  return { ledger, head: await ledger.store.headPosition() };
}

// ---------------------------------------------------------------------------------------------

describe('Projector: catching up', () => {
  it('catches up from 0 in batches and ends with every checkpoint at the head', async () => {
    const { ledger, head } = await seeded();
    expect(head).toBe(48);
    const store = recordingStore(ledger.store);
    const rm = await readModels(':memory:', [resourcePoolProjection, auditProjection, testProjection()]);
    const projector = new Projector(store, rm, { batchSize: 7 });

    const read = await projector.catchUp();

    expect(read).toBe(head);
    // ceil(48 / 7) = 7 batches, then one empty read.
    expect(store.reads).toEqual([0, 7, 14, 21, 28, 35, 42, 48].map((after) => ({ after, limit: 7 })));
    for (const name of rm.projectionNames) expect(rm.checkpointSync(name)).toBe(head);
    expect(await rm.tableCounts('audit')).toEqual({ audit_events: head });
    expect(dumpAll(rm)).toEqual(dumpAll(await reference(ledger.store, rm.projections)));
    expect(await projector.status()).toEqual(
      ['resource-pool', 'audit', 'test'].map((name) => ({
        name,
        position: head,
        headPosition: head,
        lag: 0,
        state: 'stopped',
      })),
    );
    // Nothing new: one empty read, nothing applied.
    expect(await projector.catchUp()).toBe(0);
  });

  it('works against the SQLite event store too', async () => {
    const store = SqliteEventStore.open(':memory:');
    cleanups.push(() => store.close());
    const ledger = new Ledger(store);
    await seedMixed(ledger, 6);
    const head = await store.headPosition();
    const rm = await readModels(':memory:', [resourcePoolProjection, auditProjection]);
    await new Projector(store, rm, { batchSize: 4 }).catchUp();
    expect(rm.checkpointSync('resource-pool')).toBe(head);
    expect(rm.checkpointSync('audit')).toBe(head);
    expect(dumpAll(rm)).toEqual(dumpAll(await reference(await storeOf(await ledger.all()), rm.projections)));
  });

  it('a projection added later catches up from 0 while the others continue from their checkpoints', async () => {
    const { ledger, head } = await seeded(6);
    const file = tmpFile();
    const first = await readModels(file, [auditProjection]);
    await new Projector(ledger.store, first, { batchSize: 5 }).catchUp();
    await first.close();

    await ledger.inventory(applicationNumber(80));
    const store = recordingStore(ledger.store);
    const second = await readModels(file, [auditProjection, testProjection()]);
    expect(second.checkpointSync('audit')).toBe(head);
    expect(second.checkpointSync('test')).toBe(0);
    await new Projector(store, second, { batchSize: 5 }).catchUp();
    expect(second.checkpointSync('audit')).toBe(head + 1);
    expect(second.checkpointSync('test')).toBe(head + 1);
    expect(store.reads[0]).toEqual({ after: 0, limit: 5 });
    expect(dumpAll(second)).toEqual(dumpAll(await reference(ledger.store, second.projections)));
  });
});

describe('Projector: following', () => {
  it('follows new events after start() until stop()', async () => {
    const { ledger, head } = await seeded(4);
    const rm = await readModels(':memory:', [resourcePoolProjection, auditProjection]);
    const projector = new Projector(ledger.store, rm, { batchSize: 7, pollIntervalMs: 10 });
    const atHead = async (): Promise<boolean> => {
      const h = await ledger.store.headPosition();
      return rm.checkpointSync('audit') === h && rm.checkpointSync('resource-pool') === h;
    };
    projector.start();
    try {
      await waitUntil(atHead);
      expect(rm.checkpointSync('audit')).toBe(head);
      expect((await projector.status()).map((s) => s.state)).toEqual(['running', 'running']);

      // Appended after start: picked up by polling, without poke().
      for (let i = 90; i < 95; i++) {
        await ledger.inventory(applicationNumber(i));
        await ledger.admit(applicationNumber(i));
      }
      await waitUntil(atHead);
      expect(rm.checkpointSync('audit')).toBe(head + 10);

      // And with poke(), at once.
      await ledger.evaluate(applicationNumber(90), 'ev-90', 'ent-a', 3);
      projector.poke();
      await waitUntil(atHead);
      expect(rm.checkpointSync('resource-pool')).toBe(head + 11);
    } finally {
      await projector.stop();
    }
    expect((await projector.status()).map((s) => s.state)).toEqual(['stopped', 'stopped']);
    // Stopped: new events stay unprojected.
    await ledger.inventory(applicationNumber(96));
    await new Promise((r) => setTimeout(r, 50));
    expect(rm.checkpointSync('audit')).toBe(head + 11);
    expect(dumpAll(rm)).toEqual(
      dumpAll(await reference(await storeOf((await ledger.all()).slice(0, head + 11)), rm.projections)),
    );
  });
});

describe('Projector: a failing projection', () => {
  it('stops only that projection, reports it, and resumes from the failing event', async () => {
    const { ledger, head } = await seeded();
    const fault: Fault = { position: 17 };
    const failed: ProjectionApplyError[] = [];
    const rm = await readModels(':memory:', [resourcePoolProjection, testProjection(fault), auditProjection]);
    const projector = new Projector(ledger.store, rm, { batchSize: 7, onError: (e) => failed.push(e) });
    const event17 = (await ledger.all())[16]!;

    await within(projector.catchUp());

    expect(rm.checkpointSync('resource-pool')).toBe(head);
    expect(rm.checkpointSync('audit')).toBe(head);
    // The batch 15..21 failed as a whole: the checkpoint stays at 14 and none of its rows are kept.
    expect(rm.checkpointSync('test')).toBe(14);
    expect(await rm.tableCounts('test')).toEqual({ test_log: 14, test_counts: expect.any(Number) });
    expect((rm.db.prepare('SELECT MAX(position) AS m FROM test_log').get() as { m: number }).m).toBe(14);

    expect(failed).toHaveLength(1);
    expect(failed[0]).toBeInstanceOf(ProjectionApplyError);
    expect(failed[0]).toMatchObject({
      code: 'PROJECTION.APPLY_FAILED',
      projection: 'test',
      event: { position: 17, type: event17.type, streamName: event17.streamName, version: event17.version },
    });

    const status = await projector.status();
    expect(status.find((s) => s.name === 'resource-pool')).toEqual({
      name: 'resource-pool',
      position: head,
      headPosition: head,
      lag: 0,
      state: 'stopped',
    });
    const test = status.find((s) => s.name === 'test')!;
    expect(test).toEqual({
      name: 'test',
      position: 14,
      headPosition: head,
      lag: head - 14,
      state: 'failed',
      lastError: {
        message: `projection test failed on event 17 (${event17.type} ${event17.streamName}@${event17.version}): test projection refuses event 17`,
        position: 17,
        eventType: event17.type,
        streamName: event17.streamName,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    });

    // Still failing while the fault is there: a new catch-up leaves it alone (no retry storm).
    await ledger.inventory(applicationNumber(81));
    await within(projector.catchUp());
    expect(rm.checkpointSync('test')).toBe(14);
    expect(rm.checkpointSync('audit')).toBe(head + 1);
    expect(failed).toHaveLength(1);

    // Fault removed, resumed: continues from event 15 and ends like a projection that never failed.
    delete fault.position;
    expect(projector.resume('test')).toBe(true);
    expect(projector.resume('test')).toBe(false);
    await within(projector.catchUp());
    expect(rm.checkpointSync('test')).toBe(head + 1);
    expect(
      (await projector.status()).every((s) => s.state === 'stopped' && s.lag === 0 && !s.lastError),
    ).toBe(true);
    expect(dumpAll(rm)).toEqual(
      dumpAll(await reference(ledger.store, [resourcePoolProjection, testProjection(), auditProjection])),
    );
  });

  it('resume() wakes a running projector', async () => {
    const { ledger, head } = await seeded(6);
    const fault: Fault = { position: 3 };
    const rm = await readModels(':memory:', [testProjection(fault), auditProjection]);
    const projector = new Projector(ledger.store, rm, { batchSize: 4, pollIntervalMs: 60_000 });
    projector.start();
    try {
      await waitUntil(async () => (await projector.status()).some((s) => s.state === 'failed'));
      await waitUntil(() => rm.checkpointSync('audit') === head);
      expect(rm.checkpointSync('test')).toBe(0);
      delete fault.position;
      projector.resume('test');
      await waitUntil(() => rm.checkpointSync('test') === head);
      expect((await projector.status()).map((s) => s.state)).toEqual(['running', 'running']);
    } finally {
      await projector.stop();
    }
    expect(dumpAll(rm)).toEqual(dumpAll(await reference(ledger.store, [testProjection(), auditProjection])));
  });

  it('a restart resumes a failed projection from the failing event', async () => {
    const { ledger, head } = await seeded(6);
    const file = tmpFile();
    const fault: Fault = { position: 9 };
    const rm1 = await readModels(file, [testProjection(fault), auditProjection]);
    await new Projector(ledger.store, rm1, { batchSize: 4 }).catchUp();
    expect(rm1.checkpointSync('test')).toBe(8);
    await rm1.close();

    const rm2 = await readModels(file, [testProjection(), auditProjection]);
    const projector = new Projector(ledger.store, rm2, { batchSize: 4 });
    await within(projector.catchUp());
    expect(rm2.checkpointSync('test')).toBe(head);
    expect(dumpAll(rm2)).toEqual(dumpAll(await reference(ledger.store, rm2.projections)));
  });
});

describe('Projector: crash safety', () => {
  it('killed between a batch’s read-model write and its checkpoint: nothing of the batch is kept; a fresh projector resumes', async () => {
    const { ledger, head } = await seeded();
    const file = tmpFile();
    const projections = [resourcePoolProjection, auditProjection];
    const rm1 = await readModels(file, projections);
    // The process "dies" at the checkpoint write of the batch 15..21 of the resource pool, after the
    // batch's rows were written in the same transaction.
    rm1.db.exec(`CREATE TEMP TRIGGER die BEFORE UPDATE OF position ON main.projection_checkpoints
      WHEN NEW.name = 'resource-pool' AND NEW.position > 14
      BEGIN SELECT RAISE(ABORT, 'killed before the checkpoint'); END`);
    const errors: ProjectionApplyError[] = [];
    await new Projector(ledger.store, rm1, { batchSize: 7, onError: (e) => errors.push(e) }).catchUp();
    expect(errors.map((e) => [e.projection, e.event.position, (e.cause as Error).message])).toEqual([
      ['resource-pool', 15, 'killed before the checkpoint'],
    ]);
    expect(rm1.checkpointSync('resource-pool')).toBe(14);

    // The tables are exactly as after event 14 (applied in the same batches: the pool keeps a version
    // per patent per batch).
    const first14 = (await ledger.all()).slice(0, 14);
    const upTo14 = await readModels(':memory:', projections);
    await upTo14.applyBatch('resource-pool', first14.slice(0, 7));
    await upTo14.applyBatch('resource-pool', first14.slice(7));
    expect(dumpProjection(rm1, 'resource-pool')).toEqual(dumpProjection(upTo14, 'resource-pool'));
    await rm1.close();

    // A fresh process on the same file.
    const rm2 = await readModels(file, projections);
    expect(rm2.checkpointSync('resource-pool')).toBe(14);
    expect(rm2.checkpointSync('audit')).toBe(head);
    await new Projector(ledger.store, rm2, { batchSize: 7 }).catchUp();
    expect(rm2.checkpointSync('resource-pool')).toBe(head);
    expect(dumpAll(rm2)).toEqual(dumpAll(await reference(ledger.store, projections)));
  });

  it('a projection that writes, then throws on the last event of a batch, leaves the tables as before the batch', async () => {
    const { ledger, head } = await seeded(6);
    const file = tmpFile();
    const fault: Fault = { position: 12 }; // last of the batch 9..12
    const rm1 = await readModels(file, [testProjection(fault)]);
    await new Projector(ledger.store, rm1, { batchSize: 4 }).catchUp();
    expect(rm1.checkpointSync('test')).toBe(8);
    const upTo8 = await readModels(':memory:', [testProjection()]);
    await upTo8.applyBatch('test', (await ledger.all()).slice(0, 8));
    expect(dumpAll(rm1)).toEqual(dumpAll(upTo8));
    await rm1.close();

    const rm2 = await readModels(file, [testProjection()]);
    await new Projector(ledger.store, rm2, { batchSize: 4 }).catchUp();
    expect(rm2.checkpointSync('test')).toBe(head);
    expect(dumpAll(rm2)).toEqual(dumpAll(await reference(ledger.store, [testProjection()])));
  });
});

describe('Projector: two projectors on one read-model file', () => {
  it('never apply an event twice, even when one reads a batch the other then applies', async () => {
    const { ledger, head } = await seeded();
    const file = tmpFile();
    const projections = [resourcePoolProjection, auditProjection, testProjection()];
    const rmA = await readModels(file, projections);
    const rmB = await readModels(file, projections);
    const a = new Projector(ledger.store, rmA, { batchSize: 7 });
    // B's every read is overtaken by A: A applies (at least) the same batch before B does.
    const storeB = recordingStore(ledger.store, async () => {
      await a.catchUp();
    });
    const errors: unknown[] = [];
    const b = new Projector(storeB, rmB, { batchSize: 5, onError: (e) => errors.push(e) });
    await b.catchUp();
    expect(storeB.reads[0]).toEqual({ after: 0, limit: 5 });
    expect(rmB.checkpointSync('test')).toBe(head);
    await ledger.inventory(applicationNumber(85));
    await ledger.admit(applicationNumber(85));
    await Promise.all([a.catchUp(), b.catchUp()]);

    expect(errors).toEqual([]);
    for (const name of rmA.projectionNames) expect(rmA.checkpointSync(name)).toBe(head + 2);
    expect(await rmA.tableCounts('audit')).toEqual({ audit_events: head + 2 });
    expect(await rmB.tableCounts('test')).toEqual({ test_log: head + 2, test_counts: expect.any(Number) });
    expect(dumpAll(rmB)).toEqual(dumpAll(await reference(ledger.store, projections)));
  });

  it('never apply an event twice when both follow the log', async () => {
    const { ledger } = await seeded(4);
    const file = tmpFile();
    const projections = [resourcePoolProjection, auditProjection, testProjection()];
    const rmA = await readModels(file, projections);
    const rmB = await readModels(file, projections);
    const errors: unknown[] = [];
    const a = new Projector(ledger.store, rmA, {
      batchSize: 3,
      pollIntervalMs: 1,
      onError: (e) => errors.push(e),
    });
    const b = new Projector(ledger.store, rmB, {
      batchSize: 2,
      pollIntervalMs: 1,
      onError: (e) => errors.push(e),
    });
    a.start();
    b.start();
    try {
      for (let i = 100; i < 115; i++) {
        await ledger.inventory(applicationNumber(i));
        await ledger.admit(applicationNumber(i));
        if (i % 2) a.poke();
        else b.poke();
        await new Promise((r) => setImmediate(r));
      }
      const head = await ledger.store.headPosition();
      await waitUntil(() => projections.every((p) => rmA.checkpointSync(p.name) === head));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const head = await ledger.store.headPosition();
    expect(errors).toEqual([]);
    expect(await rmB.tableCounts('audit')).toEqual({ audit_events: head });
    expect(dumpAll(rmA)).toEqual(dumpAll(await reference(ledger.store, projections)));
  });
});

describe('SqliteReadModels.applyBatch (the ProjectionTarget contract)', () => {
  it('skips events at or below the checkpoint and applies the rest once', async () => {
    const { ledger } = await seeded(4);
    const events = await ledger.all();
    const rm = await readModels(':memory:', [testProjection()]);
    expect(await rm.applyBatch('test', events.slice(0, 5))).toBe(5);
    expect(await rm.applyBatch('test', events.slice(2, 8))).toBe(8);
    expect(await rm.applyBatch('test', events.slice(0, 8))).toBe(8);
    expect(await rm.applyBatch('test', [])).toBe(8);
    expect(rm.db.prepare('SELECT position, seen FROM test_log ORDER BY position').all() as object[]).toEqual(
      Array.from({ length: 8 }, (_, i) => ({ position: i + 1, seen: i + 1 })),
    );
  });

  it('applies nothing when the batch was read after a checkpoint that has since moved back', async () => {
    const { ledger } = await seeded(4);
    const events = await ledger.all();
    const rm = await readModels(':memory:', [testProjection()]);
    await rm.applyBatch('test', events.slice(0, 5));
    // Read after 7, but the checkpoint is 5: events 6 and 7 are missing from the batch.
    expect(await rm.applyBatch('test', events.slice(7, 10), 7)).toBe(5);
    expect((await rm.tableCounts('test')).test_log).toBe(5);
    expect(await rm.applyBatch('test', events.slice(5, 10), 5)).toBe(10);
    // Read after 3 while another projector had already applied up to 10: the rest applies once.
    expect(await rm.applyBatch('test', events.slice(3, 12), 3)).toBe(12);
    expect(rm.db.prepare('SELECT position, seen FROM test_log ORDER BY position').all() as object[]).toEqual(
      Array.from({ length: 12 }, (_, i) => ({ position: i + 1, seen: i + 1 })),
    );
  });

  it('tolerates gaps in positions (stores such as PostgreSQL may leave them)', async () => {
    const { ledger } = await seeded(4);
    const events = await ledger.all();
    const gappy = events.filter((e) => e.position !== 4 && e.position !== 7 && e.position !== 8);
    const rm = await readModels(':memory:', [testProjection()]);
    expect(await rm.applyBatch('test', gappy.slice(0, 5), 0)).toBe(6); // 1, 2, 3, 5, 6
    expect(await rm.applyBatch('test', gappy.slice(5), 6)).toBe(events.length); // 9, 10, ...
    expect((await rm.tableCounts('test')).test_log).toBe(events.length - 3);
    const projector = new Projector(
      withGaps(ledger.store, new Set([4, 7, 8])),
      await readModels(':memory:', [testProjection()]),
      { batchSize: 2 },
    );
    expect(await projector.catchUp()).toBe(events.length - 3);
    expect((await projector.status())[0]).toMatchObject({ position: events.length, lag: 0 });
  });

  it('throws ProjectionApplyError naming the event and keeps nothing of the batch', async () => {
    const { ledger } = await seeded(4);
    const events = await ledger.all();
    const rm = await readModels(':memory:', [testProjection({ position: 6 })]);
    await rm.applyBatch('test', events.slice(0, 3));
    const err = await rm.applyBatch('test', events.slice(3, 9)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProjectionApplyError);
    expect(err).toMatchObject({ projection: 'test', event: { position: 6, type: events[5]!.type } });
    expect(rm.checkpointSync('test')).toBe(3);
    expect((await rm.tableCounts('test')).test_log).toBe(3);
  });
});

/** A store holding a copy of `events` (e.g. a prefix of the log), at the same positions. */
async function storeOf(events: readonly StoredEvent[]): Promise<EventStore> {
  const store = new MemoryEventStore();
  for (const e of events) {
    await store.append(e.streamName, [{ type: e.type, data: e.data, metadata: e.metadata }], {
      expectedVersion: e.version - 1,
    });
  }
  return store;
}

/** A store whose log lacks the given positions, as a store that leaves gaps would return it. */
function withGaps(store: EventStore, missing: ReadonlySet<number>): EventStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'readAll') {
        return async (opts: ReadAllOptions = {}) =>
          (await target.readAll({ after: opts.after ?? 0, limit: 1_000_000 }))
            .filter((e) => !missing.has(e.position))
            .slice(0, opts.limit ?? 1000);
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
