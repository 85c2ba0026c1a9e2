import { channel as diagnosticsChannel } from 'node:diagnostics_channel';
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  GENESIS_HASH,
  IdempotencyKeyReusedError,
  InvalidAppendError,
  eventHash,
  checkExpectedVersion,
  validateAppend,
  type AppendManyResult,
  type ChainHead,
  type ChainHeadStore,
  type HashLog,
  type AppendOptions,
  type AppendRequest,
  type AppendResult,
  type CommandRecord,
  type EventMetadata,
  type EventStore,
  type JsonObject,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  chainHeadFromRow,
  canonicalOfStored,
  storedEventHash,
  commandRecordFromRow,
  commandRecordOf,
  commandRowOf,
  type ChainHeadRow,
  type CommandRow,
} from '@patent-ledger/eventsourcing';

/**
 * Each group commit of `append` (the transaction and its fsync at synchronous=FULL) is published on
 * this diagnostics channel when something subscribes (the api's metrics); nothing is measured otherwise.
 */
export const SQLITE_COMMIT_CHANNEL = 'patent-ledger:sqlite:commit';
const COMMITS = diagnosticsChannel(SQLITE_COMMIT_CHANNEL);

/** One group commit: the database file, how long it took and how many appends it held. */
export interface SqliteCommitTiming {
  file: string;
  ms: number;
  appends: number;
}

export interface SqliteEventStoreOptions {
  /**
   * SQLite `synchronous` setting (the journal is always WAL). Default `'FULL'`: every commit is
   * fsynced, so an acknowledged append survives a process crash, an OS crash and a power loss.
   * `'NORMAL'` does not fsync on commit: an acknowledged append survives a process crash but the
   * last commits may be lost on an OS crash or power loss (the file stays consistent). It is about
   * twice as fast; use it only where lost appends can be redone (bulk import, benchmarks).
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another connection (e.g. a CLI process) to release the lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * Group commit (default true): appends that arrive while a commit is under way are committed
   * together in the next transaction — one fsync for all of them — each still checked on its own
   * (appendMany's rules) and acknowledged only after that commit. Under concurrency this multiplies
   * the throughput at synchronous=FULL; a lone writer pays one `setImmediate` of latency.
   */
  groupCommit?: boolean;
  /**
   * Open the file read-only (`verify`, `replay`): nothing is created or migrated, and it works on a
   * read-only copy or a full disk. Appends fail.
   */
  readonly?: boolean;
}

/**
 * Schema migrations: entry i brings the schema from version i to i + 1 (tracked in `user_version`).
 * Append new entries; never edit an applied one.
 */
const MIGRATIONS: readonly (string | ((db: Database.Database) => void))[] = [
  `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY,
    stream_name TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    event_id    TEXT    NOT NULL UNIQUE,
    command_id  TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    UNIQUE (stream_name, version)
  );
  CREATE TABLE IF NOT EXISTS streams (
    stream_name TEXT    PRIMARY KEY,
    version     INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS commands (
    command_id     TEXT    PRIMARY KEY,
    fingerprint    TEXT    NOT NULL,
    stream_name    TEXT    NOT NULL,
    from_version   INTEGER NOT NULL,
    to_version     INTEGER NOT NULL,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL,
    recorded_at    TEXT    NOT NULL
  ) WITHOUT ROWID;
  `,
  // 2: the per-stream hash chain. Existing events get their chain computed once, in log order.
  (db) => {
    db.exec(`ALTER TABLE events ADD COLUMN hash TEXT;
             ALTER TABLE streams ADD COLUMN last_hash TEXT;
             CREATE TABLE IF NOT EXISTS chain_heads (
               seq        INTEGER PRIMARY KEY,
               position   INTEGER NOT NULL,
               count      INTEGER NOT NULL,
               head       TEXT NOT NULL,
               signed_at  TEXT NOT NULL,
               key_id     TEXT NOT NULL,
               signature  TEXT NOT NULL
             );`);
    const last = new Map<string, string>();
    const update = db.prepare('UPDATE events SET hash = ? WHERE position = ?');
    const page = db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT 10000`,
    );
    for (let after = 0; ;) {
      const rows = page.all(after) as EventRow[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const hash = eventHash({
          streamName: row.stream_name,
          version: row.version,
          type: row.type,
          data: JSON.parse(row.data) as JsonObject,
          metadata: JSON.parse(row.metadata) as EventMetadata,
          previousHash: last.get(row.stream_name) ?? GENESIS_HASH,
        });
        update.run(hash, row.position);
        last.set(row.stream_name, hash);
        after = row.position;
      }
    }
    const setLast = db.prepare('UPDATE streams SET last_hash = ? WHERE stream_name = ?');
    for (const [stream, hash] of last) setLast.run(hash, stream);
  },
];

const DEFAULT_READ_ALL_LIMIT = 1000;
const EVENT_COLUMNS = 'position, stream_name, version, type, data, metadata, hash';

interface EventRow {
  position: number;
  stream_name: string;
  version: number;
  type: string;
  data: string;
  metadata: string;
  hash: string | null;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    streamName: row.stream_name,
    version: row.version,
    position: row.position,
    type: row.type,
    data: JSON.parse(row.data) as JsonObject,
    metadata: JSON.parse(row.metadata) as EventMetadata,
    ...(row.hash !== null ? { hash: row.hash } : {}),
  };
}

/** An append whose insert hit an event id already stored: nothing of it is kept. */
class DuplicateEventIdError extends InvalidAppendError {}

function isDuplicateEventId(err: unknown): boolean {
  // Not `instanceof Database.SqliteError`: a second copy of the module (jest's registry, two
  // bundles) carries another class; the code and message are what SQLite reports.
  const e = err as { code?: unknown; message?: unknown } | null;
  return (
    !!e &&
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    typeof e.message === 'string' &&
    e.message.includes('events.event_id')
  );
}

/**
 * The `events` rows (BATCH_INSERTS.events column order) of `events` appended to a stream
 * at version `current` whose last hash is `previousHash`, at positions from `firstPosition`, and the
 * events as stored. The hash is computed from the JSON that is written, so it is the hash of what is
 * read back.
 */
function eventRows(
  streamName: string,
  events: readonly NewEvent[],
  current: number,
  previousHash: string,
  firstPosition: number,
): { rows: unknown[][]; stored: StoredEvent[]; lastHash: string } {
  const rows: unknown[][] = [];
  const stored: StoredEvent[] = [];
  let hash = previousHash;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const version = current + i + 1;
    const position = firstPosition + i;
    const { eventId, commandId, recordedAt } = e.metadata;
    const dataJson = JSON.stringify(e.data);
    const metadataJson = JSON.stringify(e.metadata);
    hash = storedEventHash(
      streamName,
      version,
      e.type,
      canonicalOfStored(e.data, dataJson),
      canonicalOfStored(e.metadata, metadataJson),
      hash,
    );
    rows.push([
      position,
      streamName,
      version,
      e.type,
      dataJson,
      metadataJson,
      eventId,
      commandId,
      recordedAt,
      hash,
    ]);
    stored.push({ streamName, version, position, type: e.type, data: e.data, metadata: e.metadata, hash });
  }
  return { rows, stored, lastHash: hash };
}

/** A command record's `commands` row (BATCH_INSERTS.commands column order). */
const commandRowValues = (r: CommandRecord): unknown[] => [
  r.commandId,
  r.fingerprint,
  r.streamName,
  r.fromVersion,
  r.toVersion,
  r.firstPosition,
  r.lastPosition,
  r.recordedAt,
];

/** An error SQLite raised (busy, I/O, full disk…), as opposed to one of the append's checks. */
function isDatabaseFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return !(err instanceof Error) || (typeof code === 'string' && code.startsWith('SQLITE_'));
}

/** All statements, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  return {
    findCommand: db.prepare<[string], CommandRow>('SELECT * FROM commands WHERE command_id = ?'),
    insertEvent: db.prepare<[unknown[]]>(`${BATCH_INSERTS.events.head} VALUES ${BATCH_INSERTS.events.row}`),
    insertCommand: db.prepare<[unknown[]]>(
      `${BATCH_INSERTS.commands.head} VALUES ${BATCH_INSERTS.commands.row}`,
    ),
    streamVersion: db.prepare<[string], number>('SELECT version FROM streams WHERE stream_name = ?').pluck(),
    streamHead: db.prepare<[string], { version: number; last_hash: string | null }>(
      'SELECT version, last_hash FROM streams WHERE stream_name = ?',
    ),
    upsertStream: db.prepare<[string, number, string]>(
      `INSERT INTO streams (stream_name, version, last_hash) VALUES (?, ?, ?)
       ON CONFLICT (stream_name) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash`,
    ),
    readStream: db.prepare<[string, number, number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE stream_name = ? AND version >= ? AND version <= ? ORDER BY version LIMIT ?`,
    ),
    readAll: db.prepare<[number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    ),
    headPosition: db.prepare<[], number>('SELECT coalesce(max(position), 0) FROM events').pluck(),
    readHashes: db.prepare<[number, number], { position: number; hash: string | null }>(
      'SELECT position, hash FROM events WHERE position > ? ORDER BY position LIMIT ?',
    ),
    findCommands: db.prepare<[string], CommandRow>(
      'SELECT * FROM commands WHERE command_id IN (SELECT value FROM json_each(?))',
    ),
    streamHeads: db.prepare<[string], { stream_name: string; version: number; last_hash: string | null }>(
      'SELECT stream_name, version, last_hash FROM streams WHERE stream_name IN (SELECT value FROM json_each(?))',
    ),
  };
}
type Statements = ReturnType<typeof prepareStatements>;

/** Rows per multi-row INSERT of a batch (10 parameters per event row: 640 of SQLite's 32,766). */
const ROWS_PER_INSERT = 64;

/**
 * Multi-row INSERTs of `n` rows (1-ROWS_PER_INSERT) into the events, streams and commands tables,
 * prepared on first use. One statement per 64 rows instead of one per row: a batch's rows are
 * written with far fewer calls into SQLite.
 */
class BatchInserts {
  private readonly cache = new Map<string, Database.Statement<unknown[]>>();

  constructor(private readonly db: Database.Database) {}

  private statement(table: 'events' | 'streams' | 'commands', n: number): Database.Statement<unknown[]> {
    const key = `${table}:${n}`;
    let stmt = this.cache.get(key);
    if (!stmt) {
      const spec = BATCH_INSERTS[table];
      const values = Array.from({ length: n }, () => spec.row).join(',');
      stmt = this.db.prepare<unknown[]>(`${spec.head} VALUES ${values}${spec.tail}`);
      this.cache.set(key, stmt);
    }
    return stmt;
  }

  /** Inserts `rows` (each `width` values, flattened) in statements of up to ROWS_PER_INSERT rows. */
  run(table: 'events' | 'streams' | 'commands', values: unknown[]): void {
    const width = BATCH_INSERTS[table].width;
    const rows = values.length / width;
    for (let at = 0; at < rows; at += ROWS_PER_INSERT) {
      const n = Math.min(ROWS_PER_INSERT, rows - at);
      const params = at === 0 && n === rows ? values : values.slice(at * width, (at + n) * width);
      this.statement(table, n).run(params);
    }
  }
}

const BATCH_INSERTS = {
  events: {
    head: `INSERT INTO events (position, stream_name, version, type, data, metadata, event_id, command_id, recorded_at, hash)`,
    row: '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    tail: '',
    width: 10,
  },
  streams: {
    head: 'INSERT INTO streams (stream_name, version, last_hash)',
    row: '(?, ?, ?)',
    tail: ' ON CONFLICT (stream_name) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash',
    width: 3,
  },
  commands: {
    head: `INSERT INTO commands (command_id, fingerprint, stream_name, from_version, to_version,
                                first_position, last_position, recorded_at)`,
    row: '(?, ?, ?, ?, ?, ?, ?, ?)',
    tail: '',
    width: 8,
  },
} as const;

/**
 * EventStore on SQLite (better-sqlite3, WAL journal).
 *
 * Each append is one `BEGIN IMMEDIATE` transaction: command-id lookup, version check (from the
 * `streams` table), event inserts, stream version and command record. Positions are the `events`
 * rowid, assigned in commit order under SQLite's single writer lock, so readers never see a gap.
 * Several processes may share the file; writers wait up to `busyTimeoutMs` for the lock.
 *
 * Durability: the default `synchronous = FULL` fsyncs the WAL at every commit, so an acknowledged
 * append survives a process crash and also an OS crash or power loss. `NORMAL` (SQLite's WAL
 * default) only writes the WAL to the OS page cache at commit and fsyncs at checkpoints: an
 * acknowledged append still survives a process crash (the OS owns the written pages), but the last
 * commits before an OS crash or power loss may be rolled back. This store is the system of record,
 * so FULL is the default despite costing about half the append rate (toolchain.md: ~1,900 vs
 * ~4,000 appends/s of 10 events); NORMAL is an option for redoable bulk work.
 *
 * Events returned by `append` share their `data` and `metadata` objects with the input; events read
 * back are parsed from storage, so mutating them never changes what is stored.
 */
export class SqliteEventStore implements EventStore, ChainHeadStore, HashLog {
  private readonly statements: Statements;
  private readonly inserts: BatchInserts;
  private readonly appendTransaction: Database.Transaction<
    (streamName: string, events: NewEvent[], options: AppendOptions) => AppendResult
  >;

  private readonly appendManyNow: (requests: AppendRequest[]) => AppendManyResult[];

  private constructor(
    private readonly db: Database.Database,
    private readonly groupCommit: boolean,
  ) {
    this.statements = prepareStatements(db);
    this.inserts = new BatchInserts(db);
    this.appendTransaction = db.transaction(
      (streamName: string, events: NewEvent[], options: AppendOptions) =>
        this.appendInTransaction(streamName, events, options),
    );
    // Fast path: the whole batch in one transaction, its existence checks done in two queries and its
    // rows written with multi-row INSERTs (see appendBatch). Every check of a request runs before any
    // of its rows is written, so a request that fails a check has written nothing. Only an insert can
    // fail (a duplicate event id); then the whole batch is rolled back and run again with a savepoint
    // per request.
    const fast = db.transaction((requests: AppendRequest[]) => this.appendBatch(requests));
    const isolated = db.transaction((requests: AppendRequest[]) =>
      requests.map((r): AppendManyResult => {
        try {
          validateAppend(r.streamName, r.options.expectedVersion);
          return { ok: true, result: this.appendTransaction(r.streamName, r.events, r.options) };
        } catch (error) {
          return { ok: false, error: error as Error };
        }
      }),
    );
    this.appendManyNow = (requests) => {
      // One request (a lone writer's group): its own transaction with single-row statements, which
      // for one append costs less than the batch path's lookups and statement set-up (measured with
      // bench/tools/appends-profile.ts: ~20 % more appends/s).
      if (requests.length === 1) {
        const r = requests[0]!;
        try {
          validateAppend(r.streamName, r.options.expectedVersion);
          return [{ ok: true, result: this.appendTransaction.immediate(r.streamName, r.events, r.options) }];
        } catch (error) {
          // The request's own failures are its result; SQLite's (busy, I/O, full disk) are thrown. One
          // difference from the batch path, for appendMany callers only (append() rejects either
          // way): a value the driver cannot bind is this request's result here, thrown there.
          if (isDatabaseFailure(error)) throw error;
          return [{ ok: false, error: error as Error }];
        }
      }
      try {
        return fast.immediate(requests);
      } catch (error) {
        if (error instanceof DuplicateEventIdError) return isolated.immediate(requests);
        throw error;
      }
    };
  }

  /**
   * Opens (creating if needed) the database file, its parent directory and the schema. `':memory:'`
   * gives a private in-memory database.
   */
  static open(file: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const synchronous = options.synchronous ?? 'FULL';
    if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
      throw new Error(`invalid synchronous setting: ${String(synchronous)}`);
    }
    if (options.readonly)
      return new SqliteEventStore(openReadOnly(file, options.busyTimeoutMs ?? 5000), false);
    if (file !== ':memory:') createPrivately(file);
    const db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      // Fewer, larger WAL checkpoints and a 64 MiB page cache: bulk appends touch many index pages.
      db.pragma('wal_autocheckpoint = 16384');
      db.pragma('cache_size = -65536');
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteEventStore(db, options.groupCommit ?? true);
  }

  /** The underlying connection, for tests and maintenance tools. */
  get database(): Database.Database {
    return this.db;
  }

  async append(streamName: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamName, options.expectedVersion);
    if (!this.groupCommit) return this.appendTransaction.immediate(streamName, events, options);
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ request: { streamName, events, options }, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private readonly pending: {
    request: AppendRequest;
    resolve: (r: AppendResult) => void;
    reject: (e: unknown) => void;
  }[] = [];

  /** Commits every queued append in one transaction and settles each caller with its own outcome. */
  private flush(): void {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    try {
      this.assertOpen();
      const started = COMMITS.hasSubscribers ? performance.now() : undefined;
      const results = this.appendManyNow(batch.map((b) => b.request));
      if (started !== undefined) {
        COMMITS.publish({
          file: this.db.name,
          ms: performance.now() - started,
          appends: batch.length,
        } satisfies SqliteCommitTiming);
      }
      results.forEach((r, i) => (r.ok ? batch[i]!.resolve(r.result) : batch[i]!.reject(r.error)));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }

  async appendMany(requests: AppendRequest[]): Promise<AppendManyResult[]> {
    this.assertOpen();
    return this.appendManyNow(requests);
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.readStreamRange(streamName, options);
  }

  async streamVersion(streamName: string): Promise<number> {
    this.assertOpen();
    return this.statements.streamVersion.get(streamName) ?? 0;
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const rows = this.statements.readAll.all(options.after ?? 0, options.limit ?? DEFAULT_READ_ALL_LIMIT);
    return rows.map(toStoredEvent);
  }

  /** Position and hash of the events after `after` (HashLog: the chain recorder needs no more). */
  async readHashes(after: number, limit: number): Promise<{ position: number; hash: string | null }[]> {
    this.assertOpen();
    return this.statements.readHashes.all(after, limit);
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.statements.headPosition.get() ?? 0;
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    this.assertOpen();
    const row = this.statements.findCommand.get(commandId);
    return row && commandRecordFromRow(row);
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.statements.headPosition.get();
  }

  async latestChainHead(): Promise<ChainHead | undefined> {
    this.assertOpen();
    const row = this.db.prepare('SELECT * FROM chain_heads ORDER BY seq DESC LIMIT 1').get() as
      ChainHeadRow | undefined;
    return row && chainHeadFromRow(row);
  }

  async appendChainHead(h: ChainHead): Promise<void> {
    this.assertOpen();
    this.db
      .prepare(
        'INSERT INTO chain_heads (position, count, head, signed_at, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(h.position, h.count, h.head, h.signedAt, h.keyId, h.signature);
  }

  async readChainHeads(): Promise<ChainHead[]> {
    this.assertOpen();
    return (this.db.prepare('SELECT * FROM chain_heads ORDER BY seq').all() as ChainHeadRow[]).map(
      chainHeadFromRow,
    );
  }

  async streamHeads(): Promise<Map<string, { version: number; lastHash: string | null }>> {
    this.assertOpen();
    const rows = this.db.prepare('SELECT stream_name, version, last_hash FROM streams').all() as {
      stream_name: string;
      version: number;
      last_hash: string | null;
    }[];
    return new Map(rows.map((r) => [r.stream_name, { version: r.version, lastHash: r.last_hash }]));
  }

  /** Closes the connection. Idempotent; every later call rejects. */
  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private appendInTransaction(streamName: string, events: NewEvent[], options: AppendOptions): AppendResult {
    const { command } = options;
    if (command) {
      const recorded = this.statements.findCommand.get(command.commandId);
      if (recorded) return this.replay(commandRecordFromRow(recorded), streamName, command.fingerprint);
    }
    const head = this.statements.streamHead.get(streamName);
    const current = head?.version ?? 0;
    checkExpectedVersion(streamName, options.expectedVersion, current);

    // Positions as SQLite assigns rowids, read under the write lock (as the batch path does).
    const firstPosition = (this.statements.headPosition.get() ?? 0) + 1;
    const { rows, stored, lastHash } = eventRows(
      streamName,
      events,
      current,
      head?.last_hash ?? GENESIS_HASH,
      firstPosition,
    );
    for (let i = 0; i < rows.length; i++) {
      try {
        // One row per statement: for a single append, cheaper than the batch path's multi-row ones.
        this.statements.insertEvent.run(rows[i]!);
      } catch (err) {
        throw isDuplicateEventId(err)
          ? new DuplicateEventIdError(`duplicate event id: ${stored[i]!.metadata.eventId}`)
          : err;
      }
    }
    const nextExpectedVersion = current + stored.length;
    if (stored.length > 0) this.statements.upsertStream.run(streamName, nextExpectedVersion, lastHash);

    const result: AppendResult = { streamName, nextExpectedVersion, events: stored, duplicate: false };
    if (command) {
      const record = commandRecordOf(command, streamName, current, stored);
      this.statements.insertCommand.run(commandRowValues(record));
      result.command = record;
    }
    return result;
  }

  /**
   * appendMany's fast path, inside its transaction: appendInTransaction's checks and rows for every
   * request, in order, with the batch's recorded commands and stream heads read in two queries and
   * its rows written with multi-row INSERTs of up to ROWS_PER_INSERT rows (and before a replay, which
   * reads the log). Positions are assigned here, from the head position read under the
   * write lock, exactly as SQLite would assign the rowids. An insert that fails (a duplicate event
   * id) throws out of the transaction: nothing of the batch is kept.
   */
  private appendBatch(requests: AppendRequest[]): AppendManyResult[] {
    if (requests.length === 0) return [];
    const commandIds: string[] = [];
    const streamNames: string[] = [];
    for (const r of requests) {
      const id = r.options?.command?.commandId;
      if (typeof id === 'string') commandIds.push(id);
      if (typeof r.streamName === 'string') streamNames.push(r.streamName);
    }
    const recorded = new Map<string, CommandRow>();
    if (commandIds.length > 0) {
      for (const row of this.statements.findCommands.all(JSON.stringify(commandIds))) {
        recorded.set(row.command_id, row);
      }
    }
    const heads = new Map<string, { version: number; lastHash: string | null }>();
    for (const row of this.statements.streamHeads.all(JSON.stringify(streamNames))) {
      heads.set(row.stream_name, { version: row.version, lastHash: row.last_hash });
    }
    let position = this.statements.headPosition.get() ?? 0;
    let eventValues: unknown[] = [];
    let commandValues: unknown[] = [];
    const touched = new Set<string>();
    /** Set when writing the buffered rows failed: the batch must not commit. */
    let writeFailed = false;
    const write = (): void => {
      try {
        if (eventValues.length > 0) this.inserts.run('events', eventValues);
        if (touched.size > 0) {
          const streamValues: unknown[] = [];
          for (const name of touched) {
            const head = heads.get(name)!;
            streamValues.push(name, head.version, head.lastHash);
          }
          this.inserts.run('streams', streamValues);
        }
        if (commandValues.length > 0) this.inserts.run('commands', commandValues);
      } catch (err) {
        writeFailed = true;
        throw isDuplicateEventId(err) ? new DuplicateEventIdError('duplicate event id in the batch') : err;
      }
      eventValues = [];
      commandValues = [];
      touched.clear();
    };

    const results = requests.map((r): AppendManyResult => {
      const { streamName, events, options } = r;
      const { command } = options;
      /** Where this request's event rows start in the buffer (-1: none yet). */
      let mark = -1;
      try {
        validateAppend(streamName, options.expectedVersion);
        if (command) {
          const row = recorded.get(command.commandId);
          if (row) {
            write(); // the replay reads the log
            return {
              ok: true,
              result: this.replay(commandRecordFromRow(row), streamName, command.fingerprint),
            };
          }
        }
        const head = heads.get(streamName);
        const current = head?.version ?? 0;
        checkExpectedVersion(streamName, options.expectedVersion, current);
        const rows = eventRows(streamName, events, current, head?.lastHash ?? GENESIS_HASH, position + 1);
        const { stored } = rows;
        mark = eventValues.length;
        for (const row of rows.rows) for (const v of row) eventValues.push(v);
        // Every check passed: from here on the request's rows are part of the batch.
        position += stored.length;
        const nextExpectedVersion = current + stored.length;
        if (stored.length > 0) {
          heads.set(streamName, { version: nextExpectedVersion, lastHash: rows.lastHash });
          touched.add(streamName);
        }
        const result: AppendResult = { streamName, nextExpectedVersion, events: stored, duplicate: false };
        if (command) {
          const record = commandRecordOf(command, streamName, current, stored);
          commandValues.push(...commandRowValues(record));
          recorded.set(record.commandId, commandRowOf(record));
          result.command = record;
        }
        // Written as soon as a multi-row INSERT is full: a large batch does not keep its JSON.
        if (eventValues.length >= ROWS_PER_INSERT * BATCH_INSERTS.events.width) write();
        return { ok: true, result };
      } catch (error) {
        if (writeFailed) throw error;
        if (mark >= 0) eventValues.length = mark; // e.g. data that JSON cannot write: none of its rows
        return { ok: false, error: error as Error };
      }
    });
    write();
    return results;
  }

  /** The stored outcome of an already recorded command, or IdempotencyKeyReusedError. */
  private replay(recorded: CommandRecord, streamName: string, fingerprint: string): AppendResult {
    if (recorded.fingerprint !== fingerprint || recorded.streamName !== streamName) {
      throw new IdempotencyKeyReusedError(recorded.commandId);
    }
    const events =
      recorded.toVersion >= recorded.fromVersion
        ? this.readStreamRange(streamName, {
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

  private readStreamRange(streamName: string, options: ReadStreamOptions): StoredEvent[] {
    const rows = this.statements.readStream.all(
      streamName,
      options.fromVersion ?? 1,
      options.toVersion ?? Number.MAX_SAFE_INTEGER,
      options.limit ?? -1,
    );
    return rows.map(toStoredEvent);
  }

  private assertOpen(): void {
    if (!this.db.open) throw new Error('SqliteEventStore is closed');
  }
}

/** Applies the pending migrations in one immediate transaction (safe when processes open the file at once). */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `database schema version ${current} is newer than this code supports (${MIGRATIONS.length})`,
      );
    }
    for (const step of MIGRATIONS.slice(current)) {
      if (typeof step === 'string') db.exec(step);
      else step(db);
    }
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/**
 * Creates a database file that does not exist yet readable by its owner only (0600), in folders
 * created 0700: the ledger holds deal prices and personal names. SQLite gives the WAL and the
 * shared-memory file the main file's mode. Existing files and folders keep theirs.
 */
export function createPrivately(file: string): void {
  mkdirSync(dirname(resolve(file)), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/**
 * A read-only connection. A WAL database needs its shared-memory file (`-shm`), which SQLite cannot
 * create on a read-only file system or a full disk; when that is what fails and no WAL content is
 * waiting (no `-wal`, or an empty one: a copy, or a ledger closed cleanly), the file is read into
 * memory instead (its header set to the rollback journal, which an in-memory database needs) — exact,
 * at the price of the file's size in memory.
 */
function openReadOnly(file: string, timeout: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout });
    db.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get(); // the first read is what needs -shm
    return db;
  } catch (err) {
    db?.close();
    const code = (err as { code?: string }).code ?? '';
    let walBytes = 0;
    try {
      walBytes = statSync(`${file}-wal`).size;
    } catch {
      /* no WAL file */
    }
    if (!/^SQLITE_(CANTOPEN|IOERR|READONLY)/.test(code) || walBytes > 0) throw err;
    const image = readFileSync(file);
    // Bytes 18 and 19: the file format's write and read versions, 2 for WAL, 1 for the rollback journal.
    image[18] = 1;
    image[19] = 1;
    return new Database(image, { readonly: true });
  }
}
