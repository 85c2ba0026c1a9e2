import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { READ_MODELS_DDL, ReadModels, type ReadModelsOptions } from './read-models';
import type { ReadModelProjection } from './sqlite-projection';
import { SQLITE_DIALECT, SqliteReadModelDb } from './sql';

/**
 * Read models in a SQLite file of their own (WAL; synchronous=NORMAL: a read model lost in a power
 * cut is rebuilt from the log, and its checkpoint is lost with it, so they never disagree).
 */
export class SqliteReadModels extends ReadModels {
  /** The SQLite connection itself, for SQLite-only tools and tests. */
  readonly db: Database.Database;

  private constructor(
    sql: SqliteReadModelDb,
    projections: readonly ReadModelProjection[],
    options: ReadModelsOptions,
  ) {
    super(sql, projections, options);
    this.db = sql.raw;
  }

  static open(
    file: string,
    projections: readonly ReadModelProjection[],
    options: ReadModelsOptions & {
      /** Time budget of a read transaction (the queries), ms (0 or absent: none); see SqliteReadModelDb. */
      queryTimeoutMs?: number;
    } = {},
  ): SqliteReadModels {
    if (file !== ':memory:') {
      // Owner only, as the ledger's own file (the read models copy its deal data): 0700 folders, 0600 file.
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      try {
        closeSync(openSync(file, 'wx', 0o600));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    const sql = SqliteReadModelDb.open(file, options.queryTimeoutMs ?? 0);
    // At once, so that the checkpoints answer (checkpointSync) as soon as open returns.
    for (const ddl of READ_MODELS_DDL(SQLITE_DIALECT)) sql.raw.exec(ddl);
    return new SqliteReadModels(sql, projections, options);
  }

  /** The checkpoint, read synchronously (SQLite only; tests and tools). */
  checkpointSync(name: string): number {
    const row = this.db.prepare('SELECT position FROM projection_checkpoints WHERE name = ?').get(name) as
      { position: number } | undefined;
    return row?.position ?? 0;
  }
}
