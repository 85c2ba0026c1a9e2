import { hostname } from 'node:os';
import {
  ProjectionApplyError,
  type EventStore,
  type ProjectionTarget,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { cursorSecret } from './cursor';
import {
  EventApplyError,
  type BatchApplyOptions,
  type ReadModelProjection,
  type TableNames,
} from './sqlite-projection';
import type { Dialect, ReadModelDb, SqlTx } from './sql';

export interface ReadModelsOptions {
  /** Events read per transaction during a rebuild. */
  rebuildBatchSize?: number;
  /** Called with progress during a rebuild (awaited, between the rebuild's transactions). */
  onRebuildProgress?: (name: string, position: number, head: number) => void | Promise<void>;
}

/** The former name. */
export type SqliteReadModelsOptions = ReadModelsOptions;

const identity: TableNames = (n) => n;

/** Applies a batch (events past the checkpoint, in order); throws ProjectionApplyError. */
type BatchApply = (tx: SqlTx, events: readonly StoredEvent[], options: BatchApplyOptions) => Promise<void>;

/** The projection's batch applier, or its per-event one in a loop; failures name the event. */
function batchApplier(p: ReadModelProjection, t: TableNames, d: Dialect): BatchApply {
  if (p.prepareBatch) {
    const apply = p.prepareBatch(t, d);
    return async (tx, events, options) => {
      if (events.length === 0) return;
      try {
        await apply(tx, events, options);
      } catch (err) {
        if (err instanceof EventApplyError) throw new ProjectionApplyError(p.name, err.event, err.cause);
        throw new ProjectionApplyError(p.name, events[events.length - 1]!, err);
      }
    };
  }
  const apply = p.prepare(t, d);
  return async (tx, events) => {
    for (const e of events) {
      try {
        await apply(tx, e);
      } catch (err) {
        throw new ProjectionApplyError(p.name, e, err);
      }
    }
  };
}

/** The tables of the ReadModels themselves: checkpoints and rebuild claims. */
export const READ_MODELS_DDL = (d: Dialect): string[] => [
  `CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name ${d.text} PRIMARY KEY, position ${d.bigint} NOT NULL, version ${d.text} NOT NULL, updated_at ${d.text} NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS projection_rebuilds (
    name ${d.text} PRIMARY KEY, pid ${d.int} NOT NULL, host ${d.text} NOT NULL, started_at ${d.text} NOT NULL)`,
];

/**
 * The read models and their checkpoints, in one SQL database (SQLite or PostgreSQL, through the
 * ReadModelDb port): one implementation of init, applyBatch, rebuild and the rebuild claim for both.
 * Rows and checkpoint of a batch are written in one transaction.
 */
export class ReadModels implements ProjectionTarget {
  readonly projectionNames: readonly string[];
  private readonly appliers = new Map<string, BatchApply>();
  private readonly byName = new Map<string, ReadModelProjection>();
  /** Settles when the checkpoint tables and the cursor secret exist. */
  protected readonly ready: Promise<void>;
  private closed = false;

  protected constructor(
    /** The read-model database, for queries. */
    readonly sql: ReadModelDb,
    readonly projections: readonly ReadModelProjection[],
    private readonly options: ReadModelsOptions,
  ) {
    this.projectionNames = projections.map((p) => p.name);
    for (const p of projections) this.byName.set(p.name, p);
    this.ready = sql
      .transaction(async (tx) => {
        // Two processes starting on a fresh database would race on CREATE TABLE IF NOT EXISTS.
        await sql.serialize(tx, 'setup');
        for (const ddl of READ_MODELS_DDL(sql.dialect)) await tx.exec(ddl);
      })
      .then(() => cursorSecret(sql))
      .then(() => undefined);
    this.ready.catch(() => undefined);
  }

  get dialect(): ReadModelDb['dialect'] {
    return this.sql.dialect;
  }

  /**
   * Creates missing projections and rebuilds those whose version changed. Needs the event store for
   * rebuilds; without one, a version change throws.
   */
  async init(store?: EventStore): Promise<void> {
    await this.ready;
    for (const p of this.projections) {
      const row = await this.sql.transaction((tx) =>
        tx.get<{ version: string }>('SELECT version FROM projection_checkpoints WHERE name = ?', [p.name]),
      );
      if (!row) {
        await this.sql.transaction(async (tx) => {
          // Another process may have created it meanwhile: creations queue on a lock, the later one sees the row.
          await this.sql.serialize(tx, `create:${p.name}`);
          const again = await tx.get('SELECT version FROM projection_checkpoints WHERE name = ?', [p.name]);
          if (again) return;
          await this.dropTablesLike(tx, p);
          for (const sql of p.ddl(identity, this.dialect)) await tx.exec(sql);
          await tx.run(
            'INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, 0, ?, ?) ON CONFLICT (name) DO NOTHING',
            [p.name, p.version, new Date().toISOString()],
          );
        });
      } else if (row.version !== p.version) {
        if (!store)
          throw new Error(
            `projection ${p.name} changed version (${row.version} → ${p.version}) and needs a rebuild`,
          );
        await this.rebuild(p.name, store);
      }
    }
  }

  async checkpoint(name: string): Promise<number> {
    await this.ready;
    return this.sql.transaction((tx) => this.checkpointIn(tx, name), 'read');
  }

  /** The checkpoint as seen by a transaction (e.g. a query's snapshot). */
  async checkpointIn(tx: SqlTx, name: string, lock = false): Promise<number> {
    const row = await tx.get<{ position: number }>(
      `SELECT position FROM projection_checkpoints WHERE name = ?${lock ? this.dialect.forUpdate : ''}`,
      [name],
    );
    return row?.position ?? 0;
  }

  async applyBatch(name: string, events: readonly StoredEvent[], after?: number): Promise<number> {
    this.assertOpen();
    await this.ready;
    const apply = this.applier(name);
    return this.sql.transaction(async (tx) => {
      // Locks the checkpoint row (PostgreSQL) so two projectors on one database apply a batch one
      // after the other; the second then skips what the first applied.
      const from = await this.checkpointIn(tx, name, true);
      // The batch was read after a checkpoint that has since moved back (a rebuild swapped its tables
      // in): it lacks the events in between. Apply nothing; the caller re-reads from `from`.
      if (after !== undefined && from < after) return from;
      // Positions increase along the batch; events at or below the checkpoint were applied already.
      const fresh = events.filter((e) => e.position > from);
      // Snapshot positions of these tables are checkpoints, i.e. batch ends (see BatchApplyOptions).
      await apply(tx, fresh, { snapshotsInside: false });
      const last = fresh.length ? fresh[fresh.length - 1]!.position : from;
      if (last !== from) {
        await tx.run('UPDATE projection_checkpoints SET position = ?, updated_at = ? WHERE name = ?', [
          last,
          new Date().toISOString(),
          name,
        ]);
      }
      return last;
    });
  }

  /**
   * Rebuilds a projection from position 0 into shadow tables while the live ones keep answering, then
   * swaps them in one transaction. Safe to run from another process while the api projects.
   */
  async rebuild(name: string, store: EventStore): Promise<{ position: number; events: number }> {
    this.assertOpen();
    await this.ready;
    const p = this.projection(name);
    const lock = await this.claimRebuild(name);
    try {
      return await this.rebuildClaimed(p, store);
    } finally {
      try {
        await this.sql.transaction((tx) =>
          tx.run('DELETE FROM projection_rebuilds WHERE name = ? AND pid = ? AND host = ?', [
            name,
            process.pid,
            hostname(),
          ]),
        );
      } finally {
        await lock.release();
      }
    }
  }

  /**
   * One rebuild of a projection at a time (across processes): a second one is refused while the
   * first runs; a claim left by a process that died is taken over. On PostgreSQL a session advisory
   * lock decides (released by the server when the holder's connection dies, on any host); the row
   * says who holds it. On SQLite (one host) the row decides, with the holder's liveness.
   */
  private async claimRebuild(name: string): Promise<{ release(): Promise<void> }> {
    const lock = await this.sql.tryLock(`rebuild:${name}`);
    try {
      await this.sql.transaction(async (tx) => {
        const row = await tx.get<{ pid: number; host: string; started_at: string }>(
          `SELECT pid, host, started_at FROM projection_rebuilds WHERE name = ?${this.dialect.forUpdate}`,
          [name],
        );
        const taken =
          !lock ||
          (!lock.exclusive && row !== undefined && (row.host !== hostname() || processAlive(row.pid)));
        if (taken) {
          const who = row ? ` (pid ${row.pid} on ${row.host}, since ${row.started_at})` : '';
          throw new Error(`a rebuild of ${name} is already running${who}`);
        }
        await tx.run(
          `INSERT INTO projection_rebuilds (name, pid, host, started_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET pid = excluded.pid, host = excluded.host, started_at = excluded.started_at`,
          [name, process.pid, hostname(), new Date().toISOString()],
        );
      });
    } catch (err) {
      await lock?.release();
      throw err;
    }
    return lock!;
  }

  private async rebuildClaimed(
    p: ReadModelProjection,
    store: EventStore,
  ): Promise<{ position: number; events: number }> {
    const name = p.name;
    const d = this.dialect;
    const suffix = `__r${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    const shadow: TableNames = (n) => `${n}${suffix}`;
    await this.sql.transaction(async (tx) => {
      await this.dropShadowTables(tx, p);
      for (const sql of p.ddl(shadow, d)) await tx.exec(sql);
    });
    const apply = batchApplier(p, shadow, d);
    const batchSize = this.options.rebuildBatchSize ?? 5000;
    let position = 0;
    let events = 0;
    try {
      for (;;) {
        const batch = await store.readAll({ after: position, limit: batchSize });
        const done = batch.length < batchSize;
        await this.sql.transaction(async (tx) => {
          // The swap locks the checkpoint row first, as applyBatch does, so the two queue rather than
          // deadlock (PostgreSQL).
          if (done) await this.checkpointIn(tx, name, true);
          // Cursors issued on the live tables carry positions inside these batches.
          await apply(tx, batch, { snapshotsInside: true });
          if (batch.length) position = batch[batch.length - 1]!.position;
          // The last batch is applied in the same transaction as the swap, so no event slips between.
          if (!done) return;
          for (const t of p.tables) await tx.exec(`DROP TABLE IF EXISTS "${t}"`);
          for (const t of p.tables) await tx.exec(`ALTER TABLE "${shadow(t)}" RENAME TO "${t}"`);
          await tx.run(
            `INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT(name) DO UPDATE SET position = excluded.position, version = excluded.version, updated_at = excluded.updated_at`,
            [name, position, p.version, new Date().toISOString()],
          );
        });
        events += batch.length;
        await this.options.onRebuildProgress?.(name, position, done ? position : await store.headPosition());
        if (done) break;
      }
    } catch (err) {
      await this.sql.transaction((tx) => this.dropShadowTables(tx, p));
      throw err;
    }
    this.appliers.delete(name);
    return { position, events };
  }

  /** Row counts of each table of a projection (for status pages and tests). */
  async tableCounts(name: string): Promise<Record<string, number>> {
    await this.ready;
    const p = this.projection(name);
    return this.sql.transaction(async (tx) => {
      const out: Record<string, number> = {};
      for (const t of p.tables) {
        out[t] = (await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM "${t}"`))!.n;
      }
      return out;
    }, 'read');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ready.catch(() => undefined);
    await this.sql.close();
  }

  private projection(name: string): ReadModelProjection {
    const p = this.byName.get(name);
    if (!p) throw new Error(`unknown projection ${name}; known: ${this.projectionNames.join(', ')}`);
    return p;
  }

  private applier(name: string): BatchApply {
    let a = this.appliers.get(name);
    if (!a) {
      a = batchApplier(this.projection(name), identity, this.dialect);
      this.appliers.set(name, a);
    }
    return a;
  }

  private async dropShadowTables(tx: SqlTx, p: ReadModelProjection): Promise<void> {
    for (const name of await this.sql.tableNames(tx)) {
      if (p.tables.some((t) => name.startsWith(`${t}__r`))) await tx.exec(`DROP TABLE IF EXISTS "${name}"`);
    }
  }

  private async dropTablesLike(tx: SqlTx, p: ReadModelProjection): Promise<void> {
    await this.dropShadowTables(tx, p);
    for (const t of p.tables) await tx.exec(`DROP TABLE IF EXISTS "${t}"`);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('ReadModels is closed');
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
