import { eventHash, GENESIS_HASH, type JsonObject, type StoredEvent } from '@patent-ledger/eventsourcing';
import { newEvent } from '@patent-ledger/eventsourcing/testing';
import { SqliteEventStore } from './sqlite-event-store';

describe('SqliteEventStore appendMany batches', () => {
  const event = (type: string, data: JsonObject) => ({ ...newEvent(type), data });

  it('writes a large batch with the same rows, positions and hashes as one append at a time', async () => {
    const batched = SqliteEventStore.open(':memory:', { groupCommit: false });
    const single = SqliteEventStore.open(':memory:', { groupCommit: false });
    try {
      const requests = Array.from({ length: 300 }, (_, i) => ({
        // Some streams get several requests in the same batch.
        streamName: `patent-${i % 170}`,
        events: [event('A', { z: i, a: 'x' }), event('B', { a: [i], b: { d: 1, c: 2 } })],
        options: {
          expectedVersion: 'any' as const,
          command: { commandId: `cmd-${i}`, fingerprint: `f-${i}`, recordedAt: '2025-06-01T04:00:00.000Z' },
        },
      }));
      // Every 7th request repeats the one before it (a retried command): a duplicate, appends nothing.
      for (let i = 6; i < requests.length; i += 7) requests[i] = requests[i - 1]!;
      const results = await batched.appendMany(requests);
      for (const r of requests) {
        try {
          await single.append(r.streamName, r.events, r.options);
        } catch {
          // compared below
        }
      }
      expect(results.every((r) => r.ok)).toBe(true);
      expect(results.filter((r) => r.ok && r.result.duplicate)).toHaveLength(42);
      const all = async (s: SqliteEventStore) => {
        const out: StoredEvent[] = [];
        for (let page = await s.readAll(); page.length > 0; page = await s.readAll({ after: out.length })) {
          out.push(...page);
        }
        return out;
      };
      const a = await all(batched);
      expect(a).toHaveLength(2 * (300 - 42));
      expect(a).toEqual(await all(single));
      expect(a.map((e) => e.position)).toEqual(a.map((_, i) => i + 1));
      // Returned results agree with what is stored, and every hash is eventHash of the stored event.
      const returned = results.flatMap((r) => (r.ok && !r.result.duplicate ? r.result.events : []));
      expect(returned.map((e) => [e.position, e.hash])).toEqual(a.map((e) => [e.position, e.hash]));
      const last = new Map<string, string>();
      for (const e of a) {
        const previousHash = last.get(e.streamName) ?? GENESIS_HASH;
        expect(e.hash).toBe(eventHash({ ...e, previousHash }));
        last.set(e.streamName, e.hash!);
      }
      const versions = batched.database
        .prepare('SELECT stream_name, version FROM streams ORDER BY stream_name')
        .all();
      expect(versions).toEqual(
        single.database.prepare('SELECT stream_name, version FROM streams ORDER BY stream_name').all(),
      );
      expect(batched.database.prepare('SELECT * FROM commands ORDER BY command_id').all()).toEqual(
        single.database.prepare('SELECT * FROM commands ORDER BY command_id').all(),
      );
    } finally {
      await batched.close();
      await single.close();
    }
  });

  it('keeps nothing of a request whose data JSON cannot write, and the rest of the batch', async () => {
    const store = SqliteEventStore.open(':memory:', { groupCommit: false });
    try {
      const bad = { n: BigInt(1) } as unknown as JsonObject;
      const results = await store.appendMany([
        { streamName: 'patent-a', events: [event('A', { a: 1 })], options: { expectedVersion: 'no_stream' } },
        {
          streamName: 'patent-b',
          events: [event('B1', { b: 1 }), event('B2', bad)],
          options: { expectedVersion: 'no_stream', command: { commandId: 'cmd-b', fingerprint: 'f' } },
        },
        { streamName: 'patent-c', events: [event('C', { c: 1 })], options: { expectedVersion: 'no_stream' } },
      ]);
      expect(results.map((r) => r.ok)).toEqual([true, false, true]);
      expect((await store.readAll()).map((e) => [e.position, e.type])).toEqual([
        [1, 'A'],
        [2, 'C'],
      ]);
      expect(await store.streamVersion('patent-b')).toBe(0);
      expect(await store.findCommand('cmd-b')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
