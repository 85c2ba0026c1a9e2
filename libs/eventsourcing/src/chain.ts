import type { KeyObject } from 'node:crypto';
import { eventHash, GENESIS_HASH, nextGlobalHead } from './hash-chain';
import { signValue, verifyValue, type SigningKey } from './signing';
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

export const isChainHeadStore = (s: unknown): s is ChainHeadStore =>
  !!s && typeof (s as ChainHeadStore).latestChainHead === 'function' && typeof (s as ChainHeadStore).appendChainHead === 'function';

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
    for (;;) {
      const batch = await this.store.readAll({ after: position, limit: this.options.batchSize ?? 5000 });
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
  | 'signature-invalid';

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
 */
export function analyseStream(events: readonly StoredEvent[], recorded?: { version: number; lastHash: string | null }): VerifyIssue | undefined {
  const byVersion = [...events].sort((a, b) => a.version - b.version);
  const streamName = byVersion[0]?.streamName ?? '';
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
  let prev = GENESIS_HASH;
  for (let i = 0; i < byVersion.length; i++) {
    const e = byVersion[i]!;
    const expectedVersion = i === 0 ? 1 : byVersion[i - 1]!.version + 1;
    if (!e.hash) return { kind: 'hash-missing', streamName, version: e.version, position: e.position, detail: 'the event has no hash' };
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
    if (next?.hash && eventHash({ ...next, version: e.version, previousHash: prev }) === next.hash && eventHash({ ...e, version: next.version, previousHash: next.hash }) === e.hash) {
      return {
        kind: 'events-reordered',
        streamName,
        version: e.version,
        position: e.position,
        detail: `the events at versions ${e.version} and ${next.version} were swapped`,
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
  const last = byVersion[byVersion.length - 1];
  if (recorded && (recorded.version > (last?.version ?? 0) || (last && recorded.lastHash !== null && recorded.lastHash !== last.hash && recorded.version === last.version))) {
    return {
      kind: 'head-truncated',
      streamName,
      version: (last?.version ?? 0) + 1,
      detail: `the stream is recorded at version ${recorded.version} but its events end at version ${last?.version ?? 0}`,
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

/**
 * Verifies a whole ledger from its events in log order: every stream's hash chain, the stream table,
 * and the global chain against each signed head (signature with the public key, then the head value).
 */
export async function verifyLedger(events: AsyncIterable<StoredEvent>, options: VerifyOptions = {}): Promise<VerifyReport> {
  const maxIssues = options.maxIssues ?? 20;
  const issues: VerifyIssue[] = [];
  const add = (i: VerifyIssue): void => {
    if (issues.length < maxIssues) issues.push(i);
  };
  const heads = [...(options.heads ?? [])].sort((a, b) => a.position - b.position);
  for (const h of heads) {
    if (!options.publicKey) break;
    if (!chainHeadSignatureValid(options.publicKey, h)) {
      add({ kind: 'signature-invalid', position: h.position, detail: `the chain head at position ${h.position} is not signed by key ${h.keyId}` });
    }
  }
  const streams = new Map<string, { version: number; hash: string; position: number }>();
  const broken = new Set<string>();
  let global = GENESIS_HASH;
  let count = 0;
  let headIndex = 0;
  let lastPosition = 0;
  /** Checks every signed head that lies before `position` against the chain computed so far. */
  const checkHeadsBefore = (position: number): void => {
    while (headIndex < heads.length && heads[headIndex]!.position < position) {
      const h = heads[headIndex++]!;
      if (h.position === lastPosition && h.count === count && h.head === global) continue;
      if (count < h.count) {
        // Deleted events: a stream-level issue names them when they were in the middle of a stream.
        if (!issues.some((i) => i.kind === 'event-missing')) {
          add({
            kind: 'head-truncated',
            position: h.position,
            detail: `the signed head at position ${h.position} covers ${h.count} events, the log now holds ${count} up to it: events were deleted`,
          });
        }
      } else {
        add({
          kind: 'history-rewritten',
          position: h.position,
          detail: `the log up to position ${h.position} no longer reproduces its signed head: events were changed, inserted or rewritten with recomputed hashes`,
        });
      }
    }
  };
  for await (const e of events) {
    checkHeadsBefore(e.position);
    count++;
    lastPosition = e.position;
    if (e.hash) global = nextGlobalHead(global, e.hash);
    const st = streams.get(e.streamName);
    const expectedVersion = (st?.version ?? 0) + 1;
    const ok =
      !!e.hash && e.version === expectedVersion && eventHash({ ...e, previousHash: st?.hash ?? GENESIS_HASH }) === e.hash;
    if (!ok && !broken.has(e.streamName)) {
      broken.add(e.streamName);
      const full = options.readStream ? await options.readStream(e.streamName) : [];
      add(
        analyseStream(full.length ? full : [e], options.streamHeads?.get(e.streamName)) ?? {
          kind: e.version !== expectedVersion ? (e.version < expectedVersion ? 'events-reordered' : 'event-missing') : 'chain-broken',
          streamName: e.streamName,
          version: e.version,
          position: e.position,
          detail: `version ${e.version} does not follow version ${expectedVersion - 1}`,
        },
      );
    }
    streams.set(e.streamName, { version: e.version, hash: e.hash ?? '', position: e.position });
  }
  // Heads at or before the last event are checked as usual; a head beyond it covers deleted events.
  checkHeadsBefore(lastPosition + 1);
  for (const h of heads.slice(headIndex)) {
    add({
      kind: 'head-truncated',
      position: h.position,
      detail: `a signed head covers position ${h.position}, but the log ends at ${lastPosition}: the newest events were deleted`,
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
      }
    }
  }
  const last = heads[heads.length - 1];
  const firstIssue = [...issues].sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity))[0];
  return {
    ok: issues.length === 0,
    events: count,
    streams: streams.size,
    signedHeads: { checked: heads.length, lastPosition: last?.position ?? 0, keyIds: [...new Set(heads.map((h) => h.keyId))] },
    uncoveredEvents: last ? Math.max(0, count - last.count) : count,
    ...(firstIssue ? { firstIssue } : {}),
    issues,
  };
}

/** Reads a store's whole log in order, in batches. */
export async function* readLog(store: EventStore, batchSize = 5000): AsyncIterable<StoredEvent> {
  for (let after = 0; ; ) {
    const batch = await store.readAll({ after, limit: batchSize });
    if (batch.length === 0) return;
    yield* batch;
    after = batch[batch.length - 1]!.position;
  }
}
