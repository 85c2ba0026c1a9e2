import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { workerSource } from '@patent-ledger/eventsourcing';
import type { RelayStatus } from '@patent-ledger/publishers';

/** What the publishers' thread is started with. */
export interface PublisherThreadData {
  /** The SQLite event store's file, opened read-only in the thread. */
  dbFile: string;
  stateFile: string;
  source: string;
  pokeDelayMs: number;
  pollIntervalMs?: number;
  /** The thread's nice value on Linux (default 10: below the api's threads when the CPU is contended). */
  niceness?: number;
  nats?: { url: string; stream: string; subjectPrefix: string };
  amqp?: { url: string; exchange: string };
}

export type ToPublisherThread = { type: 'poke' } | { type: 'status'; id: number } | { type: 'stop' };
type FromPublisherThread =
  | { type: 'ready' }
  | { type: 'published'; name: string; count: number }
  | { type: 'error'; message: string }
  | { type: 'status'; id: number; statuses: RelayStatus[] }
  | { type: 'stopped' };

export interface PublisherThreadHooks {
  onPublished?: (name: string, count: number) => void;
  onError?: (message: string) => void;
}

/**
 * The NATS JetStream and RabbitMQ relays of a SQLite store in a worker thread of their own: the api's
 * thread only posts a wake-up per append (at most one per turn of its event loop), the thread reads
 * the log in batches on its own read-only connection and publishes. Same guarantees as the relays in
 * the api's thread (checkpoints in the publishers' database, at-least-once, log order); a thread that
 * dies is started again from the checkpoints.
 */
export class PublisherThread {
  private worker: Worker | undefined;
  private pokeQueued = false;
  private nextId = 1;
  private readonly waiting = new Map<number, (s: RelayStatus[]) => void>();
  private stopping = false;
  private last: RelayStatus[] = [];

  constructor(
    private readonly data: PublisherThreadData,
    private readonly hooks: PublisherThreadHooks = {},
  ) {}

  start(): Promise<void> {
    this.stopping = false;
    const { code, eval: isEval } = workerSource(
      __dirname,
      'publisher-thread-worker',
      join(__dirname, '..', '..', '..', '..', 'libs'),
    );
    const worker = new Worker(code, { eval: isEval, workerData: this.data });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromPublisherThread) => {
        switch (m.type) {
          case 'ready':
            return resolve();
          case 'published':
            return this.hooks.onPublished?.(m.name, m.count);
          case 'error':
            return this.hooks.onError?.(m.message);
          case 'status': {
            this.last = m.statuses;
            this.waiting.get(m.id)?.(m.statuses);
            this.waiting.delete(m.id);
            return;
          }
          case 'stopped':
            return;
        }
      });
      worker.on('error', (err) => {
        this.hooks.onError?.(`publishers' thread: ${err.message}`);
        reject(err);
      });
      worker.on('exit', () => {
        for (const done of this.waiting.values()) done(this.last);
        this.waiting.clear();
        if (this.worker !== worker) return;
        this.worker = undefined;
        // Died while it should run: start it again, from the checkpoints.
        if (!this.stopping)
          setTimeout(() => !this.stopping && void this.start().catch(() => undefined), 1000).unref();
      });
    });
  }

  /** New events were appended: one wake-up per turn of the event loop, however many appends. */
  poke(): void {
    if (this.pokeQueued || !this.worker) return;
    this.pokeQueued = true;
    setImmediate(() => {
      this.pokeQueued = false;
      this.worker?.postMessage({ type: 'poke' } satisfies ToPublisherThread);
    });
  }

  async status(): Promise<RelayStatus[]> {
    const worker = this.worker;
    if (!worker) return this.last.map((s) => ({ ...s, state: 'stopped' as const }));
    const id = this.nextId++;
    return new Promise<RelayStatus[]>((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage({ type: 'status', id } satisfies ToPublisherThread);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    this.last = await this.status();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 10_000);
      worker.on('message', (m: FromPublisherThread) => {
        if (m.type !== 'stopped') return;
        clearTimeout(timer);
        void worker.terminate().then(() => resolve());
      });
      worker.postMessage({ type: 'stop' } satisfies ToPublisherThread);
    });
    this.worker = undefined;
  }
}
