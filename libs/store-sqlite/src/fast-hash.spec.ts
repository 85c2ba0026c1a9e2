import {
  eventHash,
  GENESIS_HASH,
  type EventMetadata,
  type JsonObject,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { newEvent } from '@patent-ledger/eventsourcing/testing';
import { isCanonicalOrder, storedEventHash } from './fast-hash';
import { SqliteEventStore } from './sqlite-event-store';

/** A small seeded generator (mulberry32), so a failure can be reproduced. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'B', 'aa', 'é', '申请号', '10', '9', 'z_1', '', 'data', '\u{1F600}', 'ab'];
const STRINGS = ['', 'x', '王磊', 'line\nbreak', 'quote"', '\u2028', '\ud800', '\u{1F600}', 'back\\slash'];

function value(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 2 || r < 0.45) {
    const s = next();
    if (s < 0.3) return STRINGS[Math.floor(next() * STRINGS.length)];
    if (s < 0.5)
      return [0, -0, 1.5, 1e21, -7, Number.MAX_SAFE_INTEGER, NaN, Infinity][Math.floor(next() * 8)];
    if (s < 0.65) return next() < 0.5;
    if (s < 0.75) return null;
    if (s < 0.8) return undefined;
    return `s${Math.floor(next() * 1000)}`;
  }
  if (r < 0.65) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  return object(next, depth + 1);
}

/** An object with random keys inserted in random order (sometimes sorted). */
function object(next: () => number, depth: number): Record<string, unknown> {
  const keys = KEYS.filter(() => next() < 0.4);
  if (next() < 0.5) keys.sort();
  else keys.sort(() => next() - 0.5);
  const o: Record<string, unknown> = {};
  for (const k of keys) o[k] = value(next, depth);
  return o;
}

/** Sorted-key copy (what the importer hands the store). */
function sortedCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedCopy);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortedCopy((v as Record<string, unknown>)[k]);
  return out;
}

const META: EventMetadata = {
  eventId: 'e-1',
  commandId: 'c-1',
  correlationId: 'r-1',
  causationId: 'c-1',
  actor: { role: 'system', orgId: 'o', userId: 'u' },
  recordedAt: '2025-06-01T04:00:00.000Z',
  schemaVersion: 1,
};

describe('storedEventHash', () => {
  it('equals eventHash for any data, in canonical key order or not', () => {
    const next = rng(42);
    let fastPaths = 0;
    for (let i = 0; i < 3000; i++) {
      const raw = object(next, 0);
      const data = (next() < 0.5 ? sortedCopy(raw) : raw) as JsonObject;
      const metadata = (next() < 0.5 ? sortedCopy(META) : META) as EventMetadata;
      const version = 1 + Math.floor(next() * 5);
      const stream = next() < 0.5 ? 'patent-1' : '专利-"x"';
      const expected = eventHash({
        streamName: stream,
        version,
        type: 'T',
        data,
        metadata,
        previousHash: GENESIS_HASH,
      });
      const got = storedEventHash(
        stream,
        version,
        'T',
        data,
        JSON.stringify(data),
        metadata,
        JSON.stringify(metadata),
        GENESIS_HASH,
      );
      expect(got).toBe(expected);
      if (isCanonicalOrder(data) && isCanonicalOrder(metadata)) fastPaths++;
    }
    // Both paths were taken many times.
    expect(fastPaths).toBeGreaterThan(100);
    expect(fastPaths).toBeLessThan(2900);
  });

  it('tells canonical key order only for plain JSON whose JSON.stringify is canonical', () => {
    expect(isCanonicalOrder({ a: 1, b: [1, { c: null, d: 'x' }], e: undefined })).toBe(true);
    expect(isCanonicalOrder({ b: 1, a: 2 })).toBe(false);
    expect(isCanonicalOrder({ a: { d: 1, c: 2 } })).toBe(false);
    expect(isCanonicalOrder({ 10: 'x', 9: 'y' })).toBe(false); // the engine lists 9 before 10
    expect(isCanonicalOrder({ B: 1, a: 2 })).toBe(true); // code units: "B" < "a"
    expect(isCanonicalOrder({ a: [undefined] })).toBe(false);
    expect(isCanonicalOrder({ a: Symbol('s') })).toBe(false);
    expect(isCanonicalOrder({ a: BigInt(1) })).toBe(false);
    expect(isCanonicalOrder({ a: new Date(0) })).toBe(false);
    expect(isCanonicalOrder({ toJSON: () => 1 })).toBe(false);
    expect(isCanonicalOrder(Object.assign(Object.create(null), { a: 1, b: 2 }))).toBe(true);
  });
});

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
