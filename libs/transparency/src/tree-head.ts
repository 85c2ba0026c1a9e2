import { hash, type KeyObject } from 'node:crypto';
import { canonicalJson, signValue, verifyValue, type SigningKey } from '@patent-ledger/eventsourcing';

export const TREE_HEAD_FORMAT = 'patent-ledger-tree-head/1';

/** The `previousHeadHash` of the first head of a log. */
export const NO_PREVIOUS_HEAD = '0'.repeat(64);

/**
 * A signed tree head (RFC 9162 §4.10, in JSON): the Merkle tree of the first `treeSize` events of the
 * log, whose last event stands at `lastPosition`, signed at `timestamp`, linked to the head before it
 * by that head's hash. Ed25519 over the RFC 8785 canonical JSON of every member but `signature`.
 */
export interface TreeHead {
  format: typeof TREE_HEAD_FORMAT;
  treeSize: number;
  /** MTH of the first treeSize leaves, hex. */
  rootHash: string;
  /** Position of the event that is leaf treeSize − 1 (0 for the empty tree). */
  lastPosition: number;
  timestamp: string;
  /** `headHash` of the previous head of this log, or NO_PREVIOUS_HEAD. */
  previousHeadHash: string;
  keyId: string;
  /** base64 */
  signature: string;
}

const signedPart = (h: Omit<TreeHead, 'signature'>) => ({
  format: h.format,
  treeSize: h.treeSize,
  rootHash: h.rootHash,
  lastPosition: h.lastPosition,
  timestamp: h.timestamp,
  previousHeadHash: h.previousHeadHash,
  keyId: h.keyId,
});

export function signTreeHead(
  key: SigningKey,
  h: Pick<TreeHead, 'treeSize' | 'rootHash' | 'lastPosition' | 'timestamp' | 'previousHeadHash'>,
): TreeHead {
  const unsigned = { format: TREE_HEAD_FORMAT, ...h, keyId: key.keyId } as const;
  return { ...signedPart(unsigned), signature: signValue(key, signedPart(unsigned)) };
}

export function treeHeadSignatureValid(publicKey: KeyObject, h: TreeHead): boolean {
  return verifyValue(publicKey, signedPart(h), h.signature);
}

/** SHA-256 (hex) over the canonical JSON of the whole head, signature included: what the next head links to. */
export function headHash(h: TreeHead): string {
  return hash('sha256', canonicalJson(h), 'hex');
}

const HEX64 = /^[0-9a-f]{64}$/;
const MEMBERS = [
  'format',
  'treeSize',
  'rootHash',
  'lastPosition',
  'timestamp',
  'previousHeadHash',
  'keyId',
  'signature',
];

/** Checks the shape of a head read from a file or a message; returns it typed, or a reason. */
export function parseTreeHead(value: unknown): TreeHead | string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  let h = value as Record<string, unknown>;
  // As GET /chain/heads answers: with its hash beside it (checked, then dropped).
  if ('headHash' in h) {
    const { headHash: claimed, ...rest } = h;
    const parsed = parseTreeHead(rest);
    if (typeof parsed === 'string') return parsed;
    if (claimed !== headHash(parsed)) return 'headHash is not the hash of the head';
    h = rest;
  }
  const extra = Object.keys(h).find((k) => !MEMBERS.includes(k));
  if (extra !== undefined) return `unexpected member ${extra}`;
  if (h['format'] !== TREE_HEAD_FORMAT) return `format is not ${TREE_HEAD_FORMAT}`;
  for (const k of ['treeSize', 'lastPosition'])
    if (!Number.isSafeInteger(h[k]) || (h[k] as number) < 0) return `${k} is not a non-negative integer`;
  for (const k of ['rootHash', 'previousHeadHash'])
    if (typeof h[k] !== 'string' || !HEX64.test(h[k])) return `${k} is not 64 hex digits`;
  for (const k of ['timestamp', 'keyId', 'signature'])
    if (typeof h[k] !== 'string' || (h[k] as string).length === 0) return `${k} is missing`;
  if (Number.isNaN(Date.parse(h['timestamp'] as string))) return 'timestamp is not an instant';
  return h as unknown as TreeHead;
}

/**
 * Reads heads kept as text: one head (JSON), a JSON array of heads, an object with `heads` (as
 * GET /chain/heads answers), or JSON Lines (a witness heads file). Returns the heads and, for
 * each entry that is not a head, its line and reason.
 */
export function parseHeadsText(text: string): {
  heads: TreeHead[];
  malformed: { line: number; reason: string }[];
} {
  const heads: TreeHead[] = [];
  const malformed: { line: number; reason: string }[] = [];
  const take = (v: unknown, line: number) => {
    const h = parseTreeHead(v);
    if (typeof h === 'string') malformed.push({ line, reason: h });
    else heads.push(h);
  };
  const trimmed = text.trim();
  if (trimmed === '') return { heads, malformed };
  try {
    const whole: unknown = JSON.parse(trimmed);
    const list = Array.isArray(whole)
      ? whole
      : whole && typeof whole === 'object' && Array.isArray((whole as { heads?: unknown }).heads)
        ? (whole as { heads: unknown[] }).heads
        : [whole];
    list.forEach((v, i) => take(v, i + 1));
    return { heads, malformed };
  } catch {
    // JSON Lines
  }
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      take(JSON.parse(line), i + 1);
    } catch {
      malformed.push({ line: i + 1, reason: 'not JSON' });
    }
  });
  return { heads, malformed };
}
