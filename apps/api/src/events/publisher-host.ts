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

/**
 * Runs the api's publishers: a checkpointed relay from the log to NATS JetStream (LEDGER_NATS_URL),
 * one to RabbitMQ (LEDGER_AMQP_URL) and one per registered webhook, each with its checkpoint in the
 * publishers' database (LEDGER_PUBLISHERS_DB). They follow the log in the api's thread, woken by the
 * api's own appends and polling every second for others'.
 */
@Injectable()
export class PublisherHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Publishers');
  readonly state: PublisherState;
  private readonly relays = new Map<string, Relay>();
  private stopListening: (() => void) | undefined;

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
    if (e.nats)
      this.add(
        new NatsJetStreamSink({
          url: e.nats.url,
          stream: e.nats.stream,
          subjectPrefix: e.nats.subjectPrefix,
        }),
        'nats',
      );
    if (e.amqp) this.add(new AmqpSink({ url: e.amqp.url, exchange: e.amqp.exchange }), 'amqp');
    for (const w of this.state.webhooks()) this.startWebhook(w);
    this.stopListening = this.notifier.listen(() => {
      for (const r of this.relays.values()) r.poke();
    });
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
    withCorrelationId(taskCorrelationId(`publisher-${name}`), () => relay.start());
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
    return Promise.all([...this.relays.values()].map((r) => r.status()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopListening?.();
    const relays = [...this.relays.values()];
    this.relays.clear();
    await Promise.all(relays.map((r) => r.stop()));
    await Promise.all(relays.map((r) => r.sink.close().catch(() => undefined)));
    this.state.close();
  }
}
