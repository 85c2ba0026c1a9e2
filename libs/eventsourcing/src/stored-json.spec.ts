import { canonicalJson } from './ids';
import { eventHash, GENESIS_HASH } from './hash-chain';
import { canonicalOfStored, isCanonicalOrder, storedEventHash } from './stored-json';

const canonicalText = (v: object): string => canonicalOfStored(v, JSON.stringify(v));
import type { EventMetadata, JsonObject } from './types';

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

/** JSON.stringify, then the canonical form of what a read gives back: what the stored text must equal. */
const expectedText = (v: unknown): string => canonicalJson(JSON.parse(JSON.stringify(v)));

/** Values JSON.stringify treats specially, mixed into the random ones. */
function odd(next: () => number): unknown {
  const pick = Math.floor(next() * 9);
  switch (pick) {
    case 0:
      return new Date(Math.floor(next() * 1e12));
    case 1:
      return { toJSON: (key: string) => ({ key, z: 1, a: [undefined, () => 1] }) };
    case 2:
      return () => 'function';
    case 3:
      return Symbol('s');
    case 4:
      return [undefined, NaN, -0, Infinity, { b: undefined, a: null }];
    case 5:
      return new Number(4.5);
    case 6:
      return new String('boxed');
    case 7:
      return Object.assign(Object.create(null), { b: 1, a: { 10: 'x', 9: 'y', '': 0 } });
    default:
      return { __proto__: null, y: '\u2028', x: '\ud800' };
  }
}

describe('canonicalOfStored', () => {
  it('given any JSON-ish value, when written, then it is the canonical form of the text JSON.stringify writes', () => {
    const next = rng(7);
    let notOrdered = 0;
    for (let i = 0; i < 3000; i++) {
      const value: Record<string, unknown> = object(next, 0);
      if (next() < 0.3) value[`odd${i % 5}`] = odd(next);
      if (next() < 0.2) value['nested'] = { q: [odd(next), object(next, 1)], a: odd(next) };
      const text = canonicalText(value);
      expect(text).toBe(expectedText(value));
      if (!isCanonicalOrder(value)) notOrdered++;
    }
    // Both writers (the engine's for ordered data, the canonical one) were taken many times.
    expect(notOrdered).toBeGreaterThan(500);
    expect(notOrdered).toBeLessThan(2900);
  });

  it('given a BigInt or a cycle, when written, then it throws as JSON.stringify does', () => {
    expect(() => canonicalOfStored({ b: 1, a: BigInt(1) }, '')).toThrow(TypeError);
    const cyclic: Record<string, unknown> = { b: 1, a: 2 };
    cyclic['self'] = { z: cyclic };
    expect(() => canonicalOfStored(cyclic, '')).toThrow(TypeError);
  });

  it('given a very deep value, when written, then it is still the canonical text', () => {
    let deep: Record<string, unknown> = { z: 1, a: 'leaf' };
    for (let i = 0; i < 1000; i++) deep = { y: i, b: deep };
    expect(canonicalText(deep)).toBe(expectedText(deep));
  });
});

describe('storedEventHash', () => {
  it('given an event, when hashed from its canonical texts, then it equals eventHash of what a read returns', () => {
    const next = rng(42);
    for (let i = 0; i < 3000; i++) {
      const data = object(next, 0) as JsonObject;
      const metadata = (next() < 0.5 ? sortedCopy(META) : META) as EventMetadata;
      const version = 1 + Math.floor(next() * 5);
      const stream = next() < 0.5 ? 'patent-1' : '专利-"x"';
      const previousHash = next() < 0.5 ? GENESIS_HASH : 'f'.repeat(64);
      const dataJson = JSON.stringify(data);
      const metadataJson = JSON.stringify(metadata);
      const expected = eventHash({
        streamName: stream,
        version,
        type: 'T"1',
        data: JSON.parse(dataJson) as JsonObject,
        metadata: JSON.parse(metadataJson) as EventMetadata,
        previousHash,
      });
      const got = storedEventHash(
        stream,
        version,
        'T"1',
        canonicalOfStored(data, dataJson),
        canonicalOfStored(metadata, metadataJson),
        previousHash,
      );
      expect(got).toBe(expected);
      // And it equals the hash of the data as handed to the store.
      expect(expected).toBe(
        eventHash({ streamName: stream, version, type: 'T"1', data, metadata, previousHash }),
      );
    }
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
