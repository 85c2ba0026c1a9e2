/**
 * A projection that fails on a store outage (a full disk, a lost connection) retries by itself with a
 * back-off; one that fails on the event itself waits for resume().
 */
import { MemoryEventStore } from './memory-event-store';
import { Projector, type ProjectionTarget } from './projector';
import type { StoredEvent } from './types';

/** A target whose applyBatch throws `fault()` while it returns an error, and otherwise applies. */
function faultyTarget(fault: () => Error | undefined): ProjectionTarget & { applied: number[] } {
  let checkpoint = 0;
  const applied: number[] = [];
  return {
    applied,
    projectionNames: ['p'],
    init: () => Promise.resolve(),
    checkpoint: () => Promise.resolve(checkpoint),
    applyBatch(_name: string, events: readonly StoredEvent[]) {
      const err = fault();
      if (err) return Promise.reject(err);
      for (const e of events) applied.push(e.position);
      checkpoint = events[events.length - 1]!.position;
      return Promise.resolve(checkpoint);
    },
  };
}

async function storeWith(n: number): Promise<MemoryEventStore> {
  const store = new MemoryEventStore();
  for (let i = 0; i < n; i++) {
    await store.append(`s-${i}`, [{ type: 'T', data: {}, metadata: { eventId: `e-${i}` } as never }], {
      expectedVersion: 0,
    });
  }
  return store;
}

const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
const lost = () => new Error('Connection terminated unexpectedly');

async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
}

it.each([
  ['a full disk', full],
  ['a lost connection', lost],
])(
  '%s: reported failed with a retry due, retried with a growing back-off, then caught up without resume()',
  async (_what, outage) => {
    const store = await storeWith(3);
    let failures = 3;
    const target = faultyTarget(() => (failures-- > 0 ? outage() : undefined));
    const projector = new Projector(store, target, {
      pollIntervalMs: 5,
      retryDelayMs: { initial: 20, max: 40 },
    });
    await projector.catchUp();
    const [first] = await projector.status();
    expect(first).toMatchObject({ state: 'failed', lastError: { retry: { attempt: 1 } } });
    projector.start();
    try {
      await until(async () => (await projector.status())[0]!.position === 3);
      const [after] = await projector.status();
      expect(after).toMatchObject({ state: 'running', position: 3 });
      expect(after!.lastError).toBeUndefined();
      expect(target.applied).toEqual([1, 2, 3]);
    } finally {
      await projector.stop();
    }
  },
);

it('a failure of the event itself stays failed (no retry due) until resume()', async () => {
  const store = await storeWith(2);
  let broken = true;
  const target = faultyTarget(() => (broken ? new Error('cannot fold this event') : undefined));
  const projector = new Projector(store, target, { pollIntervalMs: 5, retryDelayMs: { initial: 5, max: 5 } });
  projector.start();
  try {
    await until(async () => (await projector.status())[0]!.state === 'failed');
    broken = false;
    await new Promise((r) => setTimeout(r, 100));
    const [still] = await projector.status();
    expect(still).toMatchObject({ state: 'failed', position: 0 });
    expect(still!.lastError!.retry).toBeUndefined();
    expect(projector.resume('p')).toBe(true);
    await until(async () => (await projector.status())[0]!.position === 2);
  } finally {
    await projector.stop();
  }
});
