import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  deserializeError,
  workerSource,
  type AppendManyResult,
  type AppendOptions,
  type AppendRequest,
  type AppendResult,
  type ChainHead,
  type ChainHeadStore,
  type HashLog,
  type CommandRecord,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SerializedError,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import type Database from 'better-sqlite3';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store';
import type { WriterThreadData } from './sqlite-writer';
import type { SqliteWriterThreadModule } from './sqlite-writer-thread';

/** this thread → writer thread */
export type WriterRequest =
  | { type: 'append'; id: number; streamName: string; events: NewEvent[]; options: AppendOptions }
  | { type: 'appendMany'; id: number; requests: AppendRequest[] }
  | { type: 'appendChainHead'; id: number; head: ChainHead }
  | { type: 'call'; id: number; payload: unknown }
  | { type: 'close' };

/** writer thread → this thread */
export type WriterReply =
  | { type: 'ready' }
  | { type: 'fatal'; error: SerializedError }
  | { type: 'appended'; id: number; result: AppendResult }
  | {
      type: 'appendedMany';
      id: number;
      results: ({ ok: true; result: AppendResult } | { ok: false; error: SerializedError })[];
    }
  | { type: 'done'; id: number }
  | { type: 'called'; id: number; value: unknown }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'closed' };

/**
 * A writer thread of one's own: a module (`name`, without extension, in `dir`) that calls
 * serveSqliteWriter with an extension answering `call`. `libsDir` is the repository's libs folder
 * (used when the module runs from TypeScript sources, see workerSource).
 */
export interface WriterThreadModule {
  dir: string;
  name: string;
  libsDir: string;
}

interface Pending {
  resolve(reply: WriterReply): void;
  reject(err: Error): void;
}

/** The writer thread stopped (crashed or was terminated) before it answered. */
export class WriterThreadStoppedError extends Error {
  readonly code = 'STORE.WRITER_STOPPED';
  constructor(reason: string) {
    super(
      `the SQLite writer thread stopped before answering (${reason}); the append may or may not have been committed: retry it with the same command id`,
    );
    this.name = 'WriterThreadStoppedError';
  }
}

/**
 * The SQLite event store with its writes in a thread of their own: appends (and chain heads) are
 * committed by a writer thread — where the commit's fsync waits — while reads are answered at once on
 * this thread's own connection (WAL: readers never wait for the writer). An append resolves after
 * its commit, so a read that follows it sees it. Same file, schema, rules and durability as
 * SqliteEventStore (it is the same store, run in the writer thread). A writer thread that dies fails
 * the appends in flight with WriterThreadStoppedError and is started again by the next write.
 */
export class ThreadedSqliteEventStore implements EventStore, ChainHeadStore, HashLog {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly file: string,
    private readonly options: SqliteEventStoreOptions,
    /** This thread's connection: reads only. */
    private readonly reader: SqliteEventStore,
    private readonly thread: WriterThreadModule | undefined,
  ) {}

  /**
   * Opens the file (creating and migrating it on this thread), then starts the writer thread and
   * waits until its connection is open. `':memory:'` is refused: two connections would see two
   * databases.
   */
  static async open(
    file: string,
    options: SqliteEventStoreOptions = {},
    /** The writer thread's module, when it answers calls of its own (default: the plain writer). */
    thread?: WriterThreadModule,
  ): Promise<ThreadedSqliteEventStore> {
    if (file === ':memory:') throw new Error('ThreadedSqliteEventStore needs a file, not :memory:');
    const reader = SqliteEventStore.open(file, options);
    const store = new ThreadedSqliteEventStore(file, options, reader, thread);
    try {
      await store.writer();
    } catch (err) {
      await reader.close();
      throw err;
    }
    return store;
  }

  /** This thread's (reading) connection, for tests and maintenance tools. */
  get database(): Database.Database {
    return this.reader.database;
  }

  async append(streamName: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const reply = await this.request((id) => ({ type: 'append', id, streamName, events, options }));
    return (reply as Extract<WriterReply, { type: 'appended' }>).result;
  }

  async appendMany(requests: AppendRequest[]): Promise<AppendManyResult[]> {
    const reply = await this.request((id) => ({ type: 'appendMany', id, requests }));
    return (reply as Extract<WriterReply, { type: 'appendedMany' }>).results.map((r) =>
      r.ok ? r : { ok: false, error: deserializeError(r.error) },
    );
  }

  /**
   * A request of the writer thread's own kind (see WriterThreadModule), answered on the writer's
   * connection; errors come back as deserializeError makes them.
   */
  async call<T>(payload: unknown): Promise<T> {
    const reply = await this.request((id) => ({ type: 'call', id, payload }));
    return (reply as Extract<WriterReply, { type: 'called' }>).value as T;
  }

  /** Whether the writer thread answers `call` (it was opened with a module of its own). */
  get answersCalls(): boolean {
    return this.thread !== undefined;
  }

  async appendChainHead(head: ChainHead): Promise<void> {
    await this.request((id) => ({ type: 'appendChainHead', id, head }));
  }

  readStream(streamName: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    return this.reader.readStream(streamName, options);
  }

  streamVersion(streamName: string): Promise<number> {
    return this.reader.streamVersion(streamName);
  }

  readAll(options?: ReadAllOptions): Promise<StoredEvent[]> {
    return this.reader.readAll(options);
  }

  headPosition(): Promise<number> {
    return this.reader.headPosition();
  }

  readHashes(after: number, limit: number): Promise<{ position: number; hash: string | null }[]> {
    return this.reader.readHashes(after, limit);
  }

  findCommand(commandId: string): Promise<CommandRecord | undefined> {
    return this.reader.findCommand(commandId);
  }

  ping(): Promise<void> {
    return this.reader.ping();
  }

  latestChainHead(): Promise<ChainHead | undefined> {
    return this.reader.latestChainHead();
  }

  readChainHeads(): Promise<ChainHead[]> {
    return this.reader.readChainHeads();
  }

  streamHeads(): Promise<Map<string, { version: number; lastHash: string | null }>> {
    return this.reader.streamHeads();
  }

  /** Waits for the writes in flight, closes the writer thread's connection, then this one. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // Requests already posted are answered first: the thread handles messages in order.
      worker.postMessage({ type: 'close' } satisfies WriterRequest);
      const timer = setTimeout(() => void worker.terminate(), 10_000);
      timer.unref();
      await exited;
      clearTimeout(timer);
    }
    await this.reader.close();
  }

  private request(make: (id: number) => WriterRequest): Promise<WriterReply> {
    if (this.closed) return Promise.reject(new Error('the event store is closed'));
    const post = (worker: Worker): Promise<WriterReply> => {
      const id = this.nextId++;
      return new Promise<WriterReply>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage(make(id));
      });
    };
    // Posted at once when the thread runs, so that a close() called later is handled after it.
    return this.worker ? post(this.worker) : this.writer().then(post);
  }

  /** The running writer thread, started (again) when there is none. */
  private writer(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.spawn().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private spawn(): Promise<Worker> {
    const t = this.thread ?? {
      dir: __dirname,
      name: 'sqlite-writer-thread' satisfies SqliteWriterThreadModule,
      libsDir: join(__dirname, '..', '..'),
    };
    const { code, eval: isEval } = workerSource(t.dir, t.name, t.libsDir);
    const data: WriterThreadData = { file: this.file, options: this.options };
    const worker = new Worker(code, { eval: isEval, workerData: data });
    return new Promise<Worker>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: WriterReply) => {
        switch (m.type) {
          case 'ready':
            started = true;
            this.worker = worker;
            resolve(worker);
            return;
          case 'fatal':
            if (!started) reject(deserializeError(m.error));
            return;
          case 'closed':
            return;
          case 'error': {
            const p = this.pending.get(m.id);
            this.pending.delete(m.id);
            p?.reject(deserializeError(m.error));
            return;
          }
          default: {
            const p = this.pending.get(m.id);
            this.pending.delete(m.id);
            p?.resolve(m);
          }
        }
      });
      worker.on('error', (err) => {
        if (!started) reject(err);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        if (!started) reject(new Error(`the SQLite writer thread exited with code ${code} while starting`));
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          p.reject(new WriterThreadStoppedError(`exit code ${code}`));
        }
      });
    });
  }
}
