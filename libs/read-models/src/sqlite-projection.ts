import type { StoredEvent } from '@patent-ledger/eventsourcing';
import type { Dialect, SqlTx } from './sql';

/** Maps a logical table name to its physical name (the live one, or a rebuild's shadow). */
export type TableNames = (logical: string) => string;

/** Applies one event inside the batch's transaction. */
export type ProjectionApplier = (tx: SqlTx, event: StoredEvent) => Promise<void>;

export interface BatchApplyOptions {
  /**
   * Queries may take a snapshot at any position inside the batch, not only at its end. False when the
   * batch ends at a checkpoint that every snapshot position of these tables is (the Projector's
   * batches: a listing's snapshot is the checkpoint it read). True for a rebuild: cursors issued on
   * the live tables carry checkpoints that fall anywhere inside the rebuild's (larger) batches, and
   * must keep paging exactly after the rebuilt tables are swapped in.
   */
  snapshotsInside: boolean;
}

/**
 * Applies a batch of events (in position order, each past the checkpoint) inside the batch's
 * transaction. A failure caused by one event is thrown as an EventApplyError naming it.
 */
export type ProjectionBatchApplier = (
  tx: SqlTx,
  events: readonly StoredEvent[],
  options: BatchApplyOptions,
) => Promise<void>;

/** A batch applier failed because of `event` (the caller reports it as a ProjectionApplyError). */
export class EventApplyError extends Error {
  constructor(
    readonly event: StoredEvent,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'EventApplyError';
  }
}

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
  /**
   * Optional: the function that applies a whole batch at once (e.g. loading the rows it needs in bulk
   * and writing each once). Used instead of `prepare` when present; it must leave the tables as
   * applying the events one by one would, up to what `BatchApplyOptions` allows.
   */
  prepareBatch?(t: TableNames, d: Dialect): ProjectionBatchApplier;
}

/** The former name, from when read models lived in SQLite only. */
export type SqliteProjection = ReadModelProjection;

/**
 * A projection written as a batch applier only: its `prepare` applies one event as a batch of one
 * (keeping every version, as `snapshotsInside` asks). The batch applier is captured here, so a copy
 * of the projection without `prepareBatch` (tests wrap `prepare`) still applies its events.
 */
export function batchProjection(
  p: Omit<ReadModelProjection, 'prepare' | 'prepareBatch'> & {
    prepareBatch: NonNullable<ReadModelProjection['prepareBatch']>;
  },
): ReadModelProjection {
  const prepareBatch = p.prepareBatch;
  return {
    ...p,
    prepare: (t, d) => {
      const batch = prepareBatch(t, d);
      return (tx, e) => batch(tx, [e], { snapshotsInside: true });
    },
  };
}
