import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import {
  ChainHeadRecorder,
  isChainHeadStore,
  type EventStore,
  type SigningKey,
} from '@patent-ledger/eventsourcing';
import {
  HeadsFileWitness,
  leafSourceOf,
  NatsWitness,
  TransparencyLog,
  TransparencyUnavailableError,
  type TransparencyEvidence,
  type TransparencyStatus,
  type TreeHead,
  type TreeStore,
  type Witness,
} from '@patent-ledger/transparency';
import type { LedgerConfig } from '../config';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import { isInsideDir, loadOrCreateSigningKey } from './signing-key';
import { openTreeStore } from './tree-store';

/** How often the api extends the tree and signs a head when events arrived (ms). */
const CYCLE_MS = 5000;

/**
 * Keeps the log signed. Every few seconds (and on shutdown): extends the Merkle tree of the global
 * log from the store (never inside an append), checks that the log still extends the last
 * witnessed head, signs a tree head, records it in the tree store, appends it to the heads file
 * (LEDGER_WITNESS_DIR) and publishes it to NATS; then records the global chain's signed head
 * (a head per LEDGER_CHAIN_HEAD_EVERY events). On start it first checks the whole log against every
 * witnessed head; when the log does not extend them it refuses to sign anything (and /health says
 * so) until restarted on a log that does.
 */
@Injectable()
export class ChainService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Chain');
  readonly key: SigningKey | undefined;
  private recorder: ChainHeadRecorder | undefined;
  private log: TransparencyLog | undefined;
  private tree: TreeStore | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private startup: Promise<unknown> | undefined;
  private startError: string | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {
    if (config.signingKeyFile) {
      const { key, created } = loadOrCreateSigningKey(config.signingKeyFile, true);
      if (created)
        this.logger.log(
          `created signing key ${config.signingKeyFile} (key id ${key.keyId}); publish its public key ${config.signingKeyFile}.pub (or GET /chain/key) to auditors, and keep the private key away from the data folder's backups`,
        );
      if (isInsideDir(config.signingKeyFile, config.dataDir))
        this.logger.warn(
          `the signing key ${config.signingKeyFile} is inside the data folder ${config.dataDir}: whoever can rewrite the database can also re-sign it`,
        );
      this.key = key;
      if (isChainHeadStore(store))
        this.recorder = new ChainHeadRecorder(store, store, key, { everyEvents: config.chainHeadEvery });
    }
  }

  async onModuleInit(): Promise<void> {
    if (!this.key) return;
    this.tree = await openTreeStore(this.config);
    const witnesses: { witness: Witness; required: boolean }[] = [];
    if (this.config.witnessDir)
      witnesses.push({ witness: new HeadsFileWitness(this.config.witnessDir), required: true });
    else this.logger.warn('LEDGER_WITNESS_DIR=off: signed tree heads are kept in the database only');
    if (this.config.witnessNats)
      witnesses.push({ witness: new NatsWitness(this.config.witnessNats), required: false });
    this.log = await TransparencyLog.open({
      source: leafSourceOf(this.store),
      tree: this.tree!,
      key: this.key,
      witnesses,
      logger: {
        log: (m) => this.logger.log(m),
        warn: (m) => this.logger.warn(m),
        error: (m) => this.logger.error(m),
      },
    });
  }

  onApplicationBootstrap(): void {
    if (!this.log) return;
    this.begin();
    this.timer = setInterval(() => void this.record(), CYCLE_MS);
    this.timer.unref();
  }

  /** Starts (or retries) the start-up check of the log against its witnessed heads, in the background. */
  private begin(): void {
    const log = this.log!;
    this.startup = log.start().then(
      (s) => {
        this.startError = undefined;
        if (s.state === 'ok')
          this.logger.log(
            `the log (${s.treeSize} events) extends its witnessed heads${s.latestHead ? ` (newest: size ${s.latestHead.treeSize})` : ''}`,
          );
      },
      (err: unknown) => {
        this.startError = (err as Error).message;
        this.logger.error(
          `checking the log against its witnessed heads failed (retrying): ${this.startError}`,
        );
      },
    );
  }

  /** What /health reports. */
  status(): (TransparencyStatus & { error?: string }) | { state: 'off' } {
    if (!this.log) return { state: 'off' };
    return { ...this.log.status(), ...(this.startError ? { error: this.startError } : {}) };
  }

  /** False when the api refuses to sign (the log does not extend its witnessed heads). */
  get healthy(): boolean {
    return this.log?.state !== 'refused';
  }

  latestHead(): TreeHead | undefined {
    return this.log?.latestHead();
  }

  transparency(): TransparencyLog {
    if (!this.log) throw new TransparencyUnavailableError('starting');
    return this.log;
  }

  treeStore(): TreeStore | undefined {
    return this.tree;
  }

  /** Inclusion proofs of the events against a signed head (see TransparencyLog.evidence). */
  evidence(events: readonly { position: number; hash?: string | null }[]): Promise<TransparencyEvidence> {
    return this.transparency().evidence(events.map((e) => ({ position: e.position, hash: e.hash })));
  }

  /** One round: a tree head, then the chain head — only while the log extends its witnessed heads. */
  record(): Promise<unknown> {
    const log = this.log;
    if (!log) return Promise.resolve();
    this.running = this.running.then(async () => {
      try {
        if (log.state === 'starting' && this.startError) {
          this.begin();
          return;
        }
        if (log.state !== 'ok') return;
        await log.cycle();
        if (log.state === 'ok') await this.recorder?.record();
      } catch (err) {
        this.logger.error(`recording the signed heads failed: ${(err as Error).message}`);
      }
    });
    return this.running;
  }

  /** Before the store closes (it closes in onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.log?.abort();
    await this.startup;
    await this.record();
    await this.log?.close();
    await this.tree?.close();
  }
}
