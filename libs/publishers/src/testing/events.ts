import { deterministicEventId, type EventStore, type NewEvent } from '@patent-ledger/eventsourcing';

/** A synthetic event of `patent-<stream>` (a type no projection knows), for the publisher suites. */
export function testEvent(
  commandId: string,
  index = 0,
  data: Record<string, string | number> = {},
): NewEvent {
  return {
    type: 'PublisherTestEvent',
    data,
    metadata: {
      eventId: deterministicEventId(commandId, index),
      commandId,
      correlationId: commandId,
      causationId: commandId,
      actor: { role: 'system', orgId: 'test', userId: 'test' },
      recordedAt: new Date().toISOString(),
      schemaVersion: 1,
    },
  };
}

/** Appends `count` events round-robin over `streams` patent streams (`patent-P<i>`); returns their last position. */
export async function appendRoundRobin(
  store: EventStore,
  count: number,
  streams: number,
  prefix = 'rr',
): Promise<number> {
  let last = 0;
  for (let i = 0; i < count; i++) {
    const stream = `patent-P${i % streams}`;
    const r = await store.append(stream, [testEvent(`${prefix}-${i}`, 0, { n: i })], {
      expectedVersion: 'any',
    });
    last = r.events[r.events.length - 1]!.position;
  }
  return last;
}

/**
 * Checks what a consumer received: after dropping copies by id, exactly the `expected` ids, each
 * stream's events in version order. Returns the number of copies dropped.
 */
export function checkDelivery(
  received: { id: string; stream: string; streamversion: number }[],
  expectedIds: ReadonlySet<string>,
): { duplicates: number; missing: string[]; unexpected: string[]; outOfOrder: string[] } {
  const seen = new Set<string>();
  const lastVersion = new Map<string, number>();
  const outOfOrder: string[] = [];
  let duplicates = 0;
  for (const r of received) {
    if (seen.has(r.id)) {
      duplicates++;
      continue;
    }
    seen.add(r.id);
    const before = lastVersion.get(r.stream) ?? 0;
    if (r.streamversion <= before) outOfOrder.push(`${r.stream}@${r.streamversion} after @${before}`);
    lastVersion.set(r.stream, r.streamversion);
  }
  return {
    duplicates,
    missing: [...expectedIds].filter((id) => !seen.has(id)),
    unexpected: [...seen].filter((id) => !expectedIds.has(id)),
    outOfOrder,
  };
}
