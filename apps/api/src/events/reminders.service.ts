import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { addDays, todayInChina } from '@patent-ledger/domain';
import type { EventStore } from '@patent-ledger/eventsourcing';
import { queryObligations, type ObligationStatus } from '@patent-ledger/read-models';
import {
  emitReminders,
  reminderStream,
  type DueObligation,
  type ReminderRun,
} from '@patent-ledger/publishers';
import type { LedgerConfig } from '../config';
import { EventsAppended } from '../ledger/messages';
import { Clock, EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import { taskCorrelationId, withCorrelationId } from '../observability/context';
import { MetricsService } from '../observability/metrics.service';
import { ReadModelsService } from '../read-models/read-models.service';

/** The actor of reminder events. */
export const REMINDER_ACTOR = { role: 'system', orgId: 'patent-ledger', userId: 'reminders' };

/**
 * Looks at the obligations ledger every LEDGER_REMINDER_INTERVAL_MS (and once at start) and emits
 * the reminders due today (LEDGER_REMINDER_DAYS, e.g. 30, 7 and 1 days before the due date, and when
 * overdue) as events of `obligationReminder-<applicationNumber>`: once each — the command id is
 * derived from the obligation and the stage, so a restart, a second run or a second api process
 * appends nothing again. They then go out through SSE, NATS, RabbitMQ and webhooks like any event.
 */
@Injectable()
export class RemindersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Reminders');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReminderRun> | undefined;
  private stopped = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly readModels: ReadModelsService,
    private readonly clock: Clock,
    private readonly eventBus: EventBus,
    private readonly metrics: MetricsService,
  ) {}

  get enabled(): boolean {
    return this.config.events.reminders !== undefined;
  }

  onApplicationBootstrap(): void {
    const r = this.config.events.reminders;
    if (!r) return;
    const tick = (): void => {
      this.timer = undefined;
      if (this.stopped) return;
      this.run()
        .catch((err: unknown) => this.logger.error(`reminders failed: ${(err as Error).message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, r.intervalMs).unref();
        });
    };
    // First run once the read models had a moment to catch up after start.
    this.timer = setTimeout(tick, Math.min(5000, r.intervalMs)).unref();
  }

  /** Emits the reminders due today (one run at a time); resolves with what it did. */
  run(): Promise<ReminderRun> {
    const r = this.config.events.reminders;
    if (!r) return Promise.resolve({ emitted: 0, already: 0 });
    this.running ??= withCorrelationId(taskCorrelationId('reminders'), () => this.runOnce(r.days)).finally(
      () => (this.running = undefined),
    );
    return this.running;
  }

  private async runOnce(days: number[]): Promise<ReminderRun> {
    const now = this.clock.now();
    const today = todayInChina(now);
    const horizon = addDays(today, Math.max(0, ...days));
    const result = await emitReminders(this.store, this.obligations(today, horizon), {
      today,
      now,
      thresholds: days,
      actor: REMINDER_ACTOR,
      onEmitted: (stage) =>
        this.metrics.reminders.inc({ stage: stage.kind === 'overdue' ? 'overdue' : `due-in-${stage.days}` }),
    });
    if (result.emitted > 0) {
      this.logger.log(`emitted ${result.emitted} obligation reminders for ${today}`);
      this.eventBus.publish(new EventsAppended(reminderStream('*'), 0));
    }
    return result;
  }

  /** Open obligations due by `horizon`, then the overdue ones, page by page. */
  private async *obligations(today: string, horizon: string): AsyncGenerator<DueObligation> {
    const db = this.readModels.readModels.sql;
    for (const status of ['overdue', 'open'] as ObligationStatus[]) {
      let cursor: string | undefined;
      do {
        const page = await queryObligations(db, {
          status,
          asOf: today,
          limit: 500,
          ...(cursor ? { cursor } : {}),
        });
        for (const o of page.items) {
          if (status === 'open' && o.dueDate > horizon) return;
          yield {
            id: o.id,
            kind: o.kind,
            applicationNumber: o.applicationNumber,
            institutionId: o.institutionId,
            ref: o.ref,
            dueDate: o.dueDate,
            ...(o.lapsedOn ? { lapsedOn: o.lapsedOn } : {}),
          };
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }
}
