import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { EventStore, ProjectionStatus } from '@patent-ledger/eventsourcing';
import type { ReadModels } from '@patent-ledger/read-models';
import type { LedgerConfig } from '../config';
import { ProblemException } from '../common/problem';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import { InlineProjectorHost, WorkerProjectorHost, type ProjectorHost } from './projector-host';

export const READ_MODELS = Symbol('READ_MODELS');

/**
 * Owns the read models (queried in this thread) and the projector that keeps them up to date from
 * the log: in a thread of its own (LEDGER_PROJECTOR=worker, the default), in this thread (inline), or
 * not at all (off: `patent-ledger project` runs elsewhere).
 */
@Injectable()
export class ReadModelsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private readonly host: ProjectorHost | undefined;
  private ready: Promise<void> | undefined;
  private pokeTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) readonly readModels: ReadModels,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {
    const logger = { error: (m: string) => this.logger.error(m), warn: (m: string) => this.logger.warn(m) };
    if (config.projector === 'worker') {
      this.host = new WorkerProjectorHost(config, store, readModels, logger);
    } else if (config.projector === 'inline') {
      this.host = new InlineProjectorHost(store, readModels, logger, config.projectorBatchSize);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    // Initialising may rebuild a projection whose version changed: queries keep answering from the
    // old tables meanwhile, so the api does not wait for that (the worker host waits a few seconds at
    // most, so that a fresh database has its tables before the first query).
    const started = this.host ? this.host.start() : this.readModels.init(this.store);
    this.ready = started.catch((err: unknown) =>
      this.logger.error(`read models failed to start: ${(err as Error).message}`),
    );
    if (this.config.projector === 'worker') await this.ready;
  }

  /** Before the store closes (it closes in onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.ready;
    if (this.pokeTimer) clearTimeout(this.pokeTimer);
    this.pokeTimer = undefined;
    await this.host?.stop();
    await this.readModels.close();
  }

  /**
   * New events were appended in this process: project them soon rather than at the next poll —
   * after `projectorDelayMs`, so that appends arriving meanwhile are projected in one batch.
   */
  poke(): void {
    if (!this.host) return;
    const delay = this.config.projectorDelayMs;
    if (delay <= 0) return this.host.poke();
    if (this.pokeTimer) return;
    this.pokeTimer = setTimeout(() => {
      this.pokeTimer = undefined;
      this.host?.poke();
    }, delay);
    this.pokeTimer.unref();
  }

  async status(): Promise<ProjectionStatus[]> {
    if (this.host) return this.host.status();
    // LEDGER_PROJECTOR=off: the checkpoints another process keeps.
    const head = await this.store.headPosition();
    return Promise.all(
      this.readModels.projectionNames.map(async (name): Promise<ProjectionStatus> => {
        const position = await this.readModels.checkpoint(name);
        return { name, position, headPosition: head, lag: Math.max(0, head - position), state: 'stopped' };
      }),
    );
  }

  /** Clears a projection's failure so it retries from the event it failed on. */
  resume(name: string): Promise<boolean> {
    return this.host ? this.host.resume(name) : Promise.resolve(false);
  }

  /**
   * Read-your-writes: waits (up to `timeoutMs`) until projection `name` has applied position
   * `minPosition`, e.g. the position a command response returned.
   */
  async waitFor(name: string, minPosition: number | undefined, timeoutMs = 5000): Promise<void> {
    if (minPosition === undefined) return;
    const deadline = Date.now() + timeoutMs;
    while ((await this.readModels.checkpoint(name)) < minPosition) {
      if (Date.now() > deadline) {
        throw ProblemException.of(
          503,
          'PROJECTION.BEHIND',
          `projection ${name} has not reached position ${minPosition} within ${timeoutMs} ms; retry shortly`,
        );
      }
      this.host?.poke();
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
