import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Role } from '@patent-ledger/access';
import type { EventStore } from '@patent-ledger/eventsourcing';
import {
  AmqpSink,
  NatsJetStreamSink,
  PublisherState,
  Relay,
  webhookCheckpoint,
  WebhookSink,
  type RelayStatus,
  type Sink,
  type WebhookWithSecret,
} from '@patent-ledger/publishers';
import type { LedgerConfig } from '../config';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import { taskCorrelationId, withCorrelationId } from '../observability/context';
import { MetricsService } from '../observability/metrics.service';
import { EventAccess } from './event-access';
import { AppendNotifier } from './notifier';
import { PublisherThread } from './publisher-thread';

/**
 * Runs the api's publishers: a checkpointed relay from the log to NATS JetStream (LEDGER_NATS_URL),
 * one to RabbitMQ (LEDGER_AMQP_URL) and one per registered webhook, each with its checkpoint in the
 * publishers' database (LEDGER_PUBLISHERS_DB). They follow the log in the api's thread, woken by the
 * api's own appends and polling every second for others'. On the SQLite store the NATS and RabbitMQ
 * relays run in a worker thread of their own (PublisherThread), off the append path.
 *
 * One process publishes at a time: the host holds a lease row in the publishers' database
 * (LEDGER_PUBLISHER_LEASE_MS, renewed every third of it). Another api process on the same files
 * stands by, and takes over from the checkpoints once the lease has expired (its holder stopped or
 * was killed), so nothing goes out twice from two processes and nothing is skipped.
 */
/** The name of the publishers' lease row. */
const LEASE = 'publishers';

@Injectable()
export class PublisherHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Publishers');
  readonly state: PublisherState;
  private readonly relays = new Map<string, Relay>();
  private stopListening: (() => void) | undefined;
  /** Who holds the lease when this process does. */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private active = false;
  private leaseTimer: NodeJS.Timeout | undefined;
  private renewedAt = 0;
  private switching: Promise<void> = Promise.resolve();
  /** The broker relays' thread (SQLite store), started while this process holds the lease. */
  private thread: PublisherThread | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly notifier: AppendNotifier,
    private readonly metrics: MetricsService,
  ) {
    this.state = PublisherState.open(config.events.stateFile);
    metrics.setPublisherSource(
      async () =>
        (await this.status()).map((s) => ({
          name: s.name,
          position: s.position,
          lag: s.lag,
          failures: s.failures,
        })),
      () => this.state.pendingDeadLetterCount(),
    );
  }

  onApplicationBootstrap(): void {
    const e = this.config.events;
    if (this.config.store === 'sqlite' && (e.nats || e.amqp))
      this.thread = new PublisherThread(
        {
          dbFile: this.config.dbFile,
          stateFile: e.stateFile,
          source: e.source,
          pokeDelayMs: e.delayMs,
          ...(e.nats ? { nats: e.nats } : {}),
          ...(e.amqp ? { amqp: e.amqp } : {}),
        },
        {
          onPublished: (name, count) => this.metrics.published.inc({ publisher: name }, count),
          onError: (m) => this.logger.warn(m),
        },
      );
    else if (e.nats)
      this.add(
        new NatsJetStreamSink({
          url: e.nats.url,
          stream: e.nats.stream,
          subjectPrefix: e.nats.subjectPrefix,
        }),
        'nats',
      );
    if (e.amqp && !this.thread)
      this.add(new AmqpSink({ url: e.amqp.url, exchange: e.amqp.exchange }), 'amqp');
    for (const w of this.state.webhooks()) this.startWebhook(w);
    this.stopListening = this.notifier.listen(() => {
      if (!this.active) return;
      this.thread?.poke();
      for (const r of this.relays.values()) r.poke();
    });
    this.renewLease();
    this.leaseTimer = setInterval(() => this.renewLease(), Math.max(100, Math.floor(e.leaseMs / 3)));
    this.leaseTimer.unref();
  }

  /** Whether this process holds the publishers' lease (and so publishes). */
  get publishing(): boolean {
    return this.active;
  }

  /** Takes or renews the lease; starts the relays when it was taken, stops them when it was lost. */
  private renewLease(): void {
    const ttl = this.config.events.leaseMs;
    let held: boolean;
    try {
      held = this.state.tryLease(LEASE, this.holder, ttl);
      if (held) this.renewedAt = Date.now();
    } catch (err) {
      // The database was busy: the lease stays ours until it would have expired.
      held = this.active && Date.now() - this.renewedAt < ttl;
      this.logger.warn(`publishers' lease: ${(err as Error).message}`);
    }
    if (held && !this.active) {
      this.active = true;
      this.logger.log(`publishing (lease taken by ${this.holder})`);
      this.switching = this.switching.then(async () => {
        for (const r of this.relays.values()) this.startRelay(r);
        await this.thread
          ?.start()
          .catch((err: Error) => this.logger.warn(`publishers' thread: ${err.message}`));
      });
    } else if (!held && this.active) {
      this.active = false;
      this.logger.warn(
        `standing by: the publishers' lease is held by ${this.state.leaseHolder(LEASE) ?? 'another process'}`,
      );
      const relays = [...this.relays.values()];
      this.switching = this.switching.then(async () => {
        await Promise.all([...relays.map((r) => r.stop()), this.thread?.stop()]);
      });
    }
    if (held) this.syncWebhooks();
  }

  /** Follows webhooks registered or deleted by another api process on the same database. */
  private syncWebhooks(): void {
    const current = this.state.webhooks();
    const ids = new Set(current.map((w) => webhookCheckpoint(w.id)));
    for (const w of current) if (!this.relays.has(webhookCheckpoint(w.id))) this.startWebhook(w);
    for (const name of this.relays.keys())
      if (name.startsWith('webhook:') && !ids.has(name)) void this.stopWebhook(name.slice('webhook:'.length));
  }

  private startRelay(relay: Relay): void {
    withCorrelationId(taskCorrelationId(`publisher-${relay.name}`), () => relay.start());
  }

  private add(
    sink: Sink,
    name: string,
    options: Partial<ConstructorParameters<typeof Relay>[3]> = {},
  ): Relay {
    const relay = new Relay(this.store, this.state, sink, {
      name,
      source: this.config.events.source,
      pokeDelayMs: this.config.events.delayMs,
      onError: (m) => this.logger.warn(m),
      onPublished: (events) => this.metrics.published.inc({ publisher: name }, events.length),
      ...options,
    });
    this.relays.set(name, relay);
    if (this.active) this.startRelay(relay);
    return relay;
  }

  /** Starts delivering to a webhook (registered now, or found at start). */
  startWebhook(w: WebhookWithSecret): void {
    const types = new Set(w.eventTypes);
    const access = new EventAccess(this.store, { role: w.role as Role, orgId: w.orgId });
    const wh = this.config.events.webhooks;
    const sink = new WebhookSink(w, this.state, {
      maxAttempts: wh.maxAttempts,
      backoff: { initialMs: wh.retryInitialMs, maxMs: wh.retryMaxMs },
      timeoutMs: wh.timeoutMs,
      onAttempt: (outcome) => this.metrics.webhookDeliveries.inc({ outcome }),
      onError: (m) => this.logger.warn(m),
    });
    this.add(sink, webhookCheckpoint(w.id), {
      select: (e) => (types.has('*') || types.has(e.type) ? access.view(e) : undefined),
      startAt: async () => w.fromPosition,
    });
  }

  async stopWebhook(id: string): Promise<void> {
    const relay = this.relays.get(webhookCheckpoint(id));
    if (!relay) return;
    this.relays.delete(webhookCheckpoint(id));
    await relay.stop();
    await relay.sink.close();
  }

  async status(): Promise<RelayStatus[]> {
    const own = await Promise.all([...this.relays.values()].map((r) => r.status()));
    return this.thread ? [...(await this.thread.status()), ...own] : own;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopListening?.();
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    const relays = [...this.relays.values()];
    this.relays.clear();
    await this.switching;
    await Promise.all([...relays.map((r) => r.stop()), this.thread?.stop()]);
    await Promise.all(relays.map((r) => r.sink.close().catch(() => undefined)));
    // A standby takes over at once rather than when the lease would have expired.
    if (this.active) this.state.releaseLease(LEASE, this.holder);
    this.active = false;
    this.state.close();
  }
}
