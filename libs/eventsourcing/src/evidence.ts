import { analyseStream, type VerifyIssue } from './chain';
import { GENESIS_HASH } from './hash-chain';
import { loadPublicKey, publicKeyPem, signValue, verifyValue, type SigningKey } from './signing';
import type { StoredEvent } from './types';
import type { ChainHead } from './chain';

export const EVIDENCE_FORMAT = 'patent-ledger-evidence/1';

/**
 * A self-contained, offline-checkable record of one stream: its events with metadata and hashes,
 * the stream head (version and last hash) signed with the ledger's Ed25519 key, and the newest
 * signed global chain head for reference.
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
}

const signedPart = (b: Pick<EvidenceBundle, 'format' | 'exportedAt' | 'streamName' | 'streamHead' | 'tool'>) => ({
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
}): EvidenceBundle {
  const last = args.events[args.events.length - 1];
  const unsigned = {
    format: EVIDENCE_FORMAT,
    tool: args.tool,
    exportedAt: args.exportedAt,
    streamName: args.streamName,
    streamHead: { version: last?.version ?? 0, lastHash: last?.hash ?? GENESIS_HASH, eventCount: args.events.length },
  } as const;
  return {
    ...unsigned,
    events: args.events,
    signature: { keyId: args.key.keyId, publicKey: publicKeyPem(args.key.publicKey), value: signValue(args.key, signedPart(unsigned)) },
    ...(args.chainHead ? { chainHead: args.chainHead } : {}),
  };
}

export interface BundleVerification {
  ok: boolean;
  keyId?: string;
  events: number;
  issue?: VerifyIssue | { kind: 'malformed' | 'signature-invalid' | 'head-mismatch' | 'wrong-key'; detail: string };
}

/**
 * Checks a bundle with no database: the stream's hash chain from genesis, that it ends in the signed
 * stream head, and the signature. With `expectedPublicKey`, the bundle must be signed by that key
 * (otherwise by the key it carries — then compare its keyId with the ledger's published one).
 */
export function verifyEvidenceBundle(bundle: unknown, expectedPublicKey?: string): BundleVerification {
  const b = bundle as EvidenceBundle;
  if (!b || typeof b !== 'object' || b.format !== EVIDENCE_FORMAT || !Array.isArray(b.events) || !b.streamHead || !b.signature) {
    return { ok: false, events: 0, issue: { kind: 'malformed', detail: `not a ${EVIDENCE_FORMAT} bundle` } };
  }
  let key;
  try {
    key = loadPublicKey(expectedPublicKey ?? b.signature.publicKey);
  } catch (err) {
    return { ok: false, events: b.events.length, issue: { kind: 'malformed', detail: (err as Error).message } };
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
  const wrongStream = b.events.find((e) => e.streamName !== b.streamName);
  if (wrongStream) {
    return {
      ok: false,
      keyId: b.signature.keyId,
      events: b.events.length,
      issue: { kind: 'event-inserted', streamName: wrongStream.streamName, version: wrongStream.version, detail: 'an event of another stream is in the bundle' },
    };
  }
  const issue = analyseStream(b.events, { version: b.streamHead.version, lastHash: b.streamHead.lastHash });
  if (issue) return { ok: false, keyId: b.signature.keyId, events: b.events.length, issue };
  const last = b.events[b.events.length - 1];
  if (b.events.length !== b.streamHead.eventCount || (last?.hash ?? GENESIS_HASH) !== b.streamHead.lastHash) {
    return {
      ok: false,
      keyId: b.signature.keyId,
      events: b.events.length,
      issue: { kind: 'head-mismatch', detail: `the events do not end in the signed stream head (version ${b.streamHead.version})` },
    };
  }
  return { ok: true, keyId: b.signature.keyId, events: b.events.length };
}
