import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  ChainHeadRecorder,
  isChainHeadStore,
  type EventStore,
  type SigningKey,
} from '@patent-ledger/eventsourcing';
import type { LedgerConfig } from '../config';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import { loadOrCreateSigningKey } from './signing-key';

/**
 * Keeps the global hash chain signed: every few seconds when events arrived (a head per
 * `LEDGER_CHAIN_HEAD_EVERY` events) and once more on shutdown.
 */
@Injectable()
export class ChainService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Chain');
  readonly key: SigningKey | undefined;
  private recorder: ChainHeadRecorder | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
  ) {
    if (config.signingKeyFile) {
      const { key, created } = loadOrCreateSigningKey(config.signingKeyFile, true);
      if (created) this.logger.log(`created signing key ${config.signingKeyFile} (key id ${key.keyId})`);
      this.key = key;
      if (isChainHeadStore(store))
        this.recorder = new ChainHeadRecorder(store, store, key, { everyEvents: config.chainHeadEvery });
    }
  }

  onApplicationBootstrap(): void {
    if (!this.recorder) return;
    this.timer = setInterval(() => void this.record(), 5000);
    this.timer.unref();
  }

  /** Records signed heads up to the end of the log (serialised: one recording at a time). */
  record(): Promise<unknown> {
    const recorder = this.recorder;
    if (!recorder) return Promise.resolve();
    this.running = this.running.then(() =>
      recorder
        .record()
        .catch((err: unknown) =>
          this.logger.error(`recording the chain head failed: ${(err as Error).message}`),
        ),
    );
    return this.running;
  }

  /** Before the store closes (it closes in onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.record();
  }
}
