/**
 * # PostgreSQL event store
 *
 * **Global order.** Positions come from a sequence (`bigserial`): strictly increasing in the order
 * they are *taken*, not in the order transactions *commit*. Transaction A can take position 10,
 * B take 11 and commit first; a reader asking for `position > checkpoint` would return 11, move its
 * checkpoint past 10 and never see it. So every event records the id of the transaction that wrote
 * it (`tx xid8`) and `readAll` returns only events of transactions older than every transaction
 * still in flight:
 * `position > $after AND tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY position`.
 * `headPosition` is the highest position under the same rule.
 *
 * That rule is sound only if transaction ids are handed out in the same order as positions, which
 * PostgreSQL does not do by itself: a transaction gets its id at its first write or row lock, which
 * may come before or after another transaction takes positions (a `SELECT … FOR UPDATE` on the
 * stream row, for one, assigns it early). Hence the **sequencer**, a session-level advisory lock per
 * schema. The statement that writes an append takes it, assigns the transaction id, takes the
 * positions and releases it, in that order, before inserting anything (in `append_events`, statements
 * in that order; in the batch's `write`, nested subqueries whose data dependencies fix the order);
 * nothing earlier in the transaction assigns an id (the stream is locked with a transaction-level
 * advisory lock, the reads are plain reads). So a smaller position always
 * belongs to a transaction with an id no larger, and "this event's transaction is older than every
 * open one" implies "every smaller position is committed or rolled back". The lock is held for
 * microseconds inside one statement, not through the commit: appends still commit in parallel.
 * `readStream` needs no such rule: writers of one stream queue on its lock, so a stream's events
 * commit in version order.
 *
 * The price is latency, never correctness: while a transaction of the cluster that began before an
 * event's own is still open (another append, a long report, a session left "idle in transaction"),
 * the event is held back. So that a reader usually sees what was just committed, `readAll` and
 * `headPosition` wait, when committed events are held back, up to `visibilityWaitMs` (default
 * 100 ms) for those older transactions to end, then read again; after that they return what is
 * safe. Set `idle_in_transaction_session_timeout` on the server so that a forgotten session cannot
 * stall readers.
 *
 * **Gaps.** An append rolled back after taking positions (duplicate event id, concurrent duplicate
 * command, crash) leaves gaps. Positions stay strictly increasing, so a checkpoint (the last
 * position applied) stays valid; they just do not count events. The contract suite runs with
 * `contiguousPositions: false` for this store.
 *
 * **Isolation.** READ COMMITTED with explicit locks. `append` is one call of the PL/pgSQL function
 * `append_events` (migration 2), one statement and so its own transaction: one round trip. The
 * function locks the stream (`pg_advisory_xact_lock` on a hash of schema and stream name), reads the
 * command record (if recorded: returns it, before any version check, and the store replays it), then
 * the stream's version and last hash (each statement of a VOLATILE function reads a fresh snapshot,
 * so after the lock it sees every earlier writer's commit). The hashes are computed by the store
 * before the call, on the head it guesses: version 0 for a new stream, else the version and last
 * hash it last saw of the stream (`StreamHeads`, bounded, filled by appends, `readStream` and
 * `streamVersion`); without a guess the call is a probe. When the stream is not at that head, the
 * function writes nothing and returns the actual head: the store then checks the expected version
 * against it (WrongExpectedVersionError) or computes the hashes again and repeats the call. Else
 * the function writes the events, upserts the stream row and records the command, and the commit
 * follows. So an append costs one round trip when the guess is right, two when it is not. Appends
 * with no events or with repeated event ids, and appends whose stream kept moving for three calls,
 * take the older path: a transaction that locks the stream (with BEGIN), reads the command record
 * and the head, checks, writes in one statement and commits (four round trips). Writers of one
 * stream queue on its lock; writers of different streams do not wait for each other. A concurrent
 * duplicate of a command id on *another* stream surfaces as a unique violation on `commands`: the
 * append is then retried and finds the recorded command (the duplicate outcome, or
 * IdempotencyKeyReusedError). Should `append_events` fail while it holds the sequencer (a session
 * lock outlives the transaction), the store releases it on that connection, or closes the
 * connection.
 * `appendMany` is one transaction of six statements, whatever the batch's size (batch-plan.ts):
 * it locks all its streams, in key order (so batches cannot deadlock), reads their heads and the
 * batch's recorded commands, decides every request in order in the store (replay, expected version,
 * hashes chained on the head the batch's earlier requests left), and writes every event, stream head
 * and command record in one statement, which takes the batch's positions in one critical section of
 * the sequencer (one transaction id, contiguous positions). A batch that cannot be decided from the
 * heads (a command id twice, an event id in two requests, JSON that `json_to_recordset` cannot
 * decode), or whose write the server refuses on its data (an event id already stored, a command id
 * recorded concurrently on another stream, a value out of range), is written request by
 * request instead: the sequencer held for the whole batch, each request in a SAVEPOINT, a request
 * that fails rolled back to its savepoint and reported in its slot. Other writers wait for the
 * sequencer while such a batch runs: keep batches to about a second of work.
 *
 * **Durability** is PostgreSQL's `synchronous_commit`, inherited from the server, database or role.
 * With the default `on`, an append is acknowledged only after its commit record is flushed to the
 * WAL on disk (and, with `synchronous_standby_names`, to the synchronous standbys). With `off`, the
 * last commits (up to three times `wal_writer_delay`) may be lost on a server crash, though the log
 * stays consistent. This store is a system of record: leave it `on`.
 *
 * **Storage.** `data` and `metadata` are `json`: the text exactly as `JSON.stringify` wrote it (key
 * order and numbers kept, still queryable with `->>`), and the hash chain is computed over the
 * canonical form of exactly that text (`canonicalOfStored`). Parameterised statements are named prepared statements, planned once
 * per connection. Migrations run on `open` in one transaction under an advisory lock, recorded in
 * `schema_migrations`, so concurrent opens queue instead of racing. The pool's connections must hold
 * no session-level advisory lock of their own: ending a transaction that took the sequencer calls
 * `pg_advisory_unlock_all()`.
 */
import {
  DatabaseError,
  Pool,
  escapeLiteral,
  type PoolClient,
  type QueryConfig,
  type QueryResultRow,
} from 'pg';
import {
  EventSourcingError,
  GENESIS_HASH,
  IdempotencyKeyReusedError,
  InvalidAppendError,
  checkExpectedVersion,
  validateAppend,
  type AppendManyResult,
  type AppendOptions,
  type AppendRequest,
  type AppendResult,
  type ChainHead,
  type ChainHeadStore,
  type CommandRecord,
  type EventMetadata,
  type EventStore,
  type ExpectedVersion,
  type JsonObject,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  chainHeadFromRow,
  commandRecordFromRow,
  commandRecordOf,
  type ChainHeadRow,
  type CommandRow,
  trimOldest,
} from '@patent-ledger/eventsourcing';
import { batchKeys, planBatch } from './batch-plan';
import { assertDistinctEventIds, chainHashes, prepareEvent, type PreparedEvent } from './prepared-event';

export interface PostgresEventStoreOptions {
  /** e.g. `postgres://user@host:5432/db`. */
  connectionString: string;
  /** Schema holding the tables; created if missing. Default `'public'`. */
  schema?: string;
  /** Maximum connections in the pool. Default 10. */
  poolSize?: number;
  /**
   * How long `readAll` / `headPosition` may wait, when committed events are held back by older
   * transactions still in flight, for those transactions to end (ms). Default 100; 0 never waits.
   */
  visibilityWaitMs?: number;
  /** `application_name` of the connections (shown in `pg_stat_activity`). Default `'patent-ledger'`. */
  applicationName?: string;
  /** Errors of idle pooled connections (e.g. the server restarted). Default: ignored, the pool replaces them. */
  onPoolError?: (error: Error) => void;
}

const DEFAULT_READ_ALL_LIMIT = 1000;
/** Attempts of one append when it hit a deadlock or a concurrent duplicate command id. */
const MAX_ATTEMPTS = 3;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** Versions are `integer` columns. */
const MAX_VERSION = 2_147_483_647;

/**
 * Schema migrations: entry i brings the schema from version i to i + 1 (one row per applied version
 * in `schema_migrations`). Append new entries; never edit an applied one.
 */
const MIGRATIONS: readonly ((s: string, schema: string) => string)[] = [
  (s) => `
  CREATE TABLE ${s}.events (
    position    bigserial PRIMARY KEY,
    tx          xid8    NOT NULL DEFAULT pg_current_xact_id(),
    stream_name text    NOT NULL,
    version     integer NOT NULL,
    type        text    NOT NULL,
    data        json    NOT NULL,
    metadata    json    NOT NULL,
    event_id    text    NOT NULL,
    command_id  text    NOT NULL,
    recorded_at text    NOT NULL,
    hash        text    NOT NULL,
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    CONSTRAINT events_stream_version_key UNIQUE (stream_name, version)
  );
  CREATE TABLE ${s}.streams (
    stream_name text    PRIMARY KEY,
    version     integer NOT NULL,
    last_hash   text
  );
  CREATE TABLE ${s}.commands (
    command_id     text    NOT NULL,
    fingerprint    text    NOT NULL,
    stream_name    text    NOT NULL,
    from_version   integer NOT NULL,
    to_version     integer NOT NULL,
    first_position bigint  NOT NULL,
    last_position  bigint  NOT NULL,
    recorded_at    text    NOT NULL,
    CONSTRAINT commands_pkey PRIMARY KEY (command_id)
  );
  CREATE TABLE ${s}.chain_heads (
    seq        bigserial PRIMARY KEY,
    position   bigint NOT NULL,
    count      bigint NOT NULL,
    head       text   NOT NULL,
    signed_at  text   NOT NULL,
    key_id     text   NOT NULL,
    signature  text   NOT NULL
  );
  `,
  // 2: `append_events`, a whole append in one statement (see the notes at the top of this file).
  (s, schema) => `
  CREATE FUNCTION ${s}.append_events(
    p_stream text, p_version integer, p_previous_hash text,
    p_types text[], p_data text[], p_metadata text[], p_event_ids text[], p_command_ids text[],
    p_recorded_ats text[], p_hashes text[],
    p_command_id text, p_fingerprint text, p_command_recorded_at text,
    OUT r_status text, OUT r_version integer, OUT r_last_hash text, OUT r_positions bigint[],
    OUT r_fingerprint text, OUT r_stream_name text, OUT r_from_version integer, OUT r_to_version integer,
    OUT r_first_position bigint, OUT r_last_position bigint, OUT r_recorded_at text)
  LANGUAGE plpgsql VOLATILE
  AS $fn$
  DECLARE
    n   integer := coalesce(cardinality(p_types), 0);
    seq bigint  := hashtextextended('patent-ledger:sequencer:${schema}', 0);
    tx  xid8;
  BEGIN
    -- The stream's lock first (it assigns no transaction id); every read below takes a fresh snapshot.
    PERFORM pg_advisory_xact_lock(hashtextextended('patent-ledger:stream:${schema}:' || p_stream, 0));
    IF p_command_id IS NOT NULL THEN
      SELECT c.fingerprint, c.stream_name, c.from_version, c.to_version, c.first_position, c.last_position,
             c.recorded_at
        INTO r_fingerprint, r_stream_name, r_from_version, r_to_version, r_first_position, r_last_position,
             r_recorded_at
        FROM ${s}.commands AS c WHERE c.command_id = p_command_id;
      IF FOUND THEN
        r_status := 'recorded';
        RETURN;
      END IF;
    END IF;
    SELECT st.version, st.last_hash INTO r_version, r_last_hash FROM ${s}.streams AS st WHERE st.stream_name = p_stream;
    r_version := coalesce(r_version, 0);
    IF r_version <> p_version OR r_last_hash IS DISTINCT FROM p_previous_hash OR n = 0 THEN
      r_status := 'moved';
      RETURN;
    END IF;
    -- The sequencer's critical section: lock, transaction id, positions, unlock.
    PERFORM pg_advisory_lock(seq);
    tx := pg_current_xact_id();
    r_positions := ARRAY(SELECT nextval('${s}.events_position_seq'::regclass)
                         FROM generate_series(1, n) AS g ORDER BY g);
    PERFORM pg_advisory_unlock(seq);
    INSERT INTO ${s}.events (position, tx, stream_name, version, type, data, metadata, event_id, command_id,
                             recorded_at, hash)
    SELECT r_positions[i.k], tx, p_stream, p_version + i.k::integer, i.type, i.data::json, i.metadata::json,
           i.event_id, i.command_id, i.recorded_at, i.hash
    FROM unnest(p_types, p_data, p_metadata, p_event_ids, p_command_ids, p_recorded_ats, p_hashes)
         WITH ORDINALITY AS i (type, data, metadata, event_id, command_id, recorded_at, hash, k);
    r_version := p_version + n;
    r_last_hash := p_hashes[n];
    INSERT INTO ${s}.streams AS st (stream_name, version, last_hash) VALUES (p_stream, r_version, r_last_hash)
    ON CONFLICT (stream_name) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash;
    IF p_command_id IS NOT NULL THEN
      INSERT INTO ${s}.commands (command_id, fingerprint, stream_name, from_version, to_version, first_position,
                                 last_position, recorded_at)
      VALUES (p_command_id, p_fingerprint, p_stream, p_version + 1, r_version, r_positions[1], r_positions[n],
              p_command_recorded_at);
    END IF;
    r_status := 'appended';
  END
  $fn$;
  `,
];

const EVENT_COLUMNS = 'position, stream_name, version, type, data, metadata, hash';

interface EventRow {
  position: string;
  stream_name: string;
  version: number;
  type: string;
  data: JsonObject;
  metadata: EventMetadata;
  hash: string;
}

interface StreamRow {
  version: number;
  last_hash: string | null;
}

type StreamStateRow = { stream_version: number | null; last_hash: string | null } & (
  CommandRow | { [K in keyof CommandRow]: null }
);

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    streamName: row.stream_name,
    version: row.version,
    position: Number(row.position),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    hash: row.hash,
  };
}

/** The SQL of every statement, for one schema. Each runs as a named prepared statement. */
function statements(schema: string) {
  const s = quoteIdentifier(schema);
  const safeHorizon = '(SELECT pg_snapshot_xmin(pg_current_snapshot()))';
  // Advisory lock keys, per database: one per stream of this schema, and the schema's sequencer.
  // (The schema name is a plain identifier, checked by SCHEMA_NAME, so it can sit in a literal.)
  const streamKey = (name: string) => `hashtextextended('patent-ledger:stream:${schema}:' || ${name}, 0)`;
  const sequencerKey = `hashtextextended('patent-ledger:sequencer:${schema}', 0)`;
  /**
   * `seq`, the sequencer's critical section, in nested subqueries whose data dependencies fix the
   * order: take the lock, assign this transaction's id, take `count` positions, release the lock.
   * (OFFSET 0 keeps each level a plan node of its own; every value is passed up, so none is
   * optimised away.) Every write of the statement reads `seq`, so none of them can assign the
   * transaction id before the lock is held.
   */
  const sequenced = (count: string) => `seq AS MATERIALIZED (
        SELECT p.locked, p.tx, p.positions, pg_advisory_unlock(${sequencerKey}) AS unlocked
        FROM (
          SELECT l.locked, pg_current_xact_id() AS tx,
                 ARRAY(SELECT nextval('${s}.events_position_seq'::regclass)
                       FROM generate_series(1, ${count}) AS g ORDER BY g) AS positions
          FROM (SELECT pg_advisory_lock(${sequencerKey}) AS locked OFFSET 0) AS l
          OFFSET 0
        ) AS p
      )`;
  return {
    findCommand: `SELECT * FROM ${s}.commands WHERE command_id = $1`,
    /** Locks streams until the transaction ends, in key order (so two batches cannot deadlock). */
    lockStreams: `SELECT pg_advisory_xact_lock(k)
                  FROM (SELECT DISTINCT ${streamKey('name')} AS k FROM unnest($1::text[]) AS name) AS keys
                  ORDER BY k`,
    /** The stream's version and last hash, and the command's record (all null when absent). */
    streamState: `
      SELECT s.version AS stream_version, s.last_hash, c.*
      FROM (VALUES (1)) AS one (x)
      LEFT JOIN ${s}.streams AS s ON s.stream_name = $1
      LEFT JOIN ${s}.commands AS c ON c.command_id = $2`,
    /** Holds the sequencer for a whole batch (the writes below then nest their own lock in it). */
    lockSequencer: `SELECT pg_advisory_lock(${sequencerKey})`,
    streamVersion: `SELECT version, last_hash FROM ${s}.streams WHERE stream_name = $1`,
    /**
     * All writes of an append in one round trip: `seq` (see `sequenced`), then the events at its
     * positions, the stream's new version and last hash, and the command record (when $11 is set).
     */
    write: `
      WITH ${sequenced('cardinality($3::text[])')}, ev AS (
        INSERT INTO ${s}.events (position, tx, stream_name, version, type, data, metadata, event_id, command_id,
                                 recorded_at, hash)
        SELECT seq.positions[i.n], seq.tx, $1, $2::integer + i.n::integer, i.type, i.data::json, i.metadata::json,
               i.event_id, i.command_id, i.recorded_at, i.hash
        FROM seq, unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
             WITH ORDINALITY AS i (type, data, metadata, event_id, command_id, recorded_at, hash, n)
        RETURNING position, version
      ), st AS (
        INSERT INTO ${s}.streams (stream_name, version, last_hash)
        SELECT $1, $2::integer + cardinality($3::text[]), $10 FROM seq WHERE cardinality($3::text[]) > 0
        ON CONFLICT (stream_name) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash
      ), cmd AS (
        INSERT INTO ${s}.commands (command_id, fingerprint, stream_name, from_version, to_version,
                                   first_position, last_position, recorded_at)
        SELECT $11, $12, $1, $2::integer + 1, $2::integer + cardinality($3::text[]),
               coalesce(seq.positions[1], 0), coalesce(seq.positions[cardinality(seq.positions)], 0), $13
        FROM seq WHERE $11::text IS NOT NULL
      )
      SELECT position, version FROM ev ORDER BY version`,
    findCommands: `SELECT * FROM ${s}.commands WHERE command_id = ANY($1::text[])`,
    streamHeadsOf: `SELECT stream_name, version, last_hash FROM ${s}.streams WHERE stream_name = ANY($1::text[])`,
    /**
     * All rows of a batch in one statement, from three JSON texts (batch-plan.ts): `seq` (see
     * `sequenced`) taking one position per event; then the events at those positions, one upsert per
     * stream (its final head) and the command records, whose first and last positions are looked up
     * by 1-based event index (0: none). Returns the positions, in event order.
     */
    writeMany: `
      WITH ${sequenced('$2::integer')}, ev AS (
        INSERT INTO ${s}.events (position, tx, stream_name, version, type, data, metadata, event_id, command_id,
                                 recorded_at, hash)
        SELECT seq.positions[i.n], seq.tx, i.s, i.v, i.t, i.d, i.m, i.e, i.c, i.r, i.h
        FROM seq, ROWS FROM (json_to_recordset($1::json)
                               AS (s text, v integer, t text, d json, m json, e text, c text, r text, h text))
                  WITH ORDINALITY AS i (s, v, t, d, m, e, c, r, h, n)
      ), st AS (
        INSERT INTO ${s}.streams (stream_name, version, last_hash)
        SELECT h.s, h.v, h.h FROM seq, json_to_recordset($3::json) AS h (s text, v integer, h text)
        ON CONFLICT (stream_name) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash
      ), cmd AS (
        INSERT INTO ${s}.commands (command_id, fingerprint, stream_name, from_version, to_version,
                                   first_position, last_position, recorded_at)
        SELECT c.i, c.f, c.s, c.a, c.b, coalesce(seq.positions[nullif(c.p, 0)], 0),
               coalesce(seq.positions[nullif(c.q, 0)], 0), c.r
        FROM seq, json_to_recordset($4::json)
                  AS c (i text, f text, s text, a integer, b integer, p integer, q integer, r text)
      )
      SELECT positions FROM seq`,
    /** A whole append in one statement, its own transaction (migration 2). */
    appendEvents: `SELECT * FROM ${s}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    readStream: `SELECT ${EVENT_COLUMNS} FROM ${s}.events
                 WHERE stream_name = $1 AND version >= $2 AND version <= $3 ORDER BY version LIMIT $4`,
    readAll: `SELECT ${EVENT_COLUMNS} FROM ${s}.events
              WHERE position > $1 AND tx < ${safeHorizon} ORDER BY position LIMIT $2`,
    headPosition: `SELECT position FROM ${s}.events WHERE tx < ${safeHorizon} ORDER BY position DESC LIMIT 1`,
    /** The newest transaction among committed events after $1 that the safe horizon still holds back. */
    heldBack: `SELECT tx::text AS tx FROM ${s}.events
               WHERE position > $1 AND tx >= ${safeHorizon} ORDER BY tx DESC LIMIT 1`,
    horizonPassed: `SELECT ${safeHorizon} > $1::xid8 AS passed`,
    latestChainHead: `SELECT * FROM ${s}.chain_heads ORDER BY seq DESC LIMIT 1`,
    appendChainHead: `INSERT INTO ${s}.chain_heads (position, count, head, signed_at, key_id, signature)
                      VALUES ($1, $2, $3, $4, $5, $6)`,
    readChainHeads: `SELECT * FROM ${s}.chain_heads ORDER BY seq`,
    streamHeads: `SELECT stream_name, version, last_hash FROM ${s}.streams`,
  };
}
type StatementName = keyof ReturnType<typeof statements>;

/**
 * Statements sent with the simple protocol, several in one round trip. They take no parameters:
 * a stream name is inlined as an escaped literal.
 */
function simpleStatements(schema: string) {
  return {
    beginLockingStream: (streamName: string) =>
      `BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(${escapeLiteral(`patent-ledger:stream:${schema}:${streamName}`)}, 0))`,
    /** This store's connections hold no other session-level lock than the sequencer. */
    releaseSequencerAndCommit: 'SELECT pg_advisory_unlock_all(); COMMIT',
    releaseSequencer: 'SELECT pg_advisory_unlock_all()',
  };
}

/** Something that runs queries: the pool, or a client inside a transaction. */
type Queryable = Pick<PoolClient, 'query'>;

/** A conflict that a fresh attempt of the same append resolves (it then sees the other writer's commit). */
function isRetryable(err: unknown): boolean {
  if (!(err instanceof DatabaseError)) return false;
  if (err.code === '40P01' || err.code === '40001') return true; // deadlock, serialization failure
  return (
    err.code === '23505' &&
    (err.constraint === 'commands_pkey' || err.constraint === 'events_stream_version_key')
  );
}

/** Turns a duplicate event id into the port's InvalidAppendError; other errors pass unchanged. */
function mapError(err: unknown, events: readonly NewEvent[]): unknown {
  if (err instanceof DatabaseError && err.code === '23505' && err.constraint === 'events_event_id_key') {
    const id = /\(event_id\)=\((.*)\) already exists/.exec(err.detail ?? '')?.[1];
    const known = events.find((e) => e.metadata.eventId === id)?.metadata.eventId;
    return new InvalidAppendError(
      `duplicate event id: ${known ?? id ?? events.map((e) => e.metadata.eventId).join(', ')}`,
    );
  }
  return err;
}

/**
 * Errors after which the connection may still be used: the server rejected a statement, or one of
 * our checks rejected the append. Anything else (socket errors, "Connection terminated") discards it.
 */
function connectionUsable(err: unknown): boolean {
  return err instanceof DatabaseError || err instanceof EventSourcingError;
}

/** Runs a statement that ends a (sub)transaction; false when the connection could not. */
async function tryQuery(client: PoolClient, text: string): Promise<boolean> {
  try {
    await client.query(text);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What `append_events` returns (its OUT parameters). */
interface AppendEventsRow {
  /** `appended`; `moved`: the head was not the one sent, nothing written; `recorded`: the command was. */
  r_status: 'appended' | 'moved' | 'recorded';
  /** The stream's version after the append (appended), or its current one (moved). */
  r_version: number | null;
  r_last_hash: string | null;
  r_positions: string[] | null;
  /** The command's record (recorded). */
  r_fingerprint: string | null;
  r_stream_name: string | null;
  r_from_version: number | null;
  r_to_version: number | null;
  r_first_position: string | null;
  r_last_position: string | null;
  r_recorded_at: string | null;
}

/** How many streams' heads a store remembers. */
const STREAM_HEADS_CACHED = 10_000;

/**
 * The last version and hash this store saw of recently used streams (most recently used last,
 * bounded). Only guesses: the event at a version never changes, but others may have appended since,
 * and `append_events` checks the guess under the stream's lock.
 */
class StreamHeads {
  private readonly heads = new Map<string, { version: number; lastHash: string }>();

  constructor(private readonly capacity: number) {}

  remember(streamName: string, version: number, lastHash: string): void {
    const known = this.heads.get(streamName);
    if (known && known.version > version) return;
    this.heads.delete(streamName);
    this.heads.set(streamName, { version, lastHash });
    trimOldest(this.heads, this.capacity);
  }

  /** The head to compute an append's hashes on, or undefined when none fits the expected version. */
  guess(
    streamName: string,
    expected: ExpectedVersion,
  ): { version: number; lastHash: string | null } | undefined {
    if (expected === 0 || expected === 'no_stream') return { version: 0, lastHash: null };
    const known = this.heads.get(streamName);
    if (expected === 'any') return known ?? { version: 0, lastHash: null };
    if (expected === 'stream_exists') return known;
    return known?.version === expected ? known : undefined;
  }
}

/** EventStore on PostgreSQL (node-postgres pool). See the notes at the top of this file. */
export class PostgresEventStore implements EventStore, ChainHeadStore {
  private readonly sql: ReturnType<typeof statements>;
  private readonly simple: ReturnType<typeof simpleStatements>;
  /** What this store last saw of streams' heads: the guesses of the one-statement append. */
  private readonly heads = new StreamHeads(STREAM_HEADS_CACHED);
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly pg: Pool,
    readonly schema: string,
    private readonly visibilityWaitMs: number,
  ) {
    this.sql = statements(schema);
    this.simple = simpleStatements(schema);
  }

  /** Connects, creates the schema and tables if needed and applies pending migrations. */
  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${JSON.stringify(schema)}`);
    const poolSize = options.poolSize ?? 10;
    if (!Number.isSafeInteger(poolSize) || poolSize < 1) throw new Error(`invalid pool size: ${poolSize}`);
    const visibilityWaitMs = options.visibilityWaitMs ?? 100;
    if (!(visibilityWaitMs >= 0)) throw new Error(`invalid visibilityWaitMs: ${visibilityWaitMs}`);
    const pool = new Pool({
      connectionString: options.connectionString,
      max: poolSize,
      application_name: options.applicationName ?? 'patent-ledger',
    });
    pool.on('error', options.onPoolError ?? (() => undefined));
    // A connection that drops while checked out (a server restart, pg_terminate_backend) emits
    // 'error' on its client, which the pool listens to only while the client is idle: without a
    // listener of our own that is an uncaught exception. The query in flight fails anyway, and the
    // transaction that held the client releases it as broken.
    pool.on('connect', (client) => client.on('error', options.onPoolError ?? (() => undefined)));
    try {
      await migrate(pool, schema);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresEventStore(pool, schema, visibilityWaitMs);
  }

  /** The connection pool, for tests and maintenance tools. */
  get pool(): Pool {
    return this.pg;
  }

  async append(streamName: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    validate(streamName, options.expectedVersion);
    if (events.length > 0 && hasDistinctEventIds(events)) {
      const result = await this.appendInOneStatement(streamName, events, options);
      if (result) return result;
    }
    try {
      const result = await this.transaction(
        this.simple.beginLockingStream(streamName),
        (client, sequencer) => this.appendOn(client, sequencer, streamName, events, options),
        MAX_ATTEMPTS,
      );
      this.rememberHead(result);
      return result;
    } catch (err) {
      throw mapError(err, events);
    }
  }

  async appendMany(requests: AppendRequest[]): Promise<AppendManyResult[]> {
    this.assertOpen();
    if (requests.length === 0) return [];
    const invalid = requests.map((r) => {
      try {
        validate(r.streamName, r.options.expectedVersion);
        return undefined;
      } catch (error) {
        return error as Error;
      }
    });
    const results =
      (await this.appendManyAsRows(requests, invalid)) ?? (await this.appendManyOneByOne(requests, invalid));
    // Committed: what the batch wrote are the streams' newest heads this store knows.
    for (const r of results) if (r.ok) this.rememberHead(r.result);
    return results;
  }

  /**
   * The batch in one write statement (see batch-plan.ts): lock its streams, read their heads and its
   * recorded commands, decide every request, write every row at once. Undefined when the batch needs
   * the request-by-request path: it cannot be decided from the heads, or the server refused its write
   * on its data (then nothing of it was committed).
   */
  private async appendManyAsRows(
    requests: AppendRequest[],
    invalid: (Error | undefined)[],
  ): Promise<AppendManyResult[] | undefined> {
    const keys = batchKeys(requests, invalid);
    try {
      return await this.transaction(
        'BEGIN',
        async (client, sequencer) => {
          await this.run(client, 'lockStreams', [keys.streams]);
          const [heads, recorded] = await Promise.all([
            this.run<StreamRow & { stream_name: string }>(client, 'streamHeadsOf', [keys.streams]),
            keys.commandIds.length > 0
              ? this.run<CommandRow>(client, 'findCommands', [keys.commandIds])
              : Promise.resolve({ rows: [] as CommandRow[] }),
          ]);
          const plan = planBatch(
            requests,
            invalid,
            new Map(heads.rows.map((r) => [r.stream_name, { version: r.version, lastHash: r.last_hash }])),
            new Map(recorded.rows.map((r) => [r.command_id, r])),
          );
          // Nothing written yet: the commit only ends the locks, and the caller goes one by one.
          if (!plan) return undefined;
          let positions: number[] = [];
          const { rows } = plan;
          if (rows.eventCount > 0 || rows.commandCount > 0) {
            // The write takes and releases the sequencer itself; should it fail in between, the
            // transaction's end releases it (see `transaction`).
            sequencer.held = true;
            const row = (
              await this.run<{ positions: string[] }>(client, 'writeMany', [
                rows.events,
                rows.eventCount,
                rows.streams,
                rows.commands,
              ])
            ).rows[0];
            sequencer.held = false;
            positions = (row?.positions ?? []).map(Number);
            if (
              positions.length !== rows.eventCount ||
              positions.some((p, i) => !(p > 0) || (i > 0 && !(p > positions[i - 1]!)))
            ) {
              throw new Error('the batch write returned positions out of order');
            }
          }
          const results: AppendManyResult[] = [];
          for (const slot of plan.slots) {
            if (slot.kind === 'error') {
              results.push({ ok: false, error: slot.error });
            } else if (slot.kind === 'replay') {
              try {
                const result = await this.replay(client, slot.record, slot.streamName, slot.fingerprint);
                results.push({ ok: true, result });
              } catch (err) {
                if (!(err instanceof IdempotencyKeyReusedError)) throw err;
                results.push({ ok: false, error: err });
              }
            } else {
              const stored = slot.events.map<StoredEvent>((e, k) => ({
                ...e,
                position: positions[slot.first + k]!,
              }));
              const result: AppendResult = {
                streamName: slot.streamName,
                nextExpectedVersion: slot.current + stored.length,
                events: stored,
                duplicate: false,
              };
              if (slot.command) {
                result.command = commandRecordOf(
                  slot.command,
                  slot.streamName,
                  slot.current,
                  stored,
                  slot.command.recordedAt,
                );
              }
              results.push({ ok: true, result });
            }
          }
          return results;
        },
        1,
      );
    } catch (err) {
      // Refused on its data (class 22: data exception; 23: integrity constraint): nothing of the batch
      // was committed, and request by request each refusal lands in its own slot.
      if (err instanceof DatabaseError && /^2[23]/.test(err.code ?? '')) return undefined;
      throw err;
    }
  }

  /**
   * The batch request by request in one transaction: it locks all its streams first, then holds
   * the sequencer for the whole batch and runs each request in a savepoint.
   */
  private async appendManyOneByOne(
    requests: AppendRequest[],
    invalid: (Error | undefined)[],
  ): Promise<AppendManyResult[]> {
    return this.transaction(
      'BEGIN',
      async (client, sequencer) => {
        // Every stream first, in key order; then the sequencer for the whole batch (see the notes above).
        const streams = requests.filter((_, i) => !invalid[i]).map((r) => r.streamName);
        await this.run(client, 'lockStreams', [streams]);
        sequencer.held = true;
        await this.run(client, 'lockSequencer', []);
        const results: AppendManyResult[] = [];
        for (const [i, request] of requests.entries()) {
          const error = invalid[i];
          results.push(
            error ? { ok: false, error } : await this.appendInSavepoint(client, sequencer, request),
          );
        }
        return results;
      },
      1,
    );
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const events = await this.readStreamOn(this.pg, streamName, options);
    const last = events[events.length - 1];
    if (last?.hash) this.heads.remember(streamName, last.version, last.hash);
    return events;
  }

  async streamVersion(streamName: string): Promise<number> {
    this.assertOpen();
    const row = (await this.run<StreamRow>(this.pg, 'streamVersion', [streamName])).rows[0];
    if (row?.last_hash) this.heads.remember(streamName, row.version, row.last_hash);
    return row?.version ?? 0;
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const after = Math.max(0, Math.floor(options.after ?? 0));
    const limit = Math.floor(options.limit ?? DEFAULT_READ_ALL_LIMIT);
    if (!(limit > 0)) return [];
    const events = await this.readSafe(after, limit);
    if (events.length === limit) return events;
    const last = events[events.length - 1]?.position ?? after;
    if (!(await this.waitForHeldBack(last))) return events;
    return events.concat(await this.readSafe(last, limit - events.length));
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    const head = await this.safeHead();
    return (await this.waitForHeldBack(head)) ? this.safeHead() : head;
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    this.assertOpen();
    const row = (await this.run<CommandRow>(this.pg, 'findCommand', [commandId])).rows[0];
    return row && commandRecordFromRow(row);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.pg.query('SELECT 1');
  }

  async latestChainHead(): Promise<ChainHead | undefined> {
    this.assertOpen();
    const row = (await this.run<ChainHeadRow>(this.pg, 'latestChainHead', [])).rows[0];
    return row && chainHeadFromRow(row);
  }

  async appendChainHead(h: ChainHead): Promise<void> {
    this.assertOpen();
    await this.run(this.pg, 'appendChainHead', [
      h.position,
      h.count,
      h.head,
      h.signedAt,
      h.keyId,
      h.signature,
    ]);
  }

  async readChainHeads(): Promise<ChainHead[]> {
    this.assertOpen();
    return (await this.run<ChainHeadRow>(this.pg, 'readChainHeads', [])).rows.map(chainHeadFromRow);
  }

  async streamHeads(): Promise<Map<string, { version: number; lastHash: string | null }>> {
    this.assertOpen();
    const rows = (await this.run<StreamRow & { stream_name: string }>(this.pg, 'streamHeads', [])).rows;
    return new Map(rows.map((r) => [r.stream_name, { version: r.version, lastHash: r.last_hash }]));
  }

  /** Ends the pool once the calls in flight are done. Idempotent; every later call rejects. */
  async close(): Promise<void> {
    this.closing ??= this.pg.end();
    await this.closing;
  }

  /**
   * Runs `work` in a transaction (opened by the simple statement `begin`) on one pooled connection,
   * retrying it (up to `attempts` times in all) when it failed on a conflict that a fresh attempt
   * resolves. Releases the sequencer if `work` took it: with the commit when it succeeded, after
   * the rollback when it failed (a session lock outlives an aborted transaction).
   */
  private async transaction<T>(
    begin: string,
    work: (client: PoolClient, sequencer: { held: boolean }) => Promise<T>,
    attempts: number,
  ): Promise<T> {
    const client = await this.pg.connect();
    const sequencer = { held: false };
    let broken = false;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.query(begin);
          const result = await work(client, sequencer);
          await client.query(sequencer.held ? this.simple.releaseSequencerAndCommit : 'COMMIT');
          sequencer.held = false;
          return result;
        } catch (err) {
          broken = !(connectionUsable(err) && (await tryQuery(client, 'ROLLBACK')));
          if (!broken && sequencer.held) {
            broken = !(await tryQuery(client, this.simple.releaseSequencer));
            sequencer.held = false;
          }
          if (broken || attempt >= attempts || !isRetryable(err)) throw err;
        }
      }
    } finally {
      // A connection that may still hold the sequencer is closed: that releases it.
      client.release(broken || sequencer.held);
    }
  }

  /**
   * The append as one call of `append_events`, its own transaction: one round trip when this store
   * guesses the stream's head right (a new stream, or the version and last hash it last saw), which
   * the function checks under the stream's lock. A wrong guess comes back as the actual head
   * (`moved`): then either the expected version fails, or the hashes are computed again on that head
   * and the call repeated. Returns undefined when the stream kept moving for MAX_ATTEMPTS calls: the
   * caller then appends in a transaction that holds the stream's lock from the start.
   */
  private async appendInOneStatement(
    streamName: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult | undefined> {
    const { command, expectedVersion } = options;
    const prepared = events.map(prepareEvent);
    const recordedAt = command ? (command.recordedAt ?? new Date().toISOString()) : null;
    let head = this.heads.guess(streamName, expectedVersion);
    const client = await this.pg.connect();
    let broken = false;
    try {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        // Without a guess, a probe: version -1 never matches, so the call only returns the head.
        const hashes = head ? chainHashes(streamName, head.version, head.lastHash, prepared) : [];
        const of = <T>(f: (e: PreparedEvent) => T): T[] => (head ? prepared.map(f) : []);
        let row: AppendEventsRow;
        try {
          row = (
            await this.run<AppendEventsRow>(client, 'appendEvents', [
              streamName,
              head ? head.version : -1,
              head?.lastHash ?? null,
              of((e) => e.type),
              of((e) => e.dataJson),
              of((e) => e.metadataJson),
              of((e) => e.metadata.eventId),
              of((e) => e.metadata.commandId),
              of((e) => e.metadata.recordedAt),
              hashes,
              command?.commandId ?? null,
              command?.fingerprint ?? null,
              recordedAt,
            ])
          ).rows[0]!;
        } catch (err) {
          // The call may have failed while holding the sequencer: a session lock outlives the transaction.
          broken = !(connectionUsable(err) && (await tryQuery(client, this.simple.releaseSequencer)));
          if (broken || attempt >= MAX_ATTEMPTS || !isRetryable(err)) throw mapError(err, events);
          continue;
        }
        if (row.r_status === 'recorded') {
          const recorded = commandRecordFromRow({
            command_id: command!.commandId,
            fingerprint: row.r_fingerprint!,
            stream_name: row.r_stream_name!,
            from_version: row.r_from_version!,
            to_version: row.r_to_version!,
            first_position: row.r_first_position!,
            last_position: row.r_last_position!,
            recorded_at: row.r_recorded_at!,
          });
          return await this.replay(client, recorded, streamName, command!.fingerprint);
        }
        const version = row.r_version!;
        if (row.r_status === 'moved') {
          if (row.r_last_hash !== null) this.heads.remember(streamName, version, row.r_last_hash);
          checkExpectedVersion(streamName, expectedVersion, version);
          head = { version, lastHash: row.r_last_hash };
          continue;
        }
        const current = head!.version;
        const positions = (row.r_positions ?? []).map(Number);
        // Checks of what the function returned (it has committed: these cannot undo anything).
        const stored = prepared.map<StoredEvent>((e, i) => {
          const position = positions[i]!;
          if (!(position > 0) || (i > 0 && !(position > positions[i - 1]!))) {
            throw new Error(`append_events returned positions out of order for ${streamName}`);
          }
          return {
            streamName,
            version: current + i + 1,
            position,
            type: e.type,
            data: e.data,
            metadata: e.metadata,
            hash: hashes[i]!,
          };
        });
        const nextExpectedVersion = current + stored.length;
        if (version !== nextExpectedVersion || positions.length !== stored.length) {
          throw new Error(`append_events returned an unexpected version or count for ${streamName}`);
        }
        this.heads.remember(streamName, nextExpectedVersion, hashes[hashes.length - 1]!);
        const result: AppendResult = { streamName, nextExpectedVersion, events: stored, duplicate: false };
        if (command) result.command = commandRecordOf(command, streamName, current, stored, recordedAt!);
        return result;
      }
      return undefined;
    } finally {
      client.release(broken);
    }
  }

  /** Remembers the head a committed append left (a replayed duplicate may be an old one). */
  private rememberHead(result: AppendResult): void {
    const last = result.events[result.events.length - 1];
    if (last?.hash && !result.duplicate) this.heads.remember(result.streamName, last.version, last.hash);
  }

  /** One request of a batch, inside its own savepoint: a failure rolls back this request alone. */
  private async appendInSavepoint(
    client: PoolClient,
    sequencer: { held: boolean },
    request: AppendRequest,
  ): Promise<AppendManyResult> {
    const { streamName, events, options } = request;
    for (let attempt = 1; ; attempt++) {
      await client.query('SAVEPOINT append_request');
      try {
        const result = await this.appendOn(client, sequencer, streamName, events, options);
        await client.query('RELEASE SAVEPOINT append_request');
        return { ok: true, result };
      } catch (err) {
        if (!connectionUsable(err)) throw err;
        await client.query('ROLLBACK TO SAVEPOINT append_request');
        await client.query('RELEASE SAVEPOINT append_request');
        if (attempt < MAX_ATTEMPTS && isRetryable(err)) continue;
        return { ok: false, error: mapError(err, events) as Error };
      }
    }
  }

  /**
   * The append itself, on a client inside a transaction (or savepoint) that the caller ends and that
   * already holds the stream's lock.
   */
  private async appendOn(
    client: PoolClient,
    sequencer: { held: boolean },
    streamName: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const { command } = options;
    const state = (
      await this.run<StreamStateRow>(client, 'streamState', [streamName, command?.commandId ?? null])
    ).rows[0]!;
    // Under the stream lock, a concurrent duplicate of this command on this stream has committed.
    if (command && state.command_id !== null) {
      return this.replay(client, commandRecordFromRow(state), streamName, command.fingerprint);
    }
    const head =
      state.stream_version === null
        ? undefined
        : { version: state.stream_version, last_hash: state.last_hash };
    const current = head?.version ?? 0;
    checkExpectedVersion(streamName, options.expectedVersion, current);
    assertDistinctEventIds(events);
    if (events.length === 0 && !command)
      return { streamName, nextExpectedVersion: current, events: [], duplicate: false };

    const prepared = events.map(prepareEvent);
    const hashes = chainHashes(streamName, current, head?.last_hash ?? null, prepared);
    const previousHash = hashes[hashes.length - 1] ?? head?.last_hash ?? GENESIS_HASH;
    const recordedAt = command ? (command.recordedAt ?? new Date().toISOString()) : null;
    // The write takes and releases the sequencer itself; should it fail in between, the transaction's
    // end releases it (see `transaction`).
    const heldBefore = sequencer.held;
    sequencer.held = true;
    const rows = (
      await this.run<{ position: string; version: number }>(client, 'write', [
        streamName,
        current,
        prepared.map((e) => e.type),
        prepared.map((e) => e.dataJson),
        prepared.map((e) => e.metadataJson),
        prepared.map((e) => e.metadata.eventId),
        prepared.map((e) => e.metadata.commandId),
        prepared.map((e) => e.metadata.recordedAt),
        hashes,
        previousHash,
        command?.commandId ?? null,
        command?.fingerprint ?? null,
        recordedAt,
      ])
    ).rows;
    sequencer.held = heldBefore;
    const stored = prepared.map<StoredEvent>((e, i) => {
      const row = rows[i];
      const position = Number(row?.position);
      if (row?.version !== current + i + 1 || (i > 0 && !(position > Number(rows[i - 1]!.position)))) {
        throw new Error(`event ${i + 1} of the append to ${streamName} was not stored in order`);
      }
      return {
        streamName,
        version: row.version,
        position,
        type: e.type,
        data: e.data,
        metadata: e.metadata,
        hash: hashes[i]!,
      };
    });
    const nextExpectedVersion = current + stored.length;
    const result: AppendResult = { streamName, nextExpectedVersion, events: stored, duplicate: false };
    if (command) result.command = commandRecordOf(command, streamName, current, stored, recordedAt!);
    return result;
  }

  /** The stored outcome of an already recorded command, or IdempotencyKeyReusedError. */
  private async replay(
    client: Queryable,
    recorded: CommandRecord,
    streamName: string,
    fingerprint: string,
  ): Promise<AppendResult> {
    if (recorded.fingerprint !== fingerprint || recorded.streamName !== streamName) {
      throw new IdempotencyKeyReusedError(recorded.commandId);
    }
    const events =
      recorded.toVersion >= recorded.fromVersion
        ? await this.readStreamOn(client, streamName, {
            fromVersion: recorded.fromVersion,
            toVersion: recorded.toVersion,
          })
        : [];
    return {
      streamName,
      nextExpectedVersion: recorded.toVersion,
      events,
      duplicate: true,
      command: recorded,
    };
  }

  private async readStreamOn(
    db: Queryable,
    streamName: string,
    options: ReadStreamOptions,
  ): Promise<StoredEvent[]> {
    const from = Math.max(1, Math.ceil(options.fromVersion ?? 1));
    const to = Math.min(Math.floor(options.toVersion ?? MAX_VERSION), MAX_VERSION);
    if (!(to >= from)) return [];
    const limit = options.limit === undefined ? null : Math.max(0, Math.floor(options.limit));
    const rows = (await this.run<EventRow>(db, 'readStream', [streamName, from, to, limit])).rows;
    return rows.map(toStoredEvent);
  }

  private async readSafe(after: number, limit: number): Promise<StoredEvent[]> {
    return (await this.run<EventRow>(this.pg, 'readAll', [after, limit])).rows.map(toStoredEvent);
  }

  private async safeHead(): Promise<number> {
    const row = (await this.run<{ position: string }>(this.pg, 'headPosition', [])).rows[0];
    return row ? Number(row.position) : 0;
  }

  /**
   * When committed events after `position` are held back by older transactions still in flight,
   * waits (up to `visibilityWaitMs`) until those transactions have ended. Returns true when there
   * were such events, so that reading again may return more.
   */
  private async waitForHeldBack(position: number): Promise<boolean> {
    if (this.visibilityWaitMs <= 0) return false;
    const held = (await this.run<{ tx: string }>(this.pg, 'heldBack', [position])).rows[0];
    if (!held) return false;
    const deadline = Date.now() + this.visibilityWaitMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
      const passed = (await this.run<{ passed: boolean }>(this.pg, 'horizonPassed', [held.tx])).rows[0]
        ?.passed;
      const left = deadline - Date.now();
      if (passed || left <= 0) return true;
      await sleep(Math.min(pause, left));
    }
  }

  private run<R extends QueryResultRow>(db: Queryable, name: StatementName, values: unknown[]) {
    const config: QueryConfig = { name: `pl_${name}`, text: this.sql[name], values };
    return db.query<R>(config);
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('PostgresEventStore is closed');
  }
}

/** The port's checks, and one of PostgreSQL's: text cannot hold NUL. */
function validate(streamName: string, expectedVersion: ExpectedVersion): void {
  validateAppend(streamName, expectedVersion);
  if (streamName.includes('\0'))
    throw new InvalidAppendError(`invalid stream name: ${JSON.stringify(streamName)}`);
}

function hasDistinctEventIds(events: readonly NewEvent[]): boolean {
  return new Set(events.map((e) => e.metadata.eventId)).size === events.length;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Applies the pending migrations in one transaction. The advisory lock (per database and schema)
 * makes concurrent opens queue, so they neither race on CREATE SCHEMA nor apply a step twice.
 */
async function migrate(pool: Pool, schema: string): Promise<void> {
  const s = quoteIdentifier(schema);
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `patent-ledger:migrate:${schema}`,
      ]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
                            version    integer PRIMARY KEY,
                            applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await client.query<{ version: number }>(
        `SELECT coalesce(max(version), 0)::integer AS version FROM ${s}.schema_migrations`,
      );
      const current = rows[0]?.version ?? 0;
      if (current > MIGRATIONS.length) {
        throw new Error(
          `database schema ${schema} is at version ${current}, newer than this code supports (${MIGRATIONS.length})`,
        );
      }
      for (const [i, step] of MIGRATIONS.entries()) {
        if (i < current) continue;
        await client.query(step(s, schema));
        await client.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [i + 1]);
      }
      await client.query('COMMIT');
    } catch (err) {
      broken = !(err instanceof DatabaseError && (await tryQuery(client, 'ROLLBACK')));
      throw err;
    }
  } finally {
    client.release(broken);
  }
}
