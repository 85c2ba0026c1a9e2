import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { EventStore, ProjectionStatus } from '@patent-ledger/eventsourcing';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LedgerConfig } from '../config';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import { ReadModelsService } from '../read-models/read-models.service';
import { listenCommitTimings } from './thread-metrics';

/** Latency buckets in seconds: 50 µs to 10 s. */
const LATENCY_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface LagSource {
  name: string;
  position: number;
  lag: number;
}

/**
 * The api's Prometheus metrics (prom-client), in a registry of its own per application:
 *
 * - `ledger_commands_total{command,outcome}` and `ledger_command_duration_seconds{command}`
 * - `ledger_decide_duration_seconds`, `ledger_append_duration_seconds` (the store's append, waiting
 *   for its group commit included), `ledger_commit_fsync_duration_seconds` (SQLite: each group
 *   commit, whose fsync dominates it at synchronous=FULL)
 * - `ledger_log_head_position`, `ledger_projection_position` and `ledger_projection_lag_events{projection}`
 * - `ledger_publisher_lag_events{publisher}`, `ledger_publisher_events_total{publisher}`,
 *   `ledger_publisher_failures{publisher}`, `ledger_webhook_deliveries_total{outcome}`,
 *   `ledger_webhook_dead_letters`, `ledger_reminders_total{stage}`
 * - `ledger_subscription_lag_events{subscription}`, `ledger_subscriptions{kind}` (SSE streams open)
 * - `http_request_duration_seconds{method,route,status}` (the route's template, not its values)
 * - Node's process metrics (`process_*`, `nodejs_*`)
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly commands: Counter<'command' | 'outcome'>;
  readonly commandDuration: Histogram<'command'>;
  readonly decideDuration: Histogram;
  readonly appendDuration: Histogram;
  readonly commitDuration: Histogram;
  readonly http: Histogram<'method' | 'route' | 'status'>;
  readonly published: Counter<'publisher'>;
  readonly webhookDeliveries: Counter<'outcome'>;
  readonly reminders: Counter<'stage'>;
  private readonly projectionSource: () => Promise<ProjectionStatus[]>;
  private publisherSource: (() => Promise<(LagSource & { failures: number })[]>) | undefined;
  private deadLetterSource: (() => number) | undefined;
  private readonly subscriptions = new Map<number, { kind: string; position: () => number }>();
  private nextSubscription = 1;
  private readonly stopCommits: (() => void) | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
    readModels: ReadModelsService,
  ) {
    this.projectionSource = () => readModels.status();
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.commands = new Counter({
      name: 'ledger_commands_total',
      help: 'Commands handled, by command type and outcome (ok, duplicate, rejected, conflict, denied, error)',
      labelNames: ['command', 'outcome'] as const,
      registers,
    });
    this.commandDuration = new Histogram({
      name: 'ledger_command_duration_seconds',
      help: 'Time to execute a command (load, decide, append), by command type',
      labelNames: ['command'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.decideDuration = new Histogram({
      name: 'ledger_decide_duration_seconds',
      help: 'Time the decider took for a command (each attempt)',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.appendDuration = new Histogram({
      name: 'ledger_append_duration_seconds',
      help: 'Time of an append to the event store, until it is durable (the wait for its group commit included)',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.commitDuration = new Histogram({
      name: 'ledger_commit_fsync_duration_seconds',
      help: 'Time of each SQLite group commit: the transaction and its WAL fsync (synchronous=FULL)',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.http = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.published = new Counter({
      name: 'ledger_publisher_events_total',
      help: 'Events confirmed by each publisher (re-sent copies after a failure count again)',
      labelNames: ['publisher'] as const,
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'ledger_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, failed, dead-lettered)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.reminders = new Counter({
      name: 'ledger_reminders_total',
      help: 'Obligation reminders emitted, by stage (due-in-30, due-in-7, due-in-1, overdue)',
      labelNames: ['stage'] as const,
      registers,
    });
    new Gauge({
      name: 'ledger_log_head_position',
      help: 'Position of the last event in the global log',
      registers,
      collect: async function (this: Gauge) {
        this.set(await store.headPosition().catch(() => 0));
      },
    });
    const projections = (): Promise<ProjectionStatus[]> => this.projectionSource();
    new Gauge({
      name: 'ledger_projection_lag_events',
      help: 'Events of the log a projection has not applied yet',
      labelNames: ['projection'] as const,
      registers,
      collect: async function (this: Gauge<'projection'>) {
        this.reset();
        for (const p of await projections().catch(() => [])) this.set({ projection: p.name }, p.lag);
      },
    });
    new Gauge({
      name: 'ledger_projection_position',
      help: 'Position of the last event a projection applied',
      labelNames: ['projection'] as const,
      registers,
      collect: async function (this: Gauge<'projection'>) {
        this.reset();
        for (const p of await projections().catch(() => [])) this.set({ projection: p.name }, p.position);
      },
    });
    const publishers = async (): Promise<(LagSource & { failures: number })[]> =>
      (await this.publisherSource?.().catch(() => [])) ?? [];
    new Gauge({
      name: 'ledger_publisher_lag_events',
      help: 'Events of the log a publisher (NATS, RabbitMQ, each webhook) has not had confirmed yet',
      labelNames: ['publisher'] as const,
      registers,
      collect: async function (this: Gauge<'publisher'>) {
        this.reset();
        for (const p of await publishers()) this.set({ publisher: p.name }, p.lag);
      },
    });
    new Gauge({
      name: 'ledger_publisher_failures',
      help: 'Failed attempts in a row of a publisher (0 when its last attempt succeeded)',
      labelNames: ['publisher'] as const,
      registers,
      collect: async function (this: Gauge<'publisher'>) {
        this.reset();
        for (const p of await publishers()) this.set({ publisher: p.name }, p.failures);
      },
    });
    const deadLetters = (): number => this.deadLetterSource?.() ?? 0;
    new Gauge({
      name: 'ledger_webhook_dead_letters',
      help: 'Webhook events on the dead-letter lists, not yet replayed',
      registers,
      collect: function (this: Gauge) {
        this.set(deadLetters());
      },
    });
    const subscriptions = this.subscriptions;
    new Gauge({
      name: 'ledger_subscriptions',
      help: 'Open event subscriptions, by kind (sse)',
      labelNames: ['kind'] as const,
      registers,
      collect: function (this: Gauge<'kind'>) {
        this.reset();
        this.set({ kind: 'sse' }, 0);
        const counts = new Map<string, number>();
        for (const s of subscriptions.values()) counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
        for (const [kind, n] of counts) this.set({ kind }, n);
      },
    });
    new Gauge({
      name: 'ledger_subscription_lag_events',
      help: 'Events of the log the most lagging open subscription of each kind has not been sent yet',
      labelNames: ['subscription'] as const,
      registers,
      collect: async function (this: Gauge<'subscription'>) {
        this.reset();
        const head = await store.headPosition().catch(() => 0);
        const worst = new Map<string, number>();
        for (const s of subscriptions.values())
          worst.set(s.kind, Math.max(worst.get(s.kind) ?? 0, head - s.position()));
        this.set({ subscription: 'sse' }, worst.get('sse') ?? 0);
        for (const [kind, lag] of worst) this.set({ subscription: kind }, Math.max(0, lag));
      },
    });
    if (config.store === 'sqlite')
      this.stopCommits = listenCommitTimings(config.dbFile, (t) => this.commitDuration.observe(t.ms / 1000));
  }

  onModuleDestroy(): void {
    this.stopCommits?.();
  }

  setPublisherSource(
    source: () => Promise<(LagSource & { failures: number })[]>,
    deadLetters: () => number,
  ): void {
    this.publisherSource = source;
    this.deadLetterSource = deadLetters;
  }

  /** An open subscription whose lag is reported; returns the function that closes it. */
  openSubscription(kind: string, position: () => number): () => void {
    const id = this.nextSubscription++;
    this.subscriptions.set(id, { kind, position });
    return () => void this.subscriptions.delete(id);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
