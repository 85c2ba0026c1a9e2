import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { cursorSecret } from './cursor';
import Database from 'better-sqlite3';
import { ProjectionApplyError, type EventStore, type ProjectionTarget, type StoredEvent } from '@patent-ledger/eventsourcing';
import type { SqliteProjection, TableNames } from './sqlite-projection';

export interface SqliteReadModelsOptions {
  /** Events read per transaction during a rebuild. */
  rebuildBatchSize?: number;
  /** Called with progress during a rebuild. */
  onRebuildProgress?: (name: string, position: number, head: number) => void;
}

const identity: TableNames = (n) => n;

/**
 * Read models in a SQLite file of their own (WAL; synchronous=NORMAL: a read model lost in a power
 * cut is rebuilt from the log, and its checkpoint is lost with it, so they never disagree).
 */
export class SqliteReadModels implements ProjectionTarget {
  readonly projectionNames: readonly string[];
  private readonly appliers = new Map<string, (e: StoredEvent) => void>();
  private readonly byName = new Map<string, SqliteProjection>();
  private closed = false;

  private constructor(
    readonly db: Database.Database,
    readonly projections: readonly SqliteProjection[],
    private readonly options: SqliteReadModelsOptions,
  ) {
    this.projectionNames = projections.map((p) => p.name);
    for (const p of projections) this.byName.set(p.name, p);
    db.exec(`CREATE TABLE IF NOT EXISTS projection_checkpoints (
      name TEXT PRIMARY KEY, position INTEGER NOT NULL, version TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS projection_rebuilds (
      name TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, started_at TEXT NOT NULL)`);
    cursorSecret(db);
  }

  static open(file: string, projections: readonly SqliteProjection[], options: SqliteReadModelsOptions = {}): SqliteReadModels {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 10000');
    return new SqliteReadModels(db, projections, options);
  }

  /**
   * Creates missing projections and rebuilds those whose version changed. Needs the event store for
   * rebuilds; without one, a version change throws.
   */
  async init(store?: EventStore): Promise<void> {
    for (const p of this.projections) {
      const row = this.db.prepare('SELECT version FROM projection_checkpoints WHERE name = ?').get(p.name) as
        | { version: string }
        | undefined;
      if (!row) {
        this.db.transaction(() => {
          this.dropTablesLike(p);
          for (const sql of p.ddl(identity)) this.db.exec(sql);
          this.db
            .prepare('INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, 0, ?, ?)')
            .run(p.name, p.version, new Date().toISOString());
        }).immediate();
      } else if (row.version !== p.version) {
        if (!store) throw new Error(`projection ${p.name} changed version (${row.version} → ${p.version}) and needs a rebuild`);
        await this.rebuild(p.name, store);
      }
    }
  }

  async checkpoint(name: string): Promise<number> {
    return this.checkpointSync(name);
  }

  checkpointSync(name: string): number {
    const row = this.db.prepare('SELECT position FROM projection_checkpoints WHERE name = ?').get(name) as
      | { position: number }
      | undefined;
    return row?.position ?? 0;
  }

  async applyBatch(name: string, events: readonly StoredEvent[], after?: number): Promise<number> {
    this.assertOpen();
    const apply = this.applier(name);
    return this.db.transaction(() => {
      const from = this.checkpointSync(name);
      // The batch was read after a checkpoint that has since moved back (a rebuild swapped its tables
      // in): it lacks the events in between. Apply nothing; the caller re-reads from `from`.
      if (after !== undefined && from < after) return from;
      let last = from;
      for (const e of events) {
        if (e.position <= last) continue;
        try {
          apply(e);
        } catch (err) {
          throw new ProjectionApplyError(name, e, err);
        }
        last = e.position;
      }
      if (last !== from) this.setCheckpoint(name, last);
      return last;
    }).immediate();
  }

  /**
   * Rebuilds a projection from position 0 into shadow tables while the live ones keep answering, then
   * swaps them in one transaction. Safe to run from another process while the api projects.
   */
  async rebuild(name: string, store: EventStore): Promise<{ position: number; events: number }> {
    this.assertOpen();
    const p = this.projection(name);
    this.claimRebuild(name);
    try {
      return await this.rebuildClaimed(p, store);
    } finally {
      this.db.prepare('DELETE FROM projection_rebuilds WHERE name = ? AND pid = ? AND host = ?').run(name, process.pid, hostname());
    }
  }

  /**
   * One rebuild of a projection at a time (across processes): a second one is refused while the
   * first runs; a claim left by a process that died is taken over.
   */
  private claimRebuild(name: string): void {
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT pid, host, started_at FROM projection_rebuilds WHERE name = ?').get(name) as
        | { pid: number; host: string; started_at: string }
        | undefined;
      if (row && (row.host !== hostname() || processAlive(row.pid))) {
        throw new Error(`a rebuild of ${name} is already running (pid ${row.pid} on ${row.host}, since ${row.started_at})`);
      }
      this.db
        .prepare(
          `INSERT INTO projection_rebuilds (name, pid, host, started_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET pid = excluded.pid, host = excluded.host, started_at = excluded.started_at`,
        )
        .run(name, process.pid, hostname(), new Date().toISOString());
    }).immediate();
  }

  private async rebuildClaimed(p: SqliteProjection, store: EventStore): Promise<{ position: number; events: number }> {
    const name = p.name;
    const suffix = `__r${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    const shadow: TableNames = (n) => `${n}${suffix}`;
    this.db.transaction(() => {
      this.dropShadowTables(p);
      for (const sql of p.ddl(shadow)) this.db.exec(sql);
    }).immediate();
    const apply = p.prepare(this.db, shadow);
    const batchSize = this.options.rebuildBatchSize ?? 5000;
    let position = 0;
    let events = 0;
    try {
      for (;;) {
        const batch = await store.readAll({ after: position, limit: batchSize });
        const done = batch.length < batchSize;
        // The last batch is applied in the same transaction as the swap, so no event slips between.
        const swap = (): void => {
          for (const sql of p.tables.map((t) => `DROP TABLE IF EXISTS "${t}"`)) this.db.exec(sql);
          for (const t of p.tables) this.db.exec(`ALTER TABLE "${shadow(t)}" RENAME TO "${t}"`);
          this.db
            .prepare(
              `INSERT INTO projection_checkpoints (name, position, version, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT(name) DO UPDATE SET position = excluded.position, version = excluded.version, updated_at = excluded.updated_at`,
            )
            .run(name, position, p.version, new Date().toISOString());
        };
        this.db.transaction(() => {
          for (const e of batch) {
            try {
              apply(e);
            } catch (err) {
              throw new ProjectionApplyError(name, e, err);
            }
            position = e.position;
          }
          if (done) swap();
        }).immediate();
        events += batch.length;
        this.options.onRebuildProgress?.(name, position, done ? position : await store.headPosition());
        if (done) break;
      }
    } catch (err) {
      this.db.transaction(() => this.dropShadowTables(p)).immediate();
      throw err;
    }
    this.appliers.delete(name);
    return { position, events };
  }

  /** Row counts of each table of a projection (for status pages and tests). */
  tableCounts(name: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of this.projection(name).tables) {
      out[t] = (this.db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private projection(name: string): SqliteProjection {
    const p = this.byName.get(name);
    if (!p) throw new Error(`unknown projection ${name}; known: ${this.projectionNames.join(', ')}`);
    return p;
  }

  private applier(name: string): (e: StoredEvent) => void {
    let a = this.appliers.get(name);
    if (!a) {
      a = this.projection(name).prepare(this.db, identity);
      this.appliers.set(name, a);
    }
    return a;
  }

  private setCheckpoint(name: string, position: number): void {
    this.db
      .prepare('UPDATE projection_checkpoints SET position = ?, updated_at = ? WHERE name = ?')
      .run(position, new Date().toISOString(), name);
  }

  private dropShadowTables(p: SqliteProjection): void {
    const rows = this.db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`)
      .all() as { name: string }[];
    for (const { name } of rows) {
      if (p.tables.some((t) => name.startsWith(`${t}__r`))) this.db.exec(`DROP TABLE IF EXISTS "${name}"`);
    }
  }

  private dropTablesLike(p: SqliteProjection): void {
    this.dropShadowTables(p);
    for (const t of p.tables) this.db.exec(`DROP TABLE IF EXISTS "${t}"`);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('SqliteReadModels is closed');
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
