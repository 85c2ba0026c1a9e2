import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Projector, type EventStore, type ProjectionStatus } from '@patent-ledger/eventsourcing';
import type { ReadModels } from '@patent-ledger/read-models';
import type { LedgerConfig } from '../config';
import { ProblemException } from '../common/problem';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';

export const READ_MODELS = Symbol('READ_MODELS');

/**
 * Owns the read models and, unless LEDGER_PROJECTOR=off, the in-process projector that keeps them
 * up to date from the log.
 */
@Injectable()
export class ReadModelsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projector');
  readonly projector: Projector;
  private ready: Promise<void> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) readonly readModels: ReadModels,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {
    this.projector = new Projector(store, readModels, {
      onError: (err) => this.logger.error(err.message),
    });
  }

  onApplicationBootstrap(): void {
    // Initialising may rebuild a projection whose version changed: queries keep answering from the
    // old tables meanwhile, so the api does not wait for it.
    this.ready = this.readModels
      .init(this.store)
      .then(() => this.projector.init())
      .then(() => {
        if (this.config.projector === 'inline') this.projector.start();
      })
      .catch((err: unknown) => this.logger.error(`read models failed to start: ${(err as Error).message}`));
  }

  /** Before the store closes (it closes in onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.ready;
    await this.projector.stop();
    await this.readModels.close();
  }

  /** New events were appended in this process: project them now rather than at the next poll. */
  poke(): void {
    this.projector.poke();
  }

  status(): Promise<ProjectionStatus[]> {
    return this.projector.status();
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
      this.projector.poke();
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
