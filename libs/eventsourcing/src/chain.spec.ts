import { generateKeyPairSync } from 'node:crypto';
import {
  analyseStream,
  ChainHeadRecorder,
  chainHeadSignatureValid,
  isChainHeadStore,
  readLog,
  signChainHead,
  verifyLedger,
  type ChainHead,
  type VerifyOptions,
} from './chain';
import { eventHash, GENESIS_HASH, nextGlobalHead } from './hash-chain';
import { MemoryEventStore } from './memory-event-store';
import { generateSigningKey, keyIdOf, loadSigningKey, type SigningKey } from './signing';
import type { EventMetadata, JsonObject, StoredEvent } from './types';

// ---------------------------------------------------------------------------------------------
// synthetic events

const meta = (id: string): EventMetadata => ({
  eventId: id,
  commandId: `cmd-${id}`,
  correlationId: `cmd-${id}`,
  causationId: `cmd-${id}`,
  actor: { role: 'institution', orgId: 'tyut', userId: 'tto-wang' },
  recordedAt: '2025-01-01T00:00:00.000Z',
  schemaVersion: 1,
});

/** A stream of `n` events with a correct chain, at the given positions (default 1..n). */
function stream(
  name: string,
  n: number,
  positions: number[] = Array.from({ length: n }, (_, i) => i + 1),
): StoredEvent[] {
  const events: StoredEvent[] = [];
  let previousHash = GENESIS_HASH;
  for (let i = 0; i < n; i++) {
    const e = {
      streamName: name,
      version: i + 1,
      position: positions[i]!,
      type: `Step${i + 1}`,
      data: { step: i + 1, name } as JsonObject,
      metadata: meta(`${name}-${i + 1}`),
    };
    const hash = eventHash({ ...e, previousHash });
    events.push({ ...e, hash });
    previousHash = hash;
  }
  return events;
}

/** The same events with every hash recomputed from genesis (a history consistent in itself). */
function rehash(events: StoredEvent[]): StoredEvent[] {
  let previousHash = GENESIS_HASH;
  return [...events]
    .sort((a, b) => a.version - b.version)
    .map((e) => {
      const hash = eventHash({ ...e, previousHash });
      previousHash = hash;
      return { ...e, hash };
    });
}

const at = (events: StoredEvent[], version: number) => events.find((e) => e.version === version)!;
const without = (events: StoredEvent[], ...versions: number[]) =>
  events.filter((e) => !versions.includes(e.version));

async function* iterate(events: StoredEvent[]): AsyncIterable<StoredEvent> {
  yield* [...events].sort((a, b) => a.position - b.position);
}

/** Two interleaved streams: a1 b1 a2 b2 … (a has 6 events, b has 4). */
function ledger(): { a: StoredEvent[]; b: StoredEvent[]; all: StoredEvent[] } {
  const a = stream('a', 6, [1, 3, 5, 7, 9, 10]);
  const b = stream('b', 4, [2, 4, 6, 8]);
  return { a, b, all: [...a, ...b].sort((x, y) => x.position - y.position) };
}

/** Signed heads over `events` (in log order) after each of the given positions. */
function headsAt(key: SigningKey, events: StoredEvent[], positions: number[]): ChainHead[] {
  const heads: ChainHead[] = [];
  let head = GENESIS_HASH;
  let count = 0;
  for (const e of [...events].sort((x, y) => x.position - y.position)) {
    head = nextGlobalHead(head, e.hash!);
    count++;
    if (positions.includes(e.position))
      heads.push(signChainHead(key, { position: e.position, count, head, signedAt: '2025-01-02T00:00:00Z' }));
  }
  return heads;
}

const newKey = (): SigningKey => loadSigningKey(generateSigningKey().privateKeyPem);

// ---------------------------------------------------------------------------------------------

describe('analyseStream', () => {
  it('an intact stream (in any order) has no issue', () => {
    const s = stream('s', 5);
    expect(analyseStream(s)).toBeUndefined();
    expect(analyseStream([...s].reverse())).toBeUndefined();
    expect(analyseStream([])).toBeUndefined();
    expect(analyseStream(s, { version: 5, lastHash: s[4]!.hash! })).toBeUndefined();
  });

  it('payload-changed: the data of one event no longer matches its hash', () => {
    const s = stream('s', 5);
    const changed = s.map((e) => (e.version === 3 ? { ...e, data: { ...e.data, step: 33 } } : e));
    expect(analyseStream(changed)).toEqual({
      kind: 'payload-changed',
      streamName: 's',
      version: 3,
      position: 3,
      detail: 'the stored Step3 at version 3 no longer matches its hash',
    });
    // The newest event too, and metadata is covered as well as data.
    const newest = s.map((e) =>
      e.version === 5 ? { ...e, metadata: { ...e.metadata, recordedAt: '2025-01-01T00:00:01.000Z' } } : e,
    );
    expect(analyseStream(newest)).toEqual(expect.objectContaining({ kind: 'payload-changed', version: 5 }));
    const retyped = s.map((e) => (e.version === 1 ? { ...e, type: 'Other' } : e));
    expect(analyseStream(retyped)).toEqual(expect.objectContaining({ kind: 'payload-changed', version: 1 }));
  });

  it('event-missing: one or several versions, or a version twice', () => {
    const s = stream('s', 6);
    expect(analyseStream(without(s, 3))).toEqual({
      kind: 'event-missing',
      streamName: 's',
      version: 3,
      position: 4,
      detail: 'version 3 is missing',
    });
    expect(analyseStream(without(s, 2, 3, 4))).toEqual(
      expect.objectContaining({ kind: 'event-missing', version: 2, detail: 'versions 2-4 are missing' }),
    );
    expect(analyseStream(without(s, 1))).toEqual(
      expect.objectContaining({ kind: 'event-missing', version: 1 }),
    );
    expect(analyseStream([...s, { ...at(s, 4), position: 99 }])).toEqual(
      expect.objectContaining({ kind: 'event-missing', detail: 'version 4 appears twice' }),
    );
  });

  it('events-reordered: two neighbours exchanged (contents and hashes)', () => {
    const s = stream('s', 5);
    const swapped = s.map((e) => {
      const other = e.version === 2 ? at(s, 3) : e.version === 3 ? at(s, 2) : undefined;
      return other ? { ...other, version: e.version, position: e.position } : e;
    });
    expect(analyseStream(swapped)).toEqual({
      kind: 'events-reordered',
      streamName: 's',
      version: 2,
      position: 2,
      detail: 'the events at versions 2 and 3 were swapped',
    });
  });

  it('events-reordered: an event moved further than its neighbour', () => {
    const s = stream('s', 6);
    const moved = s.map((e) => {
      const other = e.version === 2 ? at(s, 5) : e.version === 5 ? at(s, 2) : undefined;
      return other ? { ...other, version: e.version, position: e.position } : e;
    });
    expect(analyseStream(moved)).toEqual(
      expect.objectContaining({
        kind: 'events-reordered',
        version: 2,
        detail: 'the event of version 2 (Step2) now stands at version 5: events were moved',
      }),
    );
  });

  it('events-reordered: versions whose log positions were exchanged (the chain itself holds)', () => {
    const s = stream('s', 4);
    const repositioned = s.map((e) =>
      e.version === 2 ? { ...e, position: 3 } : e.version === 3 ? { ...e, position: 2 } : e,
    );
    expect(analyseStream(repositioned)).toEqual({
      kind: 'events-reordered',
      streamName: 's',
      version: 2,
      position: 2,
      detail: 'versions 2 and 3 stand in the log in the opposite order (positions 3 and 2)',
    });
  });

  it('event-inserted: a forged event with a correct hash of its own, later versions moved up', () => {
    const s = stream('s', 5);
    const forged = {
      streamName: 's',
      version: 3,
      position: 50,
      type: 'Forged',
      data: { forged: true },
      metadata: meta('forged'),
    };
    const tampered = [
      ...s.filter((e) => e.version < 3),
      { ...forged, hash: eventHash({ ...forged, previousHash: at(s, 2).hash! }) },
      ...s.filter((e) => e.version >= 3).map((e) => ({ ...e, version: e.version + 1 })),
    ];
    // Its log position (the end of the log) is out of order too, but the chain names it first.
    expect(analyseStream(tampered)).toEqual({
      kind: 'event-inserted',
      streamName: 's',
      version: 3,
      position: 50,
      detail: 'version 3 (Forged) is not part of the original chain: the next event chains from version 2',
    });
  });

  it('event-inserted: a forgery before the first event', () => {
    const s = stream('s', 3);
    const forged = {
      streamName: 's',
      version: 1,
      position: 0,
      type: 'Forged',
      data: {},
      metadata: meta('forged'),
    };
    const tampered = [
      { ...forged, hash: eventHash({ ...forged, previousHash: GENESIS_HASH }) },
      ...s.map((e) => ({ ...e, version: e.version + 1 })),
    ];
    expect(analyseStream(tampered)).toEqual(expect.objectContaining({ kind: 'event-inserted', version: 1 }));
  });

  it('event-inserted: an event replaced by a forgery that the next one does not chain from', () => {
    const s = stream('s', 4);
    const forged = { ...at(s, 2), type: 'Forged', data: { forged: true } };
    const tampered = s.map((e) =>
      e.version === 2 ? { ...forged, hash: eventHash({ ...forged, previousHash: at(s, 1).hash! }) } : e,
    );
    // Version 3's stored hash is still the one over the original version 2.
    expect(analyseStream(tampered)).toEqual(expect.objectContaining({ kind: 'payload-changed', version: 3 }));
  });

  it('hash-missing and chain-broken', () => {
    const s = stream('s', 4);
    const { hash: _h, ...bare } = at(s, 2);
    expect(analyseStream(s.map((e) => (e.version === 2 ? bare : e)))).toEqual(
      expect.objectContaining({ kind: 'hash-missing', version: 2 }),
    );
    // Two consecutive events changed: the first no longer matches, and the next does not chain from it.
    const twice = s.map((e) =>
      e.version === 2 || e.version === 3 ? { ...e, data: { changed: e.version } } : e,
    );
    expect(analyseStream(twice)).toEqual(expect.objectContaining({ kind: 'chain-broken', version: 2 }));
  });

  it('against the stream table: head-truncated when events are missing at the end, history-rewritten when the last hash differs', () => {
    const s = stream('s', 5);
    expect(analyseStream(without(s, 5), { version: 5, lastHash: at(s, 5).hash! })).toEqual({
      kind: 'head-truncated',
      streamName: 's',
      version: 5,
      detail: 'the stream is recorded at version 5 but its events end at version 4',
    });
    const rewritten = rehash(s.map((e) => (e.version === 2 ? { ...e, data: { step: 22 } } : e)));
    expect(analyseStream(rewritten)).toBeUndefined(); // consistent in itself
    expect(analyseStream(rewritten, { version: 5, lastHash: at(s, 5).hash! })).toEqual(
      expect.objectContaining({ kind: 'history-rewritten', streamName: 's', version: 5, position: 5 }),
    );
    // A stream table that was moved along with the rewrite cannot tell (only signed heads can).
    expect(analyseStream(rewritten, { version: 5, lastHash: at(rewritten, 5).hash! })).toBeUndefined();
    // A stream recorded without a last hash (before the chain migration) is compared by version only.
    expect(analyseStream(rewritten, { version: 5, lastHash: null })).toBeUndefined();
  });
});

describe('verifyLedger', () => {
  const key = newKey();
  const verify = (events: StoredEvent[], options: VerifyOptions = {}) =>
    verifyLedger(iterate(events), {
      readStream: async (name) =>
        events.filter((e) => e.streamName === name).sort((x, y) => x.version - y.version),
      ...options,
    });

  it('an intact ledger without signed heads: OK, every event uncovered', async () => {
    const { all } = ledger();
    expect(await verify(all)).toEqual({
      ok: true,
      events: 10,
      streams: 2,
      signedHeads: { checked: 0, lastPosition: 0, keyIds: [] },
      uncoveredEvents: 10,
      issues: [],
    });
  });

  it('an intact ledger with signed heads: OK, the heads checked, the events after the newest uncovered', async () => {
    const { a, b, all } = ledger();
    const heads = headsAt(key, all, [4, 8]);
    const streamHeads = new Map([
      ['a', { version: 6, lastHash: at(a, 6).hash! }],
      ['b', { version: 4, lastHash: at(b, 4).hash! }],
    ]);
    expect(await verify(all, { heads, publicKey: key.publicKey, streamHeads })).toEqual({
      ok: true,
      events: 10,
      streams: 2,
      signedHeads: { checked: 2, lastPosition: 8, keyIds: [key.keyId] },
      uncoveredEvents: 2,
      issues: [],
    });
  });

  it('a stream issue is the first issue; the head it breaks comes after it', async () => {
    const { a, all } = ledger();
    const heads = headsAt(key, all, [4, 8, 10]);
    const tampered = all.filter((e) => e !== at(a, 3)); // position 5
    const report = await verify(tampered, { heads, publicKey: key.publicKey });
    expect(report.ok).toBe(false);
    expect(report.firstIssue).toEqual({
      kind: 'event-missing',
      streamName: 'a',
      version: 3,
      position: 7,
      detail: 'version 3 is missing',
    });
    expect(report.issues).toEqual([
      report.firstIssue,
      {
        kind: 'head-truncated',
        position: 8,
        detail:
          'the signed head at position 8 covers 8 events, the log now holds 7 up to it: 1 event(s) between positions 5 and 8 were deleted',
      },
    ]);
  });

  it('after a head the log no longer reproduces, the next segments are checked on their own', async () => {
    const { all } = ledger();
    const heads = headsAt(key, all, [2, 4, 6, 8, 10]);
    const tampered = all.map((e) => (e.position === 3 ? { ...e, hash: 'f'.repeat(64) } : e));
    const report = await verify(tampered, { heads, publicKey: key.publicKey });
    expect(report.issues.map((i) => [i.kind, i.position])).toEqual([
      ['payload-changed', 3],
      ['history-rewritten', 4],
    ]);
    expect(report.firstIssue?.detail).toBe(
      'the stored hash of the Step2 at version 2 was edited (its content still chains)',
    );
  });

  it('a stream rewritten with every hash recomputed: only the signed heads see it (history-rewritten)', async () => {
    const { a, b, all } = ledger();
    const heads = headsAt(key, all, [4, 8, 10]);
    const rewritten = [...rehash(a.map((e) => (e.version === 4 ? { ...e, data: { step: 44 } } : e))), ...b];
    expect((await verify(rewritten)).ok).toBe(true);
    const report = await verify(rewritten, { heads, publicKey: key.publicKey });
    expect(report.issues).toEqual([
      {
        kind: 'history-rewritten',
        position: 8,
        detail:
          'the log between positions 5 and 8 no longer reproduces its signed head: events were changed, exchanged or rewritten with recomputed hashes',
      },
      expect.objectContaining({ kind: 'history-rewritten', position: 10 }),
    ]);
    expect(report.firstIssue).toBe(report.issues[0]);
  });

  it('the newest events deleted behind the newest signed head: head-truncated', async () => {
    const { all } = ledger();
    const heads = headsAt(key, all, [5, 10]);
    const report = await verify(all.slice(0, 8), { heads, publicKey: key.publicKey });
    expect(report.issues).toEqual([
      {
        kind: 'head-truncated',
        position: 10,
        detail:
          'a signed head covers 10 events up to position 10, but the log ends at position 8: the newest events were deleted',
      },
    ]);
  });

  it('an event slipped into the log below a signed head (a free position): event-inserted', async () => {
    const a = stream('a', 3, [2, 4, 6]);
    const b = stream('b', 1, [3]);
    const heads = headsAt(key, [...a, ...b], [6]);
    const report = await verify([...a, ...b, ...stream('c', 1, [5])], { heads, publicKey: key.publicKey });
    expect(report.issues).toEqual([expect.objectContaining({ kind: 'event-inserted', position: 6 })]);
    expect(report.firstIssue?.detail).toContain('1 event(s) were inserted between positions 1 and 6');
  });

  it('a head with a bad signature is reported and not used; one by another key is named', async () => {
    const { all } = ledger();
    const [h4, h8] = headsAt(key, all, [4, 8]);
    const altered = { ...h8!, head: '0'.repeat(64) };
    const report = await verify(all, { heads: [h4!, altered], publicKey: key.publicKey });
    expect(report.issues).toEqual([
      {
        kind: 'signature-invalid',
        position: 8,
        detail: `the chain head at position 8 does not carry a valid signature of key ${key.keyId}: it was altered or forged`,
      },
    ]);
    const other = newKey();
    const foreign = await verify(all, { heads: headsAt(other, all, [4]), publicKey: key.publicKey });
    expect(foreign.issues).toEqual([
      expect.objectContaining({
        kind: 'signature-invalid',
        detail: `the chain head at position 4 names key ${other.keyId}, not the verification key ${key.keyId}: it is not verifiable with it`,
      }),
    ]);
    // Without a public key the signatures are not checked: the altered head is taken at its word.
    const unchecked = await verify(all, { heads: [h4!, altered] });
    expect(unchecked.issues).toEqual([expect.objectContaining({ kind: 'history-rewritten', position: 8 })]);
  });

  it('the stream table: a stream recorded further than its events, or with another last hash', async () => {
    const { a, b, all } = ledger();
    const streamHeads = new Map([
      ['a', { version: 7, lastHash: 'x' }],
      ['b', { version: 4, lastHash: 'y'.repeat(64) }],
      ['gone', { version: 2, lastHash: 'z' }],
    ]);
    const report = await verify(all, { streamHeads });
    expect(report.issues).toEqual([
      expect.objectContaining({
        kind: 'history-rewritten',
        streamName: 'b',
        version: 4,
        position: at(b, 4).position,
      }),
      expect.objectContaining({ kind: 'head-truncated', streamName: 'a', version: 7 }),
      expect.objectContaining({ kind: 'head-truncated', streamName: 'gone', version: 1 }),
    ]);
    expect(at(a, 6).hash).toBeDefined();
  });

  it('without readStream, a broken stream is classified from the event alone', async () => {
    const { all } = ledger();
    const report = await verifyLedger(iterate(all.filter((e) => e.position !== 3)));
    expect(report.firstIssue).toEqual({
      kind: 'event-missing',
      streamName: 'a',
      version: 2,
      position: 5,
      detail: 'version 3 follows version 1',
    });
  });

  it('stops listing after maxIssues, but keeps the stream issues first', async () => {
    const { all } = ledger();
    const heads = headsAt(key, all, [1, 2, 3, 4, 5, 6, 7, 8]).map((h) => ({ ...h, signature: 'AAAA' }));
    const tampered = all.map((e) => (e.position === 9 ? { ...e, data: { x: 1 } } : e));
    const report = await verify(tampered, { heads, publicKey: key.publicKey, maxIssues: 3 });
    expect(report.ok).toBe(false);
    expect(report.issues).toHaveLength(3);
    expect(report.issues[0]).toEqual(expect.objectContaining({ kind: 'payload-changed', position: 9 }));
  });
});

describe('signed chain heads', () => {
  const key = newKey();
  const head = signChainHead(key, {
    position: 10,
    count: 10,
    head: 'a'.repeat(64),
    signedAt: '2025-01-01T00:00:00Z',
  });

  it('carry the key id; any edit breaks the signature', () => {
    expect(head.keyId).toBe(key.keyId);
    expect(chainHeadSignatureValid(key.publicKey, head)).toBe(true);
    for (const edit of [
      { position: 11 },
      { count: 9 },
      { head: 'b'.repeat(64) },
      { signedAt: '2025-01-01T00:00:01Z' },
      { keyId: 'x' },
    ]) {
      expect(chainHeadSignatureValid(key.publicKey, { ...head, ...edit })).toBe(false);
    }
    expect(chainHeadSignatureValid(newKey().publicKey, head)).toBe(false);
  });

  it('only the canonical base64 of a signature is accepted (no stray characters, no unused bits)', () => {
    expect(head.signature).toMatch(/==$/);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = head.signature.length - 3; // the digit before "==" carries 4 unused bits
    const flipped = alphabet[alphabet.indexOf(head.signature[last]!) ^ 1]!;
    const sameBytes = `${head.signature.slice(0, last)}${flipped}==`;
    expect(Buffer.from(sameBytes, 'base64').equals(Buffer.from(head.signature, 'base64'))).toBe(true);
    expect(chainHeadSignatureValid(key.publicKey, { ...head, signature: sameBytes })).toBe(false);
    expect(chainHeadSignatureValid(key.publicKey, { ...head, signature: `${head.signature}\n` })).toBe(false);
    expect(chainHeadSignatureValid(key.publicKey, { ...head, signature: 'not base64!' })).toBe(false);
  });

  it('isChainHeadStore tells stores that keep heads', () => {
    expect(isChainHeadStore(new MemoryEventStore())).toBe(true);
    expect(isChainHeadStore({ latestChainHead: () => undefined })).toBe(false);
    expect(isChainHeadStore(undefined)).toBe(false);
  });
});

describe('ChainHeadRecorder', () => {
  const key = newKey();
  let tick = 0;
  const now = () => `2025-01-01T00:00:${String(tick++ % 60).padStart(2, '0')}Z`;

  async function storeWith(n: number, store = new MemoryEventStore()): Promise<MemoryEventStore> {
    for (let i = 0; i < n; i++) {
      const name = `s-${i % 3}`;
      await store.append(
        name,
        [{ type: 'Tested', data: { i }, metadata: meta(`${name}-${i}-${Math.random()}`) }],
        { expectedVersion: 'any' },
      );
    }
    return store;
  }

  /** The global head over the whole log, computed directly. */
  async function fullHead(store: MemoryEventStore): Promise<string> {
    let head = GENESIS_HASH;
    for await (const e of readLog(store, 4)) head = nextGlobalHead(head, e.hash!);
    return head;
  }

  it('signs a head every N events and one at the end of the log', async () => {
    const store = await storeWith(12);
    const last = await new ChainHeadRecorder(store, store, key, { everyEvents: 5, now }).record();
    const heads = await store.readChainHeads();
    expect(heads.map((h) => [h.position, h.count])).toEqual([
      [5, 5],
      [10, 10],
      [12, 12],
    ]);
    expect(last).toEqual(heads[2]);
    expect(heads[2]!.head).toBe(await fullHead(store));
    expect(heads.every((h) => h.keyId === key.keyId && chainHeadSignatureValid(key.publicKey, h))).toBe(true);
    // A signed head the ledger verifies.
    expect((await verifyLedger(readLog(store), { heads, publicKey: key.publicKey })).ok).toBe(true);
  });

  it('reads only positions and hashes from a store that offers readHashes, and signs the same heads', async () => {
    const plain = await storeWith(12);
    await new ChainHeadRecorder(plain, plain, key, { everyEvents: 5, now, batchSize: 4 }).record();
    // The same store, offering readHashes (answered from the log without going through readAll).
    const realReadAll = plain.readAll.bind(plain);
    const viaHashes = Object.assign(plain, {
      readHashes: jest.fn(async (after: number, limit: number) =>
        (await realReadAll({ after, limit })).map((e) => ({ position: e.position, hash: e.hash ?? null })),
      ),
    });
    const readAll = jest.spyOn(viaHashes, 'readAll');
    const heads = new MemoryEventStore();
    await new ChainHeadRecorder(viaHashes, heads, key, { everyEvents: 5, now, batchSize: 4 }).record();
    expect(readAll).not.toHaveBeenCalled();
    expect(viaHashes.readHashes).toHaveBeenCalledWith(0, 4);
    const strip = (h: { position: number; count: number; head: string }) => [h.position, h.count, h.head];
    expect((await heads.readChainHeads()).map(strip)).toEqual((await plain.readChainHeads()).map(strip));
  });

  it('records nothing when no event arrived since the last head', async () => {
    const store = await storeWith(3);
    const recorder = new ChainHeadRecorder(store, store, key, { everyEvents: 5, now });
    await recorder.record();
    expect(await recorder.record()).toBeUndefined();
    expect(await store.readChainHeads()).toHaveLength(1);
  });

  it('extends from the last signed head (reading only the events after it)', async () => {
    const store = await storeWith(7);
    const recorder = new ChainHeadRecorder(store, store, key, { everyEvents: 100, now, batchSize: 2 });
    await recorder.record();
    await storeWith(4, store);
    const reads: (number | undefined)[] = [];
    const readAll = store.readAll.bind(store);
    store.readAll = (options) => {
      reads.push(options?.after);
      return readAll(options);
    };
    const second = await recorder.record();
    expect(reads[0]).toBe(7);
    expect(second).toEqual(expect.objectContaining({ position: 11, count: 11, head: await fullHead(store) }));
  });

  it('refuses to extend a head whose signature does not verify: it chains again from genesis', async () => {
    const store = await storeWith(6);
    // A forged latest head (say, written by someone rewriting the database) over a made-up value.
    const forged = {
      ...signChainHead(key, {
        position: 6,
        count: 6,
        head: 'f'.repeat(64),
        signedAt: '2025-01-01T00:00:00Z',
      }),
    };
    await store.appendChainHead({ ...forged, signature: signChainHead(newKey(), forged).signature });
    await storeWith(2, store);
    const recorded = await new ChainHeadRecorder(store, store, key, { everyEvents: 100, now }).record();
    expect(recorded).toEqual(expect.objectContaining({ position: 8, count: 8, head: await fullHead(store) }));
  });

  it('starts from genesis when the newest head is another key’s (key rotation)', async () => {
    const store = await storeWith(4);
    const old = newKey();
    await new ChainHeadRecorder(store, store, old, { everyEvents: 100, now }).record();
    await storeWith(1, store);
    const recorded = await new ChainHeadRecorder(store, store, key, { everyEvents: 100, now }).record();
    expect(recorded).toEqual(
      expect.objectContaining({ position: 5, count: 5, keyId: key.keyId, head: await fullHead(store) }),
    );
  });

  it('fails on an event without a hash (the chain migration has not run)', async () => {
    const store = new MemoryEventStore();
    const fake = {
      ...store,
      readAll: async () => [{ ...stream('s', 1)[0]!, hash: undefined as unknown as string }],
    } as unknown as MemoryEventStore;
    await expect(new ChainHeadRecorder(fake, store, key, { now }).record()).rejects.toThrow(
      'event 1 has no hash: run the chain migration first',
    );
  });

  it('key ids are derived from the public key', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(keyIdOf(publicKey)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(key.publicKey)).toBe(key.keyId);
  });
});
