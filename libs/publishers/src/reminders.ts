import {
  deterministicEventId,
  fingerprintOf,
  TimeSlicer,
  type Actor,
  type EventStore,
  type NewEvent,
} from '@patent-ledger/eventsourcing';
import { createHash } from 'node:crypto';

/** An open obligation, as the obligations ledger lists it. */
export interface DueObligation {
  id: string;
  kind: string;
  applicationNumber: string;
  institutionId: string | null;
  ref: string;
  dueDate: string;
  lapsedOn?: string;
}

/** Reminder events (in the `obligationReminder-<applicationNumber>` streams). */
export const OBLIGATION_DUE_SOON = 'ObligationDueSoon';
export const OBLIGATION_OVERDUE = 'ObligationOverdue';

export const reminderStream = (applicationNumber: string): string =>
  `obligationReminder-${applicationNumber}`;

/** The default thresholds: a reminder 30, 7 and 1 days before the due date. */
export const DEFAULT_REMINDER_DAYS: readonly number[] = [30, 7, 1];

export type ReminderStage = { kind: 'due-soon'; days: number } | { kind: 'overdue' };

const dayNumber = (d: string): number => Date.parse(`${d}T00:00:00Z`) / 86_400_000;

/** Whole days from `today` to `dueDate` (0 on the due date, negative once it passed). */
export const daysUntil = (dueDate: string, today: string): number => dayNumber(dueDate) - dayNumber(today);

/**
 * The reminder an obligation is at on `today`: overdue once the due date has passed; else the
 * smallest threshold it is within (due in 5 days with 30, 7, 1 → the 7-day reminder); else none.
 * Each stage is emitted once: a stage passed while the ledger was down is not sent late (its
 * successor is).
 */
export function reminderStage(
  dueDate: string,
  today: string,
  thresholds: readonly number[],
): ReminderStage | undefined {
  const left = daysUntil(dueDate, today);
  if (left < 0) return { kind: 'overdue' };
  const within = thresholds.filter((t) => left <= t);
  return within.length > 0 ? { kind: 'due-soon', days: Math.min(...within) } : undefined;
}

const stageKey = (s: ReminderStage): string => (s.kind === 'overdue' ? 'overdue' : `due-in-${s.days}`);

/** The command id of an obligation's reminder at a stage: the same on every run and every node. */
export const reminderCommandId = (obligationId: string, stage: ReminderStage): string =>
  `reminder-${createHash('sha256')
    .update(`${obligationId}\0${stageKey(stage)}`)
    .digest('hex')
    .slice(0, 40)}`;

export interface ReminderRun {
  /** Reminders appended by this run. */
  emitted: number;
  /** Reminders that had been emitted before (found by their command id; nothing appended). */
  already: number;
}

export interface EmitRemindersOptions {
  /** The business date in China. */
  today: string;
  /** The instant of the run (recordedAt of the events). */
  now: string;
  thresholds: readonly number[];
  actor: Actor;
  /** The reminder thresholds cover obligations due up to this many days ahead. */
  onEmitted?: (stage: ReminderStage, obligation: DueObligation) => void;
}

/**
 * Appends one reminder event per obligation and stage reached: `ObligationDueSoon` (with the
 * threshold and the days left) or `ObligationOverdue`. Each append carries a command id derived from
 * the obligation and the stage, so the store's idempotency makes it happen once — also across
 * restarts, retries and several api processes. The events go out through every channel (SSE, NATS,
 * RabbitMQ, webhooks) like any other. Obligations of a lapsed patent get no reminder.
 */
export async function emitReminders(
  store: Pick<EventStore, 'append' | 'findCommand'>,
  obligations: Iterable<DueObligation> | AsyncIterable<DueObligation>,
  options: EmitRemindersOptions,
): Promise<ReminderRun> {
  const run: ReminderRun = { emitted: 0, already: 0 };
  // Hundreds of thousands of obligations at national scale, each looked up synchronously: the run
  // gives way every few milliseconds, so the api's requests wait a slice, not the run.
  const slicer = new TimeSlicer(10);
  for await (const o of obligations) {
    await slicer.turn();
    if (o.lapsedOn !== undefined) continue;
    const stage = reminderStage(o.dueDate, options.today, options.thresholds);
    if (!stage) continue;
    const commandId = reminderCommandId(o.id, stage);
    if (await store.findCommand(commandId)) {
      run.already += 1;
      continue;
    }
    const left = daysUntil(o.dueDate, options.today);
    const data = {
      obligationId: o.id,
      kind: o.kind,
      applicationNumber: o.applicationNumber,
      institutionId: o.institutionId,
      ref: o.ref,
      dueDate: o.dueDate,
      occurredOn: options.today,
      ...(stage.kind === 'overdue' ? { daysOverdue: -left } : { thresholdDays: stage.days, daysLeft: left }),
    };
    const event: NewEvent = {
      type: stage.kind === 'overdue' ? OBLIGATION_OVERDUE : OBLIGATION_DUE_SOON,
      data,
      metadata: {
        eventId: deterministicEventId(commandId, 0),
        commandId,
        correlationId: commandId,
        causationId: commandId,
        actor: options.actor,
        recordedAt: options.now,
        schemaVersion: 1,
      },
    };
    const result = await store.append(reminderStream(o.applicationNumber), [event], {
      expectedVersion: 'any',
      command: {
        commandId,
        fingerprint: fingerprintOf({ reminder: o.id, stage: stageKey(stage) }),
        recordedAt: options.now,
      },
    });
    if (result.duplicate) run.already += 1;
    else {
      run.emitted += 1;
      options.onEmitted?.(stage, o);
    }
  }
  return run;
}
