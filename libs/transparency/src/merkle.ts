/**
 * The Merkle tree of RFC 9162 (Certificate Transparency v2), §2.1: SHA-256, leaf hashes
 * `H(0x00 ‖ leaf)`, interior nodes `H(0x01 ‖ left ‖ right)`, the tree of n leaves split at the
 * largest power of two below n. Leaves here are the 32 bytes of each event's hash, in log order.
 *
 * Proofs are computed over a `SubtreeSource` (the hash of any perfect, aligned subtree), so the same
 * code serves an in-memory tree and the stored tree of a 10 M-event log.
 */
import { hash } from 'node:crypto';

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

export function leafHash(leaf: Buffer): Buffer {
  return hash('sha256', Buffer.concat([LEAF_PREFIX, leaf]), 'buffer');
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The leaf of an event: its hash (64 hex digits) as 32 bytes. */
export function eventLeaf(eventHashHex: string): Buffer {
  if (!HEX64.test(eventHashHex)) throw new Error(`not an event hash: ${eventHashHex.slice(0, 80)}`);
  return Buffer.from(eventHashHex, 'hex');
}

/** The leaf hash of an event (what the tree stores at level 0). */
export const eventLeafHash = (eventHashHex: string): Buffer => leafHash(eventLeaf(eventHashHex));

/** Largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;
const log2 = (n: number): number => Math.round(Math.log2(n));

/**
 * The right edge of a tree being built leaf by leaf (a "compact range"): the roots of its perfect
 * subtrees, largest first. O(log n) memory; the root of the tree so far at any moment.
 */
export class MerkleFrontier {
  private readonly hashes: Buffer[] = [];
  private readonly levels: number[] = [];
  private leaves = 0;

  /** Leaves pushed so far. */
  get size(): number {
    return this.leaves;
  }

  /** Appends a leaf hash. */
  push(leafHashValue: Buffer): void {
    this.pushNode(0, leafHashValue);
  }

  /**
   * Appends the root of a perfect subtree of 2^level leaves (its left neighbours must already form
   * perfect subtrees of at least that size). Calls `onNode` for each interior node completed at a
   * level above `level`, with its level and index.
   */
  pushNode(
    level: number,
    value: Buffer,
    onNode?: (level: number, index: number, hash: Buffer) => void,
  ): void {
    let h = value;
    let l = level;
    while (this.levels.length > 0 && this.levels[this.levels.length - 1] === l) {
      h = nodeHash(this.hashes.pop()!, h);
      this.levels.pop();
      l++;
      onNode?.(l, Math.floor((this.leaves + 2 ** level) / 2 ** l) - 1, h);
    }
    if (this.levels.length > 0 && this.levels[this.levels.length - 1]! < l)
      throw new Error('MerkleFrontier: a subtree larger than its left neighbour');
    this.hashes.push(h);
    this.levels.push(l);
    this.leaves += 2 ** level;
  }

  /** MTH of the leaves pushed so far. */
  root(): Buffer {
    if (this.hashes.length === 0) return EMPTY_ROOT;
    let r = this.hashes[this.hashes.length - 1]!;
    for (let i = this.hashes.length - 2; i >= 0; i--) r = nodeHash(this.hashes[i]!, r);
    return r;
  }

  /** The perfect subtrees of the right edge, largest first. */
  edge(): { level: number; hash: Buffer }[] {
    return this.levels.map((level, i) => ({ level, hash: this.hashes[i]! }));
  }

  /** A frontier that resumes from a right edge (as `edge()` returned it). */
  static fromEdge(edge: readonly { level: number; hash: Buffer }[]): MerkleFrontier {
    const f = new MerkleFrontier();
    for (const { level, hash: h } of edge) {
      f.hashes.push(h);
      f.levels.push(level);
      f.leaves += 2 ** level;
    }
    return f;
  }
}

/** MTH of a list of leaf hashes. */
export function rootOf(leafHashes: readonly Buffer[]): Buffer {
  const f = new MerkleFrontier();
  for (const h of leafHashes) f.push(h);
  return f.root();
}

/** Hashes of perfect, aligned subtrees: `perfect(level, index)` covers leaves [index·2^level, (index+1)·2^level). */
export interface SubtreeSource {
  perfect(level: number, index: number): Promise<Buffer> | Buffer;
}

/** MTH(D[a:b]) as the recursion of RFC 9162 §2.1.1 meets it: perfect aligned subtrees, else a split. */
export async function rangeHash(source: SubtreeSource, a: number, b: number): Promise<Buffer> {
  const n = b - a;
  if (n <= 0) throw new Error(`empty range [${a}, ${b})`);
  if (isPowerOfTwo(n) && a % n === 0) return source.perfect(log2(n), a / n);
  const k = splitPoint(n);
  return nodeHash(await rangeHash(source, a, a + k), await rangeHash(source, a + k, b));
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf `m` in the tree of the first `n` leaves. */
export async function inclusionProof(source: SubtreeSource, m: number, n: number): Promise<Buffer[]> {
  if (!(Number.isInteger(m) && Number.isInteger(n) && m >= 0 && m < n))
    throw new RangeError(`no leaf ${m} in a tree of ${n}`);
  const path: Buffer[] = [];
  // Iterative form of the recursion: descend from D[0:n], collecting siblings, then reverse.
  let a = 0;
  let b = n;
  while (b - a > 1) {
    const k = splitPoint(b - a);
    if (m - a < k) {
      path.push(await rangeHash(source, a + k, b));
      b = a + k;
    } else {
      path.push(await rangeHash(source, a, a + k));
      a = a + k;
    }
  }
  return path.reverse();
}

/** PROOF(m, D[n]) of RFC 9162 §2.1.4.1: that the tree of the first `m` leaves is a prefix of the tree of `n`. */
export async function consistencyProof(source: SubtreeSource, m: number, n: number): Promise<Buffer[]> {
  if (!(Number.isInteger(m) && Number.isInteger(n) && m > 0 && m <= n))
    throw new RangeError(`no consistency proof from ${m} to ${n}`);
  if (m === n) return [];
  const path: Buffer[] = [];
  let a = 0;
  let b = n;
  let mm = m;
  let complete = true; // the `b` flag of SUBPROOF
  for (;;) {
    if (mm === b - a) {
      if (!complete) path.push(await rangeHash(source, a, b));
      break;
    }
    const k = splitPoint(b - a);
    if (mm <= k) {
      path.push(await rangeHash(source, a + k, b));
      b = a + k;
    } else {
      path.push(await rangeHash(source, a, a + k));
      a = a + k;
      mm -= k;
      complete = false;
    }
  }
  return path.reverse();
}

const lsb = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

/** Verifies an inclusion proof as RFC 9162 §2.1.3.2 says. */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHashValue: Buffer,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  if (!(Number.isInteger(leafIndex) && Number.isInteger(treeSize)) || leafIndex < 0 || leafIndex >= treeSize)
    return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHashValue;
  for (const p of proof) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!lsb(fn)) {
        do {
          fn = half(fn);
          sn = half(sn);
        } while (!lsb(fn) && fn !== 0);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/** Verifies a consistency proof as RFC 9162 §2.1.4.2 says. */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Buffer,
  secondRoot: Buffer,
  proof: readonly Buffer[],
): boolean {
  if (!(Number.isInteger(first) && Number.isInteger(second)) || first <= 0 || first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!lsb(fn)) {
        do {
          fn = half(fn);
          sn = half(sn);
        } while (!lsb(fn) && fn !== 0);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

/** A SubtreeSource over leaf hashes in memory (small trees, tests, a bundle's own checks). */
export function memorySource(leafHashes: readonly Buffer[]): SubtreeSource {
  return {
    perfect(level, index) {
      const size = 2 ** level;
      const start = index * size;
      if (start + size > leafHashes.length)
        throw new RangeError(`subtree beyond the ${leafHashes.length} leaves`);
      return rootOf(leafHashes.slice(start, start + size));
    },
  };
}

export const toHex = (b: Buffer): string => b.toString('hex');
export const fromHex = (s: string): Buffer => {
  if (typeof s !== 'string' || !HEX64.test(s))
    throw new Error(`not a 64-digit hex hash: ${String(s).slice(0, 80)}`);
  return Buffer.from(s, 'hex');
};
