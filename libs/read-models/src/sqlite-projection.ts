import type { Database } from 'better-sqlite3';
import type { StoredEvent } from '@patent-ledger/eventsourcing';

/** Maps a logical table name to its physical name (the live one, or a rebuild's shadow). */
export type TableNames = (logical: string) => string;

/**
 * A projection kept in SQLite. Its tables are addressed through `t()` in DDL and statements so that a
 * rebuild can build fresh shadow tables while the live ones keep answering queries.
 */
export interface SqliteProjection {
  name: string;
  /** Bumping it (or anything it encodes, like a policy) rebuilds the projection on start. */
  version: string;
  /** Logical names of the tables it owns. */
  tables: readonly string[];
  /** DDL: tables and indexes (index names must be built from t() too). */
  ddl(t: TableNames): string[];
  /** Prepares statements once and returns the function that applies one event. */
  prepare(db: Database, t: TableNames): (event: StoredEvent) => void;
}
