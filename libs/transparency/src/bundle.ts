import {
  keyIdOf,
  loadPublicKey,
  verifyEvidenceBundle,
  type BundleVerification,
  type EvidenceBundle,
  type JsonObject,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { eventLeafHash, fromHex, verifyInclusion } from './merkle';
import type { TransparencyEvidence } from './transparency-log';
import { headHash, parseTreeHead, treeHeadSignatureValid, type TreeHead } from './tree-head';

export type BundleIssueKind = 'not-in-log' | 'signature-invalid' | 'malformed' | 'head-mismatch';

export interface TransparentBundleVerification {
  ok: boolean;
  events: number;
  keyId?: string;
  /** True only when the bundle was checked against a key the verifier supplied (`--key`). */
  signerVerified: boolean;
  /** The signed tree head the events were proven against. */
  treeHead?: { treeSize: number; rootHash: string; timestamp: string; headHash: string };
  issue?: BundleVerification['issue'] | { kind: BundleIssueKind; detail: string };
}

/** The bundle member createEvidenceBundle carries for the transparency log. */
export const bundleTransparency = (t: TransparencyEvidence): JsonObject =>
  ({ treeHead: t.treeHead, inclusion: t.inclusion }) as unknown as JsonObject;

/**
 * Checks a bundle offline: its stream chain and signature (verifyEvidenceBundle), then that its tree
 * head carries a valid signature of the same key and that each event sits in that head's tree
 * (RFC 9162 inclusion proof from the event's hash). With `keptHeads` (heads an auditor kept, e.g.
 * GET /chain/heads/latest saved earlier), a kept head of the same size must be the bundle's.
 */
export function verifyTransparentBundle(
  bundle: unknown,
  options: { publicKeyPem?: string; keptHeads?: readonly TreeHead[] } = {},
): TransparentBundleVerification {
  const base = verifyEvidenceBundle(bundle, options.publicKeyPem);
  const signerVerified = options.publicKeyPem !== undefined;
  const result = (extra: Partial<TransparentBundleVerification>): TransparentBundleVerification => ({
    ok: base.ok,
    events: base.events,
    ...(base.keyId !== undefined ? { keyId: base.keyId } : {}),
    signerVerified,
    ...(base.issue ? { issue: base.issue } : {}),
    ...extra,
  });
  if (!base.ok) return result({});
  const b = bundle as EvidenceBundle;
  const fail = (kind: BundleIssueKind, detail: string) => result({ ok: false, issue: { kind, detail } });
  const t = b.transparency as { treeHead?: unknown; inclusion?: unknown } | undefined;
  if (!t || typeof t !== 'object')
    return fail(
      'not-in-log',
      'the bundle carries no inclusion proofs: nothing shows its events are in the published log',
    );
  const keys = Object.keys(t).filter((k) => k !== 'treeHead' && k !== 'inclusion');
  if (keys.length > 0) return fail('malformed', `unexpected member transparency.${keys[0]}`);
  const head = parseTreeHead(t.treeHead);
  if (typeof head === 'string') return fail('malformed', `transparency.treeHead: ${head}`);
  const key = loadPublicKey(options.publicKeyPem ?? b.signature.publicKey);
  if (head.keyId !== keyIdOf(key) || !treeHeadSignatureValid(key, head))
    return fail(
      'signature-invalid',
      `the tree head does not carry a valid signature of key ${keyIdOf(key)}: it was edited or signed by another key`,
    );
  const summary = {
    treeSize: head.treeSize,
    rootHash: head.rootHash,
    timestamp: head.timestamp,
    headHash: headHash(head),
  };
  if (!Array.isArray(t.inclusion) || t.inclusion.length !== b.events.length)
    return fail(
      'not-in-log',
      `the bundle has ${b.events.length} events but ${Array.isArray(t.inclusion) ? t.inclusion.length : 'no'} inclusion proofs`,
    );
  const root = fromHex(head.rootHash);
  for (const [i, e] of (b.events as StoredEvent[]).entries()) {
    const p = t.inclusion[i] as { position?: unknown; leafIndex?: unknown; path?: unknown } | null;
    const where = `the ${e.type} at version ${e.version} (position ${e.position})`;
    if (
      !p ||
      typeof p !== 'object' ||
      p.position !== e.position ||
      !Number.isSafeInteger(p.leafIndex) ||
      !Array.isArray(p.path) ||
      !p.path.every((x) => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x))
    )
      return fail('not-in-log', `${where} has no well-formed inclusion proof`);
    if (!e.hash) return fail('not-in-log', `${where} has no hash`);
    const ok = verifyInclusion(
      p.leafIndex as number,
      head.treeSize,
      eventLeafHash(e.hash),
      (p.path as string[]).map(fromHex),
      root,
    );
    if (!ok)
      return fail(
        'not-in-log',
        `${where} is not in the tree of the signed head (size ${head.treeSize}): its inclusion proof fails`,
      );
    if (e.position > head.lastPosition)
      return fail(
        'not-in-log',
        `${where} stands after the last event the signed head covers (position ${head.lastPosition})`,
      );
  }
  for (const kept of options.keptHeads ?? []) {
    if (kept.treeSize === head.treeSize && kept.rootHash !== head.rootHash)
      return fail(
        'head-mismatch',
        `the bundle's tree head of size ${head.treeSize} has root ${head.rootHash.slice(0, 12)}…, the head you kept for that size ${kept.rootHash.slice(0, 12)}…: the log was forked`,
      );
  }
  return result({ treeHead: summary });
}
