import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  Projector,
  workerSource,
  type EventStore,
  type ProjectionStatus,
} from '@patent-ledger/eventsourcing';
import type { ReadModels } from '@patent-ledger/read-models';
import type { LedgerConfig } from '../config';
import type {
  ProjectorMessage,
  ProjectorReply,
  ProjectorThreadData,
  ProjectorThreadModule,
} from './projector-thread';

/** Where the api's projector runs: in the api's thread, or in a thread of its own. */
export interface ProjectorHost {
  /** Initialises the read models (creating or rebuilding projections) and starts following the log. */
  start(): Promise<void>;
  /** New events were appended: project them now rather than at the next poll. */
  poke(): void;
  status(): Promise<ProjectionStatus[]>;
  /** Clears a projection's failure so it retries from the event it failed on. */
  resume(name: string): Promise<boolean>;
  stop(): Promise<void>;
}

export interface HostLogger {
  error(message: string): void;
  warn(message: string): void;
}

/** The projector in the api's own thread (LEDGER_PROJECTOR=inline). */
export class InlineProjectorHost implements ProjectorHost {
  readonly projector: Projector;

  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModels,
    logger: HostLogger,
    batchSize?: number,
  ) {
    this.projector = new Projector(store, readModels, {
      ...(batchSize !== undefined ? { batchSize } : {}),
      onError: (err) => logger.error(err.message),
    });
  }

  async start(): Promise<void> {
    await this.readModels.init(this.store);
    await this.projector.init();
    this.projector.start();
  }

  poke(): void {
    this.projector.poke();
  }

  status(): Promise<ProjectionStatus[]> {
    return this.projector.status();
  }

  async resume(name: string): Promise<boolean> {
    return this.projector.resume(name);
  }

  stop(): Promise<void> {
    return this.projector.stop();
  }
}

/**
 * The projector in a worker thread of its own (LEDGER_PROJECTOR=worker, the default for stores other
 * processes or threads can open): it opens its own connections from the configuration, so projecting
 * runs beside request handling instead of between requests. If the thread dies it is started again
 * (after 1 s, doubling up to 30 s while it keeps failing to start); meanwhile `status()` reports
 * every projection failed with the reason.
 */
export class WorkerProjectorHost implements ProjectorHost {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, (reply: ProjectorReply) => void>();
  private nextId = 1;
  private stopping = false;
  private lastFailure: string | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Starts since the thread last got running (for the back-off). */
  private restarts = 0;

  constructor(
    private readonly config: LedgerConfig,
    private readonly store: EventStore,
    private readonly readModels: ReadModels,
    private readonly logger: HostLogger,
    /** How long start() waits for the thread's first catch-up set-up before it lets the api go on. */
    private readonly startWaitMs = 10_000,
  ) {}

  start(): Promise<void> {
    return this.spawn();
  }

  private spawn(): Promise<void> {
    const { code, eval: isEval } = workerSource(
      __dirname,
      'projector-thread' satisfies ProjectorThreadModule,
      join(__dirname, '..', '..', '..', '..', 'libs'),
    );
    const data: ProjectorThreadData = { config: this.config };
    const worker = new Worker(code, { eval: isEval, workerData: data });
    this.worker = worker;
    let settle: (() => void) | undefined;
    const ready = new Promise<void>((resolve) => (settle = resolve));
    worker.on('message', (m: ProjectorReply) => {
      switch (m.type) {
        case 'ready':
          this.lastFailure = undefined;
          this.restarts = 0;
          settle?.();
          return;
        case 'error':
          this.logger.error(m.message);
          return;
        case 'fatal':
          this.lastFailure = m.message;
          this.logger.error(`projector thread could not start: ${m.message}`);
          settle?.();
          return;
        case 'status':
        case 'resumed': {
          const reply = this.pending.get(m.id);
          this.pending.delete(m.id);
          reply?.(m);
          return;
        }
        case 'stopped':
          return;
      }
    });
    worker.on('error', (err) => {
      this.lastFailure = err.message;
      this.logger.error(`projector thread failed: ${err.message}`);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      settle?.();
      for (const [id, reply] of this.pending) {
        this.pending.delete(id);
        reply({ type: 'status', id, status: [] });
      }
      if (this.stopping) return;
      this.lastFailure ??= `exited with code ${code}`;
      // 1 s, then twice as long after each start that did not get running, up to 30 s.
      const delay = Math.min(30_000, 1000 * 2 ** this.restarts++);
      this.logger.warn(
        `projector thread exited (${this.lastFailure}); starting it again in ${delay / 1000} s`,
      );
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (!this.stopping) void this.spawn();
      }, delay);
      this.restartTimer.unref();
    });
    // Queries may come as soon as the api listens: give the thread a moment to create missing
    // projections; a long rebuild goes on in the background while the old tables keep answering.
    const cap = new Promise<void>((resolve) => setTimeout(resolve, this.startWaitMs).unref());
    return Promise.race([ready, cap]);
  }

  poke(): void {
    this.send({ type: 'poke' });
  }

  async status(): Promise<ProjectionStatus[]> {
    const reply = this.worker ? await this.request((id) => ({ type: 'status', id })) : undefined;
    if (reply?.type === 'status' && reply.status.length > 0) return reply.status;
    // The thread is not running (or not started yet): checkpoints as the api's connection sees them.
    const head = await this.store.headPosition();
    const failure = this.lastFailure;
    const at = new Date().toISOString();
    return Promise.all(
      this.readModels.projectionNames.map(async (name): Promise<ProjectionStatus> => {
        const position = await this.readModels.checkpoint(name).catch(() => 0);
        return {
          name,
          position,
          headPosition: head,
          lag: Math.max(0, head - position),
          state: failure ? 'failed' : this.stopping ? 'stopped' : 'running',
          ...(failure
            ? {
                lastError: {
                  message: `projector thread: ${failure}`,
                  position,
                  eventType: '',
                  streamName: '',
                  at,
                },
              }
            : {}),
        };
      }),
    );
  }

  async resume(name: string): Promise<boolean> {
    const reply = await this.request((id) => ({ type: 'resume', id, name }));
    return reply?.type === 'resumed' && reply.resumed;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies ProjectorMessage);
    // The thread closes its connections and its port, and so exits; force it after 10 s.
    const timer = setTimeout(() => void worker.terminate(), 10_000);
    timer.unref();
    await exited;
    clearTimeout(timer);
  }

  private send(m: ProjectorMessage): void {
    this.worker?.postMessage(m);
  }

  private request(make: (id: number) => ProjectorMessage): Promise<ProjectorReply | undefined> {
    if (!this.worker) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send(make(id));
    });
  }
}
