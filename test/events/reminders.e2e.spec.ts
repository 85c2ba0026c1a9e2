/**
 * Obligation reminders: due in 30, 7 and 1 days and overdue, each emitted once as an event — also
 * across a restart — and delivered through the same channels as every event (here SSE).
 */
import { addDays, addMonths, todayInChina } from '@patent-ledger/domain';
import type { EventStore, StoredEvent } from '@patent-ledger/eventsourcing';
import { RemindersService } from '../../apps/api/src/events/reminders.service';
import { EVENT_STORE } from '../../apps/api/src/ledger/tokens';
import {
  actors,
  applicationNumber,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  EXAMPLES,
  type Harness,
} from '../e2e/harness';
import { openSse } from './sse';

/** The system's clock, except while a run of the reminders is pretended to happen on another day. */
class MovableClock {
  instant: string | undefined;
  now(): string {
    return this.instant ?? new Date().toISOString();
  }
}

/** 10:00 in China on `day`. */
const at = (day: string): string => `${day}T02:00:00Z`;

describe('obligation reminders', () => {
  let h: Harness;
  const clock = new MovableClock();
  // A transfer contract signed yesterday: its platform report is due in 29 days, its registration in ~3 months.
  const contract = addDays(todayInChina(new Date().toISOString()), -1);
  const reportDue = addDays(contract, 30);
  const registrationDue = addMonths(contract, 3);
  const AN = applicationNumber(2017, 1, 9101);

  const reminders = async (): Promise<StoredEvent[]> =>
    (await h.app().get<EventStore>(EVENT_STORE).readAll({ limit: 10_000 })).filter((e) =>
      e.streamName.startsWith('obligationReminder-'),
    );
  /** A run of the reminders as on `day` (the service itself: the callers' tokens follow the real clock). */
  const run = async (day: string) => {
    clock.instant = at(day);
    try {
      await h.app().get(RemindersService).run();
    } finally {
      clock.instant = undefined;
    }
    return reminders();
  };
  const summary = (events: StoredEvent[]) =>
    events.map((e) => `${e.type} ${String(e.data['kind'])} ${String(e.data['thresholdDays'] ?? 'overdue')}`);

  beforeAll(async () => {
    h = await startHarness({
      clock,
      env: { LEDGER_REMINDER_DAYS: '30,7,1', LEDGER_REMINDER_INTERVAL_MS: '86400000' },
    });
    await registerInstitution(h);
    await pooledPatent(h, AN);
    const res = await send(
      h,
      'post',
      `/patents/${AN}/transfers`,
      { ...EXAMPLES.transfer, contractDate: contract },
      { headers: actors.institution },
    );
    expect(res.status).toBe(201);
    const position = (res.body as { events: { position: number }[] }).events[0]!.position;
    // The obligations ledger has the deal.
    const obligations = await h.http().get(`/obligations?minPosition=${position}`);
    expect(obligations.status).toBe(200);
    expect(
      (obligations.body as { items: { kind: string; dueDate: string }[] }).items.map((o) => [
        o.kind,
        o.dueDate,
      ]),
    ).toEqual([
      ['transaction-report', reportDue],
      ['transfer-registration', registrationDue],
    ]);
  });
  afterAll(() => h.close());

  it('fires once per threshold, also across a restart', async () => {
    // Today, through the admin endpoint: the report is due in 29 days.
    const now = await h.http().post('/reminders/run');
    expect(now.status).toBe(200);
    // (emitted here, or already by the run the api makes a few seconds after it starts)
    expect(
      (now.body as { emitted: number; already: number }).emitted + (now.body as { already: number }).already,
    ).toBe(1);
    expect((await h.http().post('/reminders/run')).body).toEqual({ emitted: 0, already: 1 });
    expect((await h.http().post('/reminders/run').set(actors.institution)).status).toBe(403);
    expect(summary(await reminders())).toEqual(['ObligationDueSoon transaction-report 30']);
    expect(await run(addDays(contract, 2))).toHaveLength(1);

    await h.restart();
    expect(await run(addDays(contract, 3))).toHaveLength(1);
    expect(summary(await run(addDays(reportDue, -7)))).toEqual([
      'ObligationDueSoon transaction-report 30',
      'ObligationDueSoon transaction-report 7',
    ]);
    expect(await run(addDays(reportDue, -5))).toHaveLength(2);
    await h.restart();
    expect(summary(await run(addDays(reportDue, -1))).slice(2)).toEqual([
      'ObligationDueSoon transaction-report 1',
    ]);
    const overdueDay = addDays(reportDue, 1);
    const registration30 = addDays(registrationDue, -30);
    const both = overdueDay >= registration30 ? overdueDay : registration30;
    expect(
      summary(await run(both))
        .slice(3)
        .sort(),
    ).toEqual(['ObligationDueSoon transfer-registration 30', 'ObligationOverdue transaction-report overdue']);
    expect(await run(addDays(both, 1))).toHaveLength(5);
    const last = (await reminders()).find((e) => e.type === 'ObligationOverdue')!;
    expect(last.data).toEqual({
      obligationId: `transaction-report:${AN}:tr-2024-015`,
      kind: 'transaction-report',
      applicationNumber: AN,
      institutionId: 'tyut',
      ref: 'tr-2024-015',
      dueDate: reportDue,
      occurredOn: both,
      daysOverdue: Math.round((Date.parse(both) - Date.parse(reportDue)) / 86_400_000),
    });
  });

  it("reach the patent's parties through the event channels", async () => {
    const sse = await openSse(h, '/events/stream?from=0', actors.institution);
    const seen = await sse.until((m) => m.filter((x) => x.event?.startsWith('Obligation')).length === 5);
    sse.close();
    const due = seen.find((m) => m.event === 'ObligationDueSoon')!;
    expect(due.data).toEqual(
      expect.objectContaining({ type: 'cn.patent-ledger.ObligationDueSoon', subject: AN }),
    );
    const other = await openSse(h, '/events/stream?from=0', actors.otherInstitution);
    await new Promise((r) => setTimeout(r, 300));
    other.close();
    expect(other.messages.filter((m) => m.event?.startsWith('Obligation'))).toEqual([]);
  });
});
