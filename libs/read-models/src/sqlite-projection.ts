import type { StoredEvent } from '@patent-ledger/eventsourcing';
import type { Dialect, SqlTx } from './sql';

/** Maps a logical table name to its physical name (the live one, or a rebuild's shadow). */
export type TableNames = (logical: string) => string;

/** Applies one event inside the batch's transaction. */
export type ProjectionApplier = (tx: SqlTx, event: StoredEvent) => Promise<void>;

/**
 * A projection kept in a SQL read-model database (SQLite or PostgreSQL): written once, in SQL both
 * accept, with the few differing spellings taken from the Dialect. Its tables are addressed through
 * `t()` in DDL and statements so that a rebuild can build fresh shadow tables while the live ones keep
 * answering queries.
 */
export interface ReadModelProjection {
  name: string;
  /** Bumping it (or anything it encodes, like a policy) rebuilds the projection on start. */
  version: string;
  /** Logical names of the tables it owns. */
  tables: readonly string[];
  /** DDL: tables and indexes (index names must be built from t() too); column types from `d`. */
  ddl(t: TableNames, d: Dialect): string[];
  /** Builds its statements' SQL once and returns the function that applies one event. */
  prepare(t: TableNames, d: Dialect): ProjectionApplier;
}

/** The former name, from when read models lived in SQLite only. */
export type SqliteProjection = ReadModelProjection;
