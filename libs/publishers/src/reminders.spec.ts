import { MemoryEventStore } from '@patent-ledger/eventsourcing';
import { emitReminders, reminderStage, type DueObligation } from './reminders';

const ACTOR = { role: 'system', orgId: 'patent-ledger', userId: 'reminders' };
const obligation = (id: string, dueDate: string, o: Partial<DueObligation> = {}): DueObligation => ({
  id,
  kind: 'transfer-registration',
  applicationNumber: '201710601862.3',
  institutionId: 'tyut',
  ref: 'T-1',
  dueDate,
  ...o,
});

describe('obligation reminders', () => {
  it('the stage: the nearest threshold the due date is within, overdue once it passed', () => {
    const t = [30, 7, 1];
    expect(reminderStage('2026-03-01', '2026-01-01', t)).toBeUndefined();
    expect(reminderStage('2026-01-31', '2026-01-01', t)).toEqual({ kind: 'due-soon', days: 30 });
    expect(reminderStage('2026-01-08', '2026-01-01', t)).toEqual({ kind: 'due-soon', days: 7 });
    expect(reminderStage('2026-01-06', '2026-01-01', t)).toEqual({ kind: 'due-soon', days: 7 });
    expect(reminderStage('2026-01-02', '2026-01-01', t)).toEqual({ kind: 'due-soon', days: 1 });
    expect(reminderStage('2026-01-01', '2026-01-01', t)).toEqual({ kind: 'due-soon', days: 1 });
    expect(reminderStage('2025-12-31', '2026-01-01', t)).toEqual({ kind: 'overdue' });
  });

  it('fires once per threshold: a second run, or a run by a new process on the same store, appends nothing', async () => {
    const store = new MemoryEventStore();
    const obligations = [
      obligation('a', '2026-01-31'),
      obligation('b', '2026-02-20'),
      obligation('c', '2025-12-01'),
    ];
    const run = (today: string) =>
      emitReminders(store, obligations, {
        today,
        now: `${today}T01:00:00Z`,
        thresholds: [30, 7, 1],
        actor: ACTOR,
      });
    expect(await run('2026-01-01')).toEqual({ emitted: 2, already: 0 }); // a at 30 days, c overdue
    expect(await run('2026-01-01')).toEqual({ emitted: 0, already: 2 });
    expect(await run('2026-01-02')).toEqual({ emitted: 0, already: 2 });
    expect(await run('2026-01-24')).toEqual({ emitted: 2, already: 1 }); // a at 7, b at 30
    expect(await run('2026-01-30')).toEqual({ emitted: 1, already: 2 }); // a at 1
    expect(await run('2026-02-01')).toEqual({ emitted: 1, already: 2 }); // a overdue
    const events = await store.readAll({ limit: 100 });
    expect(events.map((e) => [e.type, e.data['obligationId'], e.data['thresholdDays'] ?? 'overdue'])).toEqual(
      [
        ['ObligationDueSoon', 'a', 30],
        ['ObligationOverdue', 'c', 'overdue'],
        ['ObligationDueSoon', 'a', 7],
        ['ObligationDueSoon', 'b', 30],
        ['ObligationDueSoon', 'a', 1],
        ['ObligationOverdue', 'a', 'overdue'],
      ],
    );
    expect(events.every((e) => e.streamName === 'obligationReminder-201710601862.3')).toBe(true);
  });

  it('an obligation of a lapsed patent gets no reminder', async () => {
    const store = new MemoryEventStore();
    const r = await emitReminders(store, [obligation('a', '2026-01-02', { lapsedOn: '2025-12-01' })], {
      today: '2026-01-01',
      now: '2026-01-01T00:00:00Z',
      thresholds: [30, 7, 1],
      actor: ACTOR,
    });
    expect(r).toEqual({ emitted: 0, already: 0 });
  });

  it('a run over many obligations gives way to the event loop while it looks them up', async () => {
    // A store whose lookups are synchronous work (as better-sqlite3's are): 0.2 ms each.
    const store = new MemoryEventStore();
    const slowStore = {
      append: store.append.bind(store),
      findCommand: async () => {
        const end = performance.now() + 0.2;
        while (performance.now() < end);
        return { commandId: 'x' } as never;
      },
    };
    const many = Array.from({ length: 500 }, (_, i) => obligation(`o${i}`, '2025-12-01'));
    let fired = 0;
    const timer = setInterval(() => (fired += 1), 0);
    const r = await emitReminders(slowStore, many, {
      today: '2026-01-01',
      now: '2026-01-01T00:00:00Z',
      thresholds: [30, 7, 1],
      actor: ACTOR,
    });
    clearInterval(timer);
    expect(r).toEqual({ emitted: 0, already: 500 });
    // About 100 ms of lookups: timers ran between slices of 10 ms.
    expect(fired).toBeGreaterThanOrEqual(3);
  });
});
