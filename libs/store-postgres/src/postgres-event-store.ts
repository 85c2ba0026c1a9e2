/**
 * # PostgreSQL event store
 *
 * **Global order.** `position` comes from a sequence (`bigserial`), so it is strictly increasing in
 * the order numbers are *taken*, not in the order transactions *commit*: a transaction can take
 * position 10, a later one take 11 and commit first. A reader that just asked for
 * `position > checkpoint` would then move its checkpoint past 10 and skip it for ever. Every event
 * therefore records the id of the transaction that wrote it (`tx xid8 DEFAULT pg_current_xact_id()`)
 * and `readAll` returns only events written by transactions older than every transaction still in
 * flight: `tx < pg_snapshot_xmin(pg_current_snapshot())`. Such a transaction has finished, and every
 * event numbered below one of its events was numbered by a transaction at least as old, so nothing
 * can still appear below the batch a reader gets. `headPosition` is the highest position under the
 * same rule. Reading a stream (`readStream`) needs no such rule: writers of one stream are serialised
 * by a row lock, so a stream's events commit in version order.
 *
 * The price is latency, never correctness: while any transaction of the cluster that began before an
 * event's own is still open (another append, a long report, a session left "idle in transaction"),
 * that event is held back. So that a reader usually sees what was just committed, `readAll` and
 * `headPosition`, when committed events are held back, wait up to `visibilityWaitMs` (default 100 ms)
 * for the older transactions to end and read again; after that they return what is safe. Keep
 * `idle_in_transaction_session_timeout` set on the server so a forgotten session cannot stall the
 * projector.
 *
 * **Gaps.** A rolled-back append (wrong expected version, duplicate event id, deadlock, crash) has
 * already taken its sequence numbers, so positions have gaps. They are strictly increasing and a
 * checkpoint (the last position applied) stays valid; they are not a count of events. The contract
 * suite runs with `contiguousPositions: false` for this store.
 *
 * **Isolation.** READ COMMITTED with explicit locks. An append is one transaction: lock the stream's
 * row in `streams` (`SELECT … FOR UPDATE`; for a new stream insert it first, so two writers creating
 * the same stream also queue up), look up the command id, check the expected version against the
 * locked row, then insert the events, move the stream row and record the command in one statement.
 * Writers of one stream queue on the row lock; writers of different streams never wait for each
 * other. A concurrent duplicate of a command id on another stream surfaces as a unique violation on
 * `commands`; the append is then retried once and finds the recorded command (duplicate outcome or
 * IdempotencyKeyReusedError). Deadlocks (possible between two `appendMany` batches that touch the
 * same streams in opposite orders) are retried too. `appendMany` runs all requests in one
 * transaction with a SAVEPOINT per request; a request that fails is rolled back to its savepoint
 * (which also releases its locks) and reported in its slot.
 *
 * **Durability** is PostgreSQL's `synchronous_commit`, inherited from the server, database or role.
 * With the default `on`, an append is acknowledged only after its commit record is flushed to the
 * WAL on disk (and, with `synchronous_standby_names`, to the synchronous standbys). With `off`, the
 * last commits (up to three times `wal_writer_delay`) may be lost on a server crash, though the log
 * stays consistent. This store is a system of record: leave it `on`.
 *
 * **Storage.** `data` and `metadata` are `json` (the text exactly as `JSON.stringify` wrote it, key
 * order included, still queryable with `->>`); the hash chain is computed over exactly the JSON that
 * reads return. Statements are named prepared statements, planned once per connection. Schema
 * migrations run on `open`, under a transaction-scoped advisory lock, recorded in `schema_migrations`.
 */
import { DatabaseError, Pool, type PoolClient, type QueryConfig, type QueryResultRow } from 'pg';
import {
  EventSourcingError,
  GENESIS_HASH,
  IdempotencyKeyReusedError,
  InvalidAppendError,
  checkExpectedVersion,
  eventHash,
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
  type JsonObject,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';

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

/**
 * Schema migrations: entry i brings the schema from version i to i + 1 (one row per applied version
 * in `schema_migrations`). Append new entries; never edit an applied one.
 */
const MIGRATIONS: readonly ((schema: string) => string)[] = [
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

interface CommandRow {
  command_id: string;
  fingerprint: string;
  stream_name: string;
  from_version: number;
  to_version: number;
  first_position: string;
  last_position: string;
  recorded_at: string;
}

interface StreamRow {
  version: number;
  last_hash: string | null;
}

interface ChainHeadRow {
  position: string;
  count: string;
  head: string;
  signed_at: string;
  key_id: string;
  signature: string;
}

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

function toCommandRecord(row: CommandRow): CommandRecord {
  return {
    commandId: row.command_id,
    fingerprint: row.fingerprint,
    streamName: row.stream_name,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    firstPosition: Number(row.first_position),
    lastPosition: Number(row.last_position),
    recordedAt: row.recorded_at,
  };
}

function toChainHead(row: ChainHeadRow): ChainHead {
  return {
    position: Number(row.position),
    count: Number(row.count),
    head: row.head,
    signedAt: row.signed_at,
    keyId: row.key_id,
    signature: row.signature,
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
  return {
    findCommand: `SELECT * FROM ${s}.commands WHERE command_id = $1`,
    /** Locks streams until the transaction ends, in key order (so two batches cannot deadlock). */
    lockStreams: `SELECT pg_advisory_xact_lock(k)
                  FROM (SELECT DISTINCT ${streamKey('name')} AS k FROM unnest($1::text[]) AS name) AS keys
                  ORDER BY k`,
    streamHead: `SELECT version, last_hash FROM ${s}.streams WHERE stream_name = $1`,
    lockSequencer: `SELECT pg_advisory_lock(${sequencerKey})`,
    unlockSequencer: `SELECT pg_advisory_unlock(${sequencerKey}) AS unlocked`,
    streamVersion: `SELECT version FROM ${s}.streams WHERE stream_name = $1`,
    /**
     * All writes of an append in one round trip: the events (one row per array element, numbered in
     * array order), the stream's new version and last hash, and the command record (when $11 is set).
     */
    write: `
      WITH ev AS (
        INSERT INTO ${s}.events (stream_name, version, type, data, metadata, event_id, command_id, recorded_at, hash)
        SELECT $1, $2::integer + i.n::integer, i.type, i.data::json, i.metadata::json, i.event_id, i.command_id,
               i.recorded_at, i.hash
        FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
             WITH ORDINALITY AS i (type, data, metadata, event_id, command_id, recorded_at, hash, n)
        ORDER BY i.n
        RETURNING position, version
      ), st AS (
        INSERT INTO ${s}.streams (stream_name, version, last_hash)
        SELECT $1, $2::integer + cardinality($3::text[]), $10 WHERE cardinality($3::text[]) > 0
        ON CONFLICT (stream_name) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash
      ), cmd AS (
        INSERT INTO ${s}.commands (command_id, fingerprint, stream_name, from_version, to_version,
                                   first_position, last_position, recorded_at)
        SELECT $11, $12, $1, $2::integer + 1, $2::integer + cardinality($3::text[]),
               coalesce(min(ev.position), 0), coalesce(max(ev.position), 0), $13
        FROM ev HAVING $11::text IS NOT NULL
      )
      SELECT position, version FROM ev ORDER BY version`,
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

/** An event prepared for insertion: its JSON text and the objects that reads will return. */
interface PreparedEvent {
  type: string;
  dataJson: string;
  metadataJson: string;
  data: JsonObject;
  metadata: EventMetadata;
}

/** EventStore on PostgreSQL (node-postgres pool). See the notes at the top of this file. */
export class PostgresEventStore implements EventStore, ChainHeadStore {
  private readonly sql: ReturnType<typeof statements>;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly pg: Pool,
    readonly schema: string,
    private readonly visibilityWaitMs: number,
  ) {
    this.sql = statements(schema);
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
    validateAppend(streamName, options.expectedVersion);
    try {
      return await this.transaction(async (client, sequencer) => {
        await this.run(client, 'lockStreams', [[streamName]]);
        return this.appendOn(client, sequencer, streamName, events, options);
      }, MAX_ATTEMPTS);
    } catch (err) {
      throw mapError(err, events);
    }
  }

  async appendMany(requests: AppendRequest[]): Promise<AppendManyResult[]> {
    this.assertOpen();
    if (requests.length === 0) return [];
    const invalid = requests.map((r) => {
      try {
        validateAppend(r.streamName, r.options.expectedVersion);
        return undefined;
      } catch (error) {
        return error as Error;
      }
    });
    return this.transaction(async (client, sequencer) => {
      // Every stream first, in key order; then the sequencer for the whole batch (see the notes above).
      const streams = requests.filter((_, i) => !invalid[i]).map((r) => r.streamName);
      await this.run(client, 'lockStreams', [streams]);
      await sequencer.acquire();
      const results: AppendManyResult[] = [];
      for (const [i, request] of requests.entries()) {
        const error = invalid[i];
        results.push(error ? { ok: false, error } : await this.appendInSavepoint(client, sequencer, request));
      }
      return results;
    }, 1);
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.readStreamOn(this.pg, streamName, options);
  }

  async streamVersion(streamName: string): Promise<number> {
    this.assertOpen();
    const row = (await this.run<{ version: number }>(this.pg, 'streamVersion', [streamName])).rows[0];
    return row?.version ?? 0;
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const after = Math.max(0, options.after ?? 0);
    const limit = options.limit ?? DEFAULT_READ_ALL_LIMIT;
    if (limit <= 0) return [];
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
    return row && toCommandRecord(row);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.pg.query('SELECT 1');
  }

  async latestChainHead(): Promise<ChainHead | undefined> {
    this.assertOpen();
    const row = (await this.run<ChainHeadRow>(this.pg, 'latestChainHead', [])).rows[0];
    return row && toChainHead(row);
  }

  async appendChainHead(h: ChainHead): Promise<void> {
    this.assertOpen();
    await this.run(this.pg, 'appendChainHead', [h.position, h.count, h.head, h.signedAt, h.keyId, h.signature]);
  }

  async readChainHeads(): Promise<ChainHead[]> {
    this.assertOpen();
    return (await this.run<ChainHeadRow>(this.pg, 'readChainHeads', [])).rows.map(toChainHead);
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
   * Runs `work` in a transaction on one pooled connection, retrying it (up to `attempts` times in all)
   * when it failed on a conflict that a fresh attempt resolves.
   */
  private async transaction<T>(
    work: (client: PoolClient, sequencer: Sequencer) => Promise<T>,
    attempts: number,
  ): Promise<T> {
    const client = await this.pg.connect();
    const sequencer = new Sequencer((name) => this.run(client, name, []));
    let broken = false;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.query('BEGIN');
          const result = await work(client, sequencer);
          await sequencer.release();
          await client.query('COMMIT');
          return result;
        } catch (err) {
          // The transaction is aborted: end it before the (session-level) sequencer can be released.
          broken = !(connectionUsable(err) && (await tryQuery(client, 'ROLLBACK')) && (await sequencer.tryRelease()));
          if (broken || attempt >= attempts || !isRetryable(err)) throw err;
        }
      }
    } finally {
      // A connection that may still hold the sequencer is closed: that releases it.
      client.release(broken || sequencer.held);
    }
  }

  /** One request of a batch, inside its own savepoint: a failure rolls back this request alone. */
  private async appendInSavepoint(
    client: PoolClient,
    sequencer: Sequencer,
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
    sequencer: Sequencer,
    streamName: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const { command } = options;
    // Under the stream lock, a concurrent duplicate of this command on this stream has committed.
    if (command) {
      const recorded = (await this.run<CommandRow>(client, 'findCommand', [command.commandId])).rows[0];
      if (recorded) return this.replay(client, toCommandRecord(recorded), streamName, command.fingerprint);
    }
    const head = (await this.run<StreamRow>(client, 'streamHead', [streamName])).rows[0];
    const current = head?.version ?? 0;
    checkExpectedVersion(streamName, options.expectedVersion, current);
    assertDistinctEventIds(events);
    // Positions are taken (and this transaction's id assigned) only while holding the sequencer.
    if (events.length > 0) await sequencer.acquire();

    let previousHash = head?.last_hash ?? GENESIS_HASH;
    const prepared = events.map(prepareEvent);
    const hashes = prepared.map((e, i) => {
      previousHash = eventHash({
        streamName,
        version: current + i + 1,
        type: e.type,
        data: e.data,
        metadata: e.metadata,
        previousHash,
      });
      return previousHash;
    });
    const recordedAt = command ? (command.recordedAt ?? new Date().toISOString()) : null;
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
    const stored = prepared.map<StoredEvent>((e, i) => {
      const row = rows[i];
      if (row?.version !== current + i + 1) throw new Error(`event ${i + 1} of the append was not stored in order`);
      return {
        streamName,
        version: row.version,
        position: Number(row.position),
        type: e.type,
        data: e.data,
        metadata: e.metadata,
        hash: hashes[i]!,
      };
    });
    const nextExpectedVersion = current + stored.length;
    const result: AppendResult = { streamName, nextExpectedVersion, events: stored, duplicate: false };
    if (command) {
      result.command = {
        commandId: command.commandId,
        fingerprint: command.fingerprint,
        streamName,
        fromVersion: current + 1,
        toVersion: nextExpectedVersion,
        firstPosition: stored[0]?.position ?? 0,
        lastPosition: stored[stored.length - 1]?.position ?? 0,
        recordedAt: recordedAt!,
      };
    }
    return result;
  }

  /** The stored outcome of an already recorded command, or IdempotencyKeyReusedError. */
  private async replay(
    client: PoolClient,
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
    return { streamName, nextExpectedVersion: recorded.toVersion, events, duplicate: true, command: recorded };
  }

  private async readStreamOn(db: Queryable, streamName: string, options: ReadStreamOptions): Promise<StoredEvent[]> {
    const from = Math.max(1, options.fromVersion ?? 1);
    const to = Math.min(options.toVersion ?? 2_147_483_647, 2_147_483_647);
    if (to < from) return [];
    const limit = options.limit === undefined ? null : Math.max(0, options.limit);
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
      const passed = (await this.run<{ passed: boolean }>(this.pg, 'horizonPassed', [held.tx])).rows[0]?.passed;
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

function prepareEvent(e: NewEvent): PreparedEvent {
  // Hash and return what reads will give back: the JSON round trip drops undefined fields.
  const dataJson = JSON.stringify(e.data);
  const metadataJson = JSON.stringify(e.metadata);
  return {
    type: e.type,
    dataJson,
    metadataJson,
    data: JSON.parse(dataJson) as JsonObject,
    metadata: JSON.parse(metadataJson) as EventMetadata,
  };
}

function assertDistinctEventIds(events: readonly NewEvent[]): void {
  const ids = new Set<string>();
  for (const e of events) {
    const id = e.metadata.eventId;
    if (ids.has(id)) throw new InvalidAppendError(`duplicate event id: ${id}`);
    ids.add(id);
  }
}

/**
 * The schema's sequencer: a session-level advisory lock held from before this transaction's first
 * write (which assigns its transaction id) and its taking of positions, until they are taken. So
 * transaction ids and positions are handed out in the same order, which the `readAll` rule needs.
 * Session-level, so it is not held through the commit: appends still commit in parallel.
 */
class Sequencer {
  held = false;

  constructor(private readonly run: (name: 'lockSequencer' | 'unlockSequencer') => Promise<unknown>) {}

  async acquire(): Promise<void> {
    if (this.held) return;
    await this.run('lockSequencer');
    this.held = true;
  }

  /** Only outside an aborted transaction. */
  async release(): Promise<void> {
    if (!this.held) return;
    await this.run('unlockSequencer');
    this.held = false;
  }

  /** False when the lock could not be released (the connection must then be closed). */
  async tryRelease(): Promise<boolean> {
    try {
      await this.release();
      return true;
    } catch {
      return false;
    }
  }
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
        await client.query(step(s));
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
