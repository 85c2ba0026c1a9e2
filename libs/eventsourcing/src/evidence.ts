import { analyseStream, chainHeadSignatureValid, type VerifyIssue } from './chain';
import { GENESIS_HASH } from './hash-chain';
import { keyIdOf, loadPublicKey, publicKeyPem, signValue, verifyValue, type SigningKey } from './signing';
import type { JsonObject, StoredEvent } from './types';
import type { ChainHead } from './chain';

/**
 * Format 2 added `transparency`: the signed tree head of the global log and each event's inclusion
 * proof in it (checked by libs/transparency). Format 1 bundles no longer verify: export them again.
 */
export const EVIDENCE_FORMAT = 'patent-ledger-evidence/2';

/**
 * A self-contained, offline-checkable record of one stream: its events with metadata and hashes,
 * the stream head (version and last hash) signed with the ledger's Ed25519 key, and the newest
 * signed global chain head for reference (only when the same key signed it, so the bundle's key
 * checks it too).
 */
export interface EvidenceBundle {
  format: typeof EVIDENCE_FORMAT;
  tool: { name: string; version: string };
  exportedAt: string;
  streamName: string;
  events: StoredEvent[];
  streamHead: { version: number; lastHash: string; eventCount: number };
  signature: { keyId: string; publicKey: string; value: string };
  chainHead?: ChainHead;
  /** The signed tree head and the events' inclusion proofs (libs/transparency checks them). */
  transparency?: JsonObject;
}

const signedPart = (
  b: Pick<EvidenceBundle, 'format' | 'exportedAt' | 'streamName' | 'streamHead' | 'tool'>,
) => ({
  format: b.format,
  tool: b.tool,
  exportedAt: b.exportedAt,
  streamName: b.streamName,
  streamHead: b.streamHead,
});

export function createEvidenceBundle(args: {
  streamName: string;
  events: StoredEvent[];
  key: SigningKey;
  tool: { name: string; version: string };
  exportedAt: string;
  chainHead?: ChainHead;
  transparency?: JsonObject;
}): EvidenceBundle {
  const last = args.events[args.events.length - 1];
  const unsigned = {
    format: EVIDENCE_FORMAT,
    tool: args.tool,
    exportedAt: args.exportedAt,
    streamName: args.streamName,
    streamHead: {
      version: last?.version ?? 0,
      lastHash: last?.hash ?? GENESIS_HASH,
      eventCount: args.events.length,
    },
  } as const;
  return {
    ...unsigned,
    events: args.events,
    signature: {
      keyId: args.key.keyId,
      publicKey: publicKeyPem(args.key.publicKey),
      value: signValue(args.key, signedPart(unsigned)),
    },
    // A head signed by another (earlier) key could not be checked with the bundle's key: left out.
    ...(args.chainHead && args.chainHead.keyId === args.key.keyId ? { chainHead: args.chainHead } : {}),
    ...(args.transparency ? { transparency: args.transparency } : {}),
  };
}

export interface BundleVerification {
  ok: boolean;
  keyId?: string;
  events: number;
  issue?:
    VerifyIssue | { kind: 'malformed' | 'signature-invalid' | 'head-mismatch' | 'wrong-key'; detail: string };
}

/**
 * Checks a bundle with no database: the stream's hash chain from genesis, that it ends in the signed
 * stream head, and the signature. With `expectedPublicKey`, the bundle must be signed by that key
 * (otherwise by the key it carries — then compare its keyId with the ledger's published one). The key
 * id the bundle names must be that key's, and an included chain head must carry a valid signature of
 * the same key. Never throws: a bundle that is not well-formed is reported as `malformed`.
 */
export function verifyEvidenceBundle(bundle: unknown, expectedPublicKey?: string): BundleVerification {
  try {
    return check(bundle, expectedPublicKey);
  } catch (err) {
    const events = Array.isArray((bundle as { events?: unknown } | null)?.events)
      ? (bundle as { events: unknown[] }).events.length
      : 0;
    return {
      ok: false,
      events,
      issue: { kind: 'malformed', detail: `the bundle cannot be checked: ${(err as Error).message}` },
    };
  }
}

/** The members of a bundle and of its events: anything else is an edit (a renamed member, say). */
const BUNDLE_MEMBERS = new Set([
  'format',
  'tool',
  'exportedAt',
  'streamName',
  'events',
  'streamHead',
  'signature',
  'chainHead',
  'transparency',
]);
const EVENT_MEMBERS = new Set(['streamName', 'version', 'position', 'type', 'data', 'metadata', 'hash']);

function check(bundle: unknown, expectedPublicKey?: string): BundleVerification {
  const b = bundle as EvidenceBundle;
  if (
    !b ||
    typeof b !== 'object' ||
    b.format !== EVIDENCE_FORMAT ||
    !Array.isArray(b.events) ||
    !b.events.every((e) => !!e && typeof e === 'object') ||
    !b.streamHead ||
    typeof b.streamHead !== 'object' ||
    !b.signature ||
    typeof b.signature !== 'object'
  ) {
    return { ok: false, events: 0, issue: { kind: 'malformed', detail: `not a ${EVIDENCE_FORMAT} bundle` } };
  }
  const unexpected =
    Object.keys(b).find((k) => !BUNDLE_MEMBERS.has(k)) ??
    b.events.flatMap((e, i) =>
      Object.keys(e)
        .filter((k) => !EVENT_MEMBERS.has(k))
        .map((k) => `events[${i}].${k}`),
    )[0];
  if (unexpected !== undefined) {
    return {
      ok: false,
      events: b.events.length,
      issue: { kind: 'malformed', detail: `unexpected member ${unexpected}` },
    };
  }
  let key;
  try {
    key = loadPublicKey(expectedPublicKey ?? b.signature.publicKey);
  } catch (err) {
    return {
      ok: false,
      events: b.events.length,
      issue: { kind: 'malformed', detail: (err as Error).message },
    };
  }
  if (!verifyValue(key, signedPart(b), b.signature.value)) {
    return {
      ok: false,
      keyId: b.signature.keyId,
      events: b.events.length,
      issue: {
        kind: expectedPublicKey ? 'wrong-key' : 'signature-invalid',
        detail: expectedPublicKey
          ? 'the bundle is not signed by the given key, or its signed part was edited'
          : 'the signature does not match the bundle: its stream head or header was edited',
      },
    };
  }
  const keyId = keyIdOf(key);
  if (b.signature.publicKey !== publicKeyPem(key)) {
    return {
      ok: false,
      keyId,
      events: b.events.length,
      issue: expectedPublicKey
        ? { kind: 'wrong-key', detail: 'the bundle carries another public key than the given one' }
        : { kind: 'signature-invalid', detail: 'the public key the bundle carries was edited' },
    };
  }
  if (b.signature.keyId !== keyId) {
    return {
      ok: false,
      keyId,
      events: b.events.length,
      issue: {
        kind: 'signature-invalid',
        detail: `the bundle names key ${String(b.signature.keyId)}, but it is signed by key ${keyId}`,
      },
    };
  }
  if (
    b.chainHead !== undefined &&
    (b.chainHead?.keyId !== keyId || !chainHeadSignatureValid(key, b.chainHead))
  ) {
    return {
      ok: false,
      keyId,
      events: b.events.length,
      issue: {
        kind: 'signature-invalid',
        detail: `the chain head included for reference does not carry a valid signature of key ${keyId}: it was edited`,
      },
    };
  }
  const wrongStream = b.events.find((e) => e.streamName !== b.streamName);
  if (wrongStream) {
    return {
      ok: false,
      keyId,
      events: b.events.length,
      issue: {
        kind: 'event-inserted',
        streamName: wrongStream.streamName,
        version: wrongStream.version,
        detail: 'an event of another stream is in the bundle',
      },
    };
  }
  const issue = analyseStream(b.events, { version: b.streamHead.version, lastHash: b.streamHead.lastHash });
  if (issue) return { ok: false, keyId, events: b.events.length, issue };
  const last = b.events[b.events.length - 1];
  if (
    b.events.length !== b.streamHead.eventCount ||
    (last?.hash ?? GENESIS_HASH) !== b.streamHead.lastHash ||
    (last?.version ?? 0) !== b.streamHead.version
  ) {
    return {
      ok: false,
      keyId,
      events: b.events.length,
      issue: {
        kind: 'head-mismatch',
        detail: `the events do not end in the signed stream head (version ${b.streamHead.version})`,
      },
    };
  }
  return { ok: true, keyId, events: b.events.length };
}
