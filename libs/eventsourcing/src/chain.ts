import type { KeyObject } from 'node:crypto';
import { eventHash, GENESIS_HASH, nextGlobalHead } from './hash-chain';
import { keyIdOf, signValue, verifyValue, type SigningKey } from './signing';
import type { EventStore, StoredEvent } from './types';

/**
 * A signed point of the global chain: after the event at `position`, `count` events have been
 * chained into `head`. Recorded at intervals and on shutdown; the signature (Ed25519, key outside
 * the database) makes a rewritten history detectable even when every stored hash was recomputed.
 */
export interface ChainHead {
  position: number;
  count: number;
  head: string;
  signedAt: string;
  keyId: string;
  signature: string;
}

/** Where a store keeps its signed chain heads. */
export interface ChainHeadStore {
  latestChainHead(): Promise<ChainHead | undefined>;
  appendChainHead(head: ChainHead): Promise<void>;
  readChainHeads(): Promise<ChainHead[]>;
  /** Each stream's recorded version and last hash, as the store's stream table holds them. */
  streamHeads?(): Promise<Map<string, { version: number; lastHash: string | null }>>;
}

/**
 * A store that can read just the position and hash of each event of the log (no JSON to parse): the
 * recorder extends the global chain with it when the store offers it.
 */
export interface HashLog {
  /** Position and hash of the events after `after`, in position order, at most `limit`. */
  readHashes(after: number, limit: number): Promise<{ position: number; hash: string | null }[]>;
}

export const isHashLog = (s: unknown): s is HashLog => !!s && typeof (s as HashLog).readHashes === 'function';

export const isChainHeadStore = (s: unknown): s is ChainHeadStore =>
  !!s &&
  typeof (s as ChainHeadStore).latestChainHead === 'function' &&
  typeof (s as ChainHeadStore).appendChainHead === 'function';

const signedPart = (h: Omit<ChainHead, 'signature'>) => ({
  position: h.position,
  count: h.count,
  head: h.head,
  signedAt: h.signedAt,
  keyId: h.keyId,
});

export function signChainHead(key: SigningKey, h: Omit<ChainHead, 'signature' | 'keyId'>): ChainHead {
  const unsigned = { ...h, keyId: key.keyId };
  return { ...unsigned, signature: signValue(key, signedPart(unsigned)) };
}

export function chainHeadSignatureValid(publicKey: KeyObject, h: ChainHead): boolean {
  return verifyValue(publicKey, signedPart(h), h.signature);
}

/**
 * Extends the global chain from the last signed head and records a new signed head every
 * `everyEvents` events and at the end of the log (call `record()` periodically and on shutdown).
 */
export class ChainHeadRecorder {
  constructor(
    private readonly store: EventStore,
    private readonly heads: ChainHeadStore,
    private readonly key: SigningKey,
    private readonly options: { everyEvents?: number; batchSize?: number; now?: () => string } = {},
  ) {}

  /** Returns the newest head recorded by this call, if any. */
  async record(): Promise<ChainHead | undefined> {
    const every = this.options.everyEvents ?? 1000;
    const now = this.options.now ?? (() => new Date().toISOString());
    let latest = await this.heads.latestChainHead();
    if (latest && (latest.keyId !== this.key.keyId || !chainHeadSignatureValid(this.key.publicKey, latest))) {
      // A head this key did not sign (or one that was altered) is no base to extend: start over.
      latest = undefined;
    }
    let head = latest?.head ?? GENESIS_HASH;
    let count = latest?.count ?? 0;
    let position = latest?.position ?? 0;
    let sinceSigned = 0;
    let recorded: ChainHead | undefined;
    const sign = async (): Promise<void> => {
      recorded = signChainHead(this.key, { position, count, head, signedAt: now() });
      await this.heads.appendChainHead(recorded);
      sinceSigned = 0;
    };
    const limit = this.options.batchSize ?? 5000;
    const store = this.store;
    const read = isHashLog(store)
      ? (after: number) => store.readHashes(after, limit)
      : (after: number) => store.readAll({ after, limit });
    for (;;) {
      const batch = await read(position);
      if (batch.length === 0) break;
      for (const e of batch) {
        if (!e.hash) throw new Error(`event ${e.position} has no hash: run the chain migration first`);
        head = nextGlobalHead(head, e.hash);
        count++;
        position = e.position;
        if (++sinceSigned >= every) await sign();
      }
    }
    if (sinceSigned > 0) await sign();
    return recorded;
  }
}

export type TamperKind =
  | 'payload-changed'
  | 'event-missing'
  | 'events-reordered'
  | 'event-inserted'
  | 'head-truncated'
  | 'hash-missing'
  | 'chain-broken'
  | 'history-rewritten'
  | 'signature-invalid'
  // The transparency log (libs/transparency) against its signed tree heads and their witnesses:
  | 'log-forked'
  | 'log-truncated'
  | 'heads-deleted'
  | 'heads-resigned'
  | 'witness-missing'
  | 'witness-malformed';

export interface VerifyIssue {
  kind: TamperKind;
  streamName?: string;
  version?: number;
  position?: number;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  streams: number;
  /** Signed heads checked, and the position the newest one covers. */
  signedHeads: { checked: number; lastPosition: number; keyIds: string[] };
  /** Events after the newest signed head: their deletion could not be detected yet. */
  uncoveredEvents: number;
  /** The first broken link, when there is one. */
  firstIssue?: VerifyIssue;
  issues: VerifyIssue[];
}

/**
 * Classifies the first broken link of one stream (events as stored, any order). Returns undefined
 * when the stream's chain is intact.
 *
 * The hash chain is walked in version order first, so a link that breaks is classified by what the
 * stored hashes still prove (two exchanged neighbours, a slipped-in event, a changed payload); only a
 * stream whose chain holds is then checked for events standing in the log in the wrong order, and
 * against the version and last hash the store's stream table recorded (`recorded`).
 */
export function analyseStream(
  events: readonly StoredEvent[],
  recorded?: { version: number; lastHash: string | null },
): VerifyIssue | undefined {
  const byVersion = [...events].sort((a, b) => a.version - b.version);
  const streamName = byVersion[0]?.streamName ?? '';
  let prev = GENESIS_HASH;
  for (let i = 0; i < byVersion.length; i++) {
    const e = byVersion[i]!;
    const expectedVersion = i === 0 ? 1 : byVersion[i - 1]!.version + 1;
    if (!e.hash)
      return {
        kind: 'hash-missing',
        streamName,
        version: e.version,
        position: e.position,
        detail: 'the event has no hash',
      };
    if (e.version !== expectedVersion) {
      return {
        kind: 'event-missing',
        streamName,
        version: expectedVersion,
        position: e.position,
        detail:
          e.version > expectedVersion
            ? `version${e.version - expectedVersion > 1 ? `s ${expectedVersion}-${e.version - 1} are` : ` ${expectedVersion} is`} missing`
            : `version ${e.version} appears twice`,
      };
    }
    if (eventHash({ ...e, previousHash: prev }) === e.hash) {
      prev = e.hash;
      continue;
    }
    const next = byVersion[i + 1];
    const before = i > 0 ? byVersion[i - 1] : undefined;
    const beforePrev = i > 1 ? byVersion[i - 2]!.hash! : GENESIS_HASH;
    // Two neighbours whose contents were exchanged: each chains where the other stood.
    if (
      next?.hash &&
      eventHash({ ...next, version: e.version, previousHash: prev }) === next.hash &&
      eventHash({ ...e, version: next.version, previousHash: next.hash }) === e.hash
    ) {
      return {
        kind: 'events-reordered',
        streamName,
        version: e.version,
        position: e.position,
        detail: `the events at versions ${e.version} and ${next.version} were swapped`,
      };
    }
    // The event that belongs here (it chains from the previous one, at this version) stands further on.
    const moved = byVersion
      .slice(i + 2)
      .find((c) => c.hash && eventHash({ ...c, version: e.version, previousHash: prev }) === c.hash);
    if (moved) {
      return {
        kind: 'events-reordered',
        streamName,
        version: e.version,
        position: e.position,
        detail: `the event of version ${e.version} (${moved.type}) now stands at version ${moved.version}: events were moved`,
      };
    }
    // The previous event was slipped in: this one still chains from the one before it.
    if (before && eventHash({ ...e, version: e.version - 1, previousHash: beforePrev }) === e.hash) {
      return {
        kind: 'event-inserted',
        streamName,
        version: before.version,
        position: before.position,
        detail: `version ${before.version} (${before.type}) is not part of the original chain: the next event chains from version ${before.version - 1}`,
      };
    }
    if (before && eventHash({ ...e, previousHash: beforePrev }) === e.hash) {
      return {
        kind: 'event-inserted',
        streamName,
        version: before.version,
        position: before.position,
        detail: `version ${before.version} (${before.type}) was inserted: version ${e.version} chains from version ${before.version - 1}`,
      };
    }
    // Only the stored hash was edited: the content still gives the hash the next event chains from.
    const recomputed = eventHash({ ...e, previousHash: prev });
    if (next?.hash && eventHash({ ...next, previousHash: recomputed }) === next.hash) {
      return {
        kind: 'payload-changed',
        streamName,
        version: e.version,
        position: e.position,
        detail: `the stored hash of the ${e.type} at version ${e.version} was edited (its content still chains)`,
      };
    }
    if (!next || (next.hash && eventHash({ ...next, previousHash: e.hash }) === next.hash)) {
      return {
        kind: 'payload-changed',
        streamName,
        version: e.version,
        position: e.position,
        detail: `the stored ${e.type} at version ${e.version} no longer matches its hash`,
      };
    }
    return {
      kind: 'chain-broken',
      streamName,
      version: e.version,
      position: e.position,
      detail: `version ${e.version} does not chain from version ${e.version - 1}`,
    };
  }
  // The chain holds: the events must also stand in the global log in version order.
  for (let i = 1; i < byVersion.length; i++) {
    const a = byVersion[i - 1]!;
    const b = byVersion[i]!;
    if (b.position < a.position) {
      return {
        kind: 'events-reordered',
        streamName,
        version: a.version,
        position: b.position,
        detail: `versions ${a.version} and ${b.version} stand in the log in the opposite order (positions ${a.position} and ${b.position})`,
      };
    }
  }
  const last = byVersion[byVersion.length - 1];
  if (recorded && recorded.version > (last?.version ?? 0)) {
    return {
      kind: 'head-truncated',
      streamName,
      version: (last?.version ?? 0) + 1,
      detail: `the stream is recorded at version ${recorded.version} but its events end at version ${last?.version ?? 0}`,
    };
  }
  if (
    recorded &&
    last &&
    recorded.version === last.version &&
    recorded.lastHash !== null &&
    recorded.lastHash !== last.hash
  ) {
    return {
      kind: 'history-rewritten',
      streamName,
      version: last.version,
      position: last.position,
      detail: `the stream is recorded with last hash ${recorded.lastHash.slice(0, 12)}… at version ${recorded.version}, but its chain ends in ${last.hash?.slice(0, 12)}…: its events were replaced with recomputed hashes`,
    };
  }
  return undefined;
}

export interface VerifyOptions {
  heads?: ChainHead[];
  publicKey?: KeyObject;
  streamHeads?: Map<string, { version: number; lastHash: string | null }>;
  /** Read a whole stream, to classify a broken link. */
  readStream?: (streamName: string) => Promise<StoredEvent[]>;
  /** Stop collecting after this many issues (default 20). */
  maxIssues?: number;
}

/** Issues of one stream (they name it) come before those of the global chain; each group in log order. */
function issueOrder(a: VerifyIssue, b: VerifyIssue): number {
  const group = (i: VerifyIssue) => (i.streamName !== undefined ? 0 : 1);
  return group(a) - group(b) || (a.position ?? Infinity) - (b.position ?? Infinity);
}

/**
 * Verifies a whole ledger from its events in log order: every stream's hash chain, the stream table,
 * and the global chain against each signed head (signature with the public key, then the head value).
 *
 * Each signed head is checked against the segment of the log since the previous signed head: after a
 * head that the log no longer reproduces, the chain continues from that (signed) head, so a damaged
 * segment does not make every later head fail and each issue names the positions it lies between.
 * A head whose signature does not verify with `publicKey` is reported and otherwise ignored (it
 * proves nothing); without `publicKey`, signatures are not checked and every head is used.
 *
 * The first issue (`firstIssue`) is the first one that names a stream (stream, version, kind), else
 * the first one of the global chain.
 */
export async function verifyLedger(
  events: AsyncIterable<StoredEvent>,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const maxIssues = options.maxIssues ?? 20;
  const issues: VerifyIssue[] = [];
  const add = (i: VerifyIssue): void => {
    issues.push(i);
  };
  const heads = [...(options.heads ?? [])].sort((a, b) => a.position - b.position || a.count - b.count);
  const publicKey = options.publicKey;
  const expectedKeyId = publicKey ? keyIdOf(publicKey) : undefined;
  const trusted = heads.filter((h) => {
    if (!publicKey || chainHeadSignatureValid(publicKey, h)) return true;
    add({
      kind: 'signature-invalid',
      position: h.position,
      detail:
        h.keyId === expectedKeyId
          ? `the chain head at position ${h.position} does not carry a valid signature of key ${h.keyId}: it was altered or forged`
          : `the chain head at position ${h.position} names key ${h.keyId}, not the verification key ${expectedKeyId}: it is not verifiable with it`,
    });
    return false;
  });
  const streams = new Map<string, { version: number; hash: string; position: number }>();
  const broken = new Set<string>();
  /**
   * The global chain twice: as computed from the whole log, and continued from the last signed head
   * checked (with the count since genesis each implies). A head is reproduced when either matches:
   * the first survives a bogus head (unchecked signatures), the second a damaged earlier segment.
   */
  let computed = GENESIS_HASH;
  let resumed = GENESIS_HASH;
  let resumedCount = 0;
  /** Events actually read. */
  let count = 0;
  let headIndex = 0;
  let lastPosition = 0;
  /** The last signed head checked (its position), where the current segment starts. */
  let segmentStart = 0;
  /** Checks every signed head that lies before `position` against the chain computed so far. */
  const checkHeadsBefore = (position: number): void => {
    while (headIndex < trusted.length && trusted[headIndex]!.position < position) {
      const h = trusted[headIndex++]!;
      const range = `positions ${segmentStart + 1} and ${h.position}`;
      const reproduced =
        h.position === lastPosition &&
        ((h.count === count && h.head === computed) || (h.count === resumedCount && h.head === resumed));
      if (!reproduced) {
        if (resumedCount < h.count) {
          add({
            kind: 'head-truncated',
            position: h.position,
            detail: `the signed head at position ${h.position} covers ${h.count} events, the log now holds ${resumedCount} up to it: ${h.count - resumedCount} event(s) between ${range} were deleted`,
          });
        } else if (resumedCount > h.count) {
          add({
            kind: 'event-inserted',
            position: h.position,
            detail: `the signed head at position ${h.position} covers ${h.count} events, the log now holds ${resumedCount} up to it: ${resumedCount - h.count} event(s) were inserted between ${range}`,
          });
        } else {
          add({
            kind: 'history-rewritten',
            position: h.position,
            detail: `the log between ${range} no longer reproduces its signed head: events were changed, exchanged or rewritten with recomputed hashes`,
          });
        }
      }
      // Continue from the signed value, so the later segments are checked on their own.
      resumed = h.head;
      resumedCount = h.count;
      segmentStart = h.position;
    }
  };
  for await (const e of events) {
    checkHeadsBefore(e.position);
    count++;
    resumedCount++;
    lastPosition = e.position;
    if (e.hash) {
      computed = nextGlobalHead(computed, e.hash);
      resumed = nextGlobalHead(resumed, e.hash);
    }
    const st = streams.get(e.streamName);
    const expectedVersion = (st?.version ?? 0) + 1;
    const ok =
      !!e.hash &&
      e.version === expectedVersion &&
      eventHash({ ...e, previousHash: st?.hash ?? GENESIS_HASH }) === e.hash;
    if (!ok && !broken.has(e.streamName)) {
      broken.add(e.streamName);
      // The whole stream classifies the break; without it, only what this event shows.
      const full = options.readStream ? await options.readStream(e.streamName) : [];
      const analysed = full.length ? analyseStream(full, options.streamHeads?.get(e.streamName)) : undefined;
      add(
        analysed ??
          (e.version > expectedVersion
            ? {
                kind: 'event-missing',
                streamName: e.streamName,
                version: expectedVersion,
                position: e.position,
                detail: `version ${e.version} follows version ${expectedVersion - 1}`,
              }
            : {
                kind: e.version < expectedVersion ? 'events-reordered' : 'chain-broken',
                streamName: e.streamName,
                version: e.version,
                position: e.position,
                detail: `version ${e.version} does not chain from version ${expectedVersion - 1}`,
              }),
      );
    }
    streams.set(e.streamName, { version: e.version, hash: e.hash ?? '', position: e.position });
  }
  // Heads at or before the last event are checked as usual; a head beyond it covers deleted events.
  checkHeadsBefore(lastPosition + 1);
  const beyond = trusted.slice(headIndex);
  const newest = beyond[beyond.length - 1];
  if (newest) {
    add({
      kind: 'head-truncated',
      position: newest.position,
      detail: `a signed head covers ${newest.count} events up to position ${newest.position}, but the log ends at position ${lastPosition}: the newest events were deleted`,
    });
  }
  if (options.streamHeads) {
    for (const [streamName, rec] of options.streamHeads) {
      if (broken.has(streamName)) continue;
      const st = streams.get(streamName);
      if (!st || rec.version > st.version) {
        add({
          kind: 'head-truncated',
          streamName,
          version: (st?.version ?? 0) + 1,
          detail: `the stream is recorded at version ${rec.version} but its events end at version ${st?.version ?? 0}`,
        });
      } else if (rec.version === st.version && rec.lastHash !== null && rec.lastHash !== st.hash) {
        add({
          kind: 'history-rewritten',
          streamName,
          version: st.version,
          position: st.position,
          detail: `the stream is recorded with another last hash at version ${rec.version}: its events were replaced with recomputed hashes`,
        });
      }
    }
  }
  // Sorted before the cut, so the issues that name a stream are never crowded out by their consequences.
  const ok = issues.length === 0;
  issues.sort(issueOrder).splice(Math.max(1, maxIssues));
  const last = trusted[trusted.length - 1];
  const firstIssue = issues[0];
  return {
    ok,
    events: count,
    streams: streams.size,
    signedHeads: {
      checked: heads.length,
      lastPosition: last?.position ?? 0,
      keyIds: [...new Set(heads.map((h) => h.keyId))],
    },
    uncoveredEvents: last ? Math.max(0, count - last.count) : count,
    ...(firstIssue ? { firstIssue } : {}),
    issues,
  };
}

/** Reads a store's whole log in order, in batches. */
export async function* readLog(store: EventStore, batchSize = 5000): AsyncIterable<StoredEvent> {
  for (let after = 0; ;) {
    const batch = await store.readAll({ after, limit: batchSize });
    if (batch.length === 0) return;
    yield* batch;
    after = batch[batch.length - 1]!.position;
  }
}
