/**
 * The Merkle tree and its proofs against an independent implementation of RFC 9162 written in this
 * file from the RFC's own definitions (§2.1.1 MTH, §2.1.3.1 PATH, §2.1.4.1 PROOF/SUBPROOF), with
 * its own hashing and its own (recursive) proof checks, over random tree sizes from 1 to 5,000:
 * the library's proofs (from leaves in memory, and from the stored tree of a log with small and
 * default chunks) must equal the RFC's, its verifiers must accept them and reject altered ones.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  MerkleFrontier,
  memorySource,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from './merkle';
import { MerkleLog, type LeafSource, type LogLeaf } from './merkle-log';
import { SqliteTreeStore } from './tree-store';

// ------------------------------------------------------------------------------------------------
// RFC 9162 §2.1, transcribed.

const sha = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
/** k: the largest power of two smaller than n. */
const k = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);

class Rfc {
  private readonly memo = new Map<string, Buffer>();
  constructor(private readonly d: readonly Buffer[]) {}
  /** MTH(D[a:b]) */
  mth(a: number, b: number): Buffer {
    const n = b - a;
    if (n === 0) return sha();
    if (n === 1) return sha(Buffer.from([0]), this.d[a]!);
    const key = `${a}:${b}`;
    let v = this.memo.get(key);
    if (!v) {
      v = sha(Buffer.from([1]), this.mth(a, a + k(n)), this.mth(a + k(n), b));
      this.memo.set(key, v);
    }
    return v;
  }
  /** PATH(m, D[a:b]) */
  path(m: number, a: number, b: number): Buffer[] {
    const n = b - a;
    if (n === 1) return [];
    const kk = k(n);
    return m < kk
      ? [...this.path(m, a, a + kk), this.mth(a + kk, b)]
      : [...this.path(m - kk, a + kk, b), this.mth(a, a + kk)];
  }
  /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true) */
  proof(m: number, n: number): Buffer[] {
    return this.subproof(m, 0, n, true);
  }
  private subproof(m: number, a: number, b: number, flag: boolean): Buffer[] {
    const n = b - a;
    if (m === n) return flag ? [] : [this.mth(a, b)];
    const kk = k(n);
    return m <= kk
      ? [...this.subproof(m, a, a + kk, flag), this.mth(a + kk, b)]
      : [...this.subproof(m - kk, a + kk, b, false), this.mth(a, a + kk)];
  }
}

/** The root an audit path gives, rebuilt along the PATH recursion. */
function rootFromPath(m: number, n: number, leaf: Buffer, path: Buffer[]): Buffer | undefined {
  if (n === 1) return path.length === 0 ? leaf : undefined;
  if (path.length === 0) return undefined;
  const sibling = path[path.length - 1]!;
  const rest = path.slice(0, -1);
  const kk = k(n);
  if (m < kk) {
    const left = rootFromPath(m, kk, leaf, rest);
    return left && sha(Buffer.from([1]), left, sibling);
  }
  const right = rootFromPath(m - kk, n - kk, leaf, rest);
  return right && sha(Buffer.from([1]), sibling, right);
}

/** Old and new roots a consistency proof gives, rebuilt along the SUBPROOF recursion. */
function rootsFromProof(
  m: number,
  n: number,
  oldRoot: Buffer,
  proof: Buffer[],
): [Buffer, Buffer] | undefined {
  let i = 0;
  const take = (): Buffer => {
    const x = proof[i++];
    if (!x) throw new Error('short');
    return x;
  };
  const walk = (mm: number, nn: number, flag: boolean): [Buffer, Buffer] => {
    if (mm === nn) {
      if (flag) return [oldRoot, oldRoot];
      const x = take();
      return [x, x];
    }
    const kk = k(nn);
    if (mm <= kk) {
      const [o, nw] = walk(mm, kk, flag);
      return [o, sha(Buffer.from([1]), nw, take())];
    }
    const [o, nw] = walk(mm - kk, nn - kk, false);
    const s = take();
    return [sha(Buffer.from([1]), s, o), sha(Buffer.from([1]), s, nw)];
  };
  try {
    const roots = walk(m, n, true);
    return i === proof.length ? roots : undefined;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------------------------

/** A reproducible pseudo-random sequence (the sizes and indexes tested). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const MAX = 5000;
const leaves = Array.from({ length: MAX }, () => randomBytes(32));
const leafHashes = leaves.map(leafHash);
const rfc = new Rfc(leaves);
const rand = prng(9162);
const pick = (n: number) => Math.floor(rand() * n);
const SIZES = [
  1,
  2,
  3,
  4,
  5,
  7,
  8,
  9,
  255,
  256,
  257,
  511,
  512,
  513,
  1024,
  4096,
  4097,
  MAX,
  ...Array.from({ length: 60 }, () => 1 + pick(MAX)),
];

const flip = (b: Buffer): Buffer => {
  const c = Buffer.from(b);
  const i = pick(c.length);
  c[i] = c[i]! ^ (1 << pick(8));
  return c;
};

/** A log whose positions have gaps (as PostgreSQL's do): position = 3·i + 1. */
const source: LeafSource = {
  async read(after, limit) {
    const out: LogLeaf[] = [];
    for (let i = Math.max(0, Math.ceil((after - 1 + 1) / 3)); i < MAX && out.length < limit; i++) {
      const position = 3 * i + 1;
      if (position > after) out.push({ position, hash: leaves[i]!.toString('hex') });
    }
    return out;
  },
};

describe('the Merkle tree against RFC 9162 transcribed', () => {
  it('MTH: the root of every size matches, from memory and from a frontier', () => {
    for (const n of SIZES) {
      expect(rootOf(leafHashes.slice(0, n)).toString('hex')).toBe(rfc.mth(0, n).toString('hex'));
    }
    expect(rootOf([]).toString('hex')).toBe(sha().toString('hex'));
    const f = new MerkleFrontier();
    leafHashes.slice(0, 300).forEach((h, i) => {
      f.push(h);
      if (i % 37 === 0) expect(f.root().equals(rfc.mth(0, i + 1))).toBe(true);
    });
  });

  it.each([
    ['leaves in memory', undefined],
    ['a stored tree with chunks of 4 leaves', 2],
    ['a stored tree with chunks of 256 leaves (the default)', 8],
  ] as const)(
    'inclusion and consistency proofs from %s equal the RFC’s and verify both ways',
    async (_name, chunkLevel) => {
      let proofs: {
        root(n: number): Promise<Buffer>;
        inclusion(m: number, n: number): Promise<Buffer[]>;
        consistency(m: number, n: number): Promise<Buffer[]>;
      };
      let close = async () => undefined as void;
      if (chunkLevel === undefined) {
        const src = memorySource(leafHashes);
        proofs = {
          root: async (n) => rootOf(leafHashes.slice(0, n)),
          inclusion: (m, n) => inclusionProof(src, m, n),
          consistency: (m, n) => consistencyProof(src, m, n),
        };
      } else {
        const store = SqliteTreeStore.open(':memory:');
        const log = await MerkleLog.open(source, store, { chunkLevel });
        await log.extend();
        expect(log.size).toBe(MAX);
        expect(log.lastPosition).toBe(3 * (MAX - 1) + 1);
        expect(await store.chunkCount()).toBe(Math.floor(MAX / 2 ** chunkLevel));
        // A leaf is found by its position.
        expect(await log.leafAt(3 * 1234 + 1)).toEqual({ index: 1234, leafHash: leafHashes[1234] });
        expect(await log.leafAt(3 * 1234 + 2)).toBeUndefined();
        proofs = {
          root: (n) => log.root(n),
          inclusion: (m, n) => log.inclusionProof(m, n),
          consistency: (m, n) => log.consistencyProof(m, n),
        };
        close = () => store.close();
      }
      let checked = 0;
      for (const n of SIZES) {
        const root = rfc.mth(0, n);
        expect((await proofs.root(n)).equals(root)).toBe(true);
        for (const m of new Set([0, n - 1, pick(n), pick(n)])) {
          const mine = await proofs.inclusion(m, n);
          expect(mine.map((x) => x.toString('hex'))).toEqual(rfc.path(m, 0, n).map((x) => x.toString('hex')));
          expect(verifyInclusion(m, n, leafHashes[m]!, mine, root)).toBe(true);
          expect(rootFromPath(m, n, leafHashes[m]!, mine)?.equals(root)).toBe(true);
          // Altered: another leaf, another index, a changed or missing step. (The size is the signed head's.)
          expect(verifyInclusion(m, n, flip(leafHashes[m]!), mine, root)).toBe(false);
          if (n > 1) expect(verifyInclusion((m + 1) % n, n, leafHashes[m]!, mine, root)).toBe(false);
          if (mine.length > 0) {
            const i = pick(mine.length);
            expect(
              verifyInclusion(
                m,
                n,
                leafHashes[m]!,
                mine.map((x, j) => (j === i ? flip(x) : x)),
                root,
              ),
            ).toBe(false);
            expect(verifyInclusion(m, n, leafHashes[m]!, mine.slice(0, -1), root)).toBe(false);
          }
          checked++;
        }
        for (const m of new Set([1, n, 1 + pick(n), 1 + pick(n)])) {
          const mine = await proofs.consistency(m, n);
          expect(mine.map((x) => x.toString('hex'))).toEqual(
            (m === n ? [] : rfc.proof(m, n)).map((x) => x.toString('hex')),
          );
          const old = rfc.mth(0, m);
          expect(verifyConsistency(m, n, old, root, mine)).toBe(true);
          if (m < n) {
            const roots = rootsFromProof(m, n, old, mine);
            expect(roots?.[0].equals(old) && roots[1].equals(root)).toBe(true);
            // Altered: another old root, new root, a changed step, another old size.
            expect(verifyConsistency(m, n, flip(old), root, mine)).toBe(false);
            expect(verifyConsistency(m, n, old, flip(root), mine)).toBe(false);
            if (mine.length > 0) {
              const i = pick(mine.length);
              expect(
                verifyConsistency(
                  m,
                  n,
                  old,
                  root,
                  mine.map((x, j) => (j === i ? flip(x) : x)),
                ),
              ).toBe(false);
            }
            if (m > 1) expect(verifyConsistency(m - 1, n, old, root, mine)).toBe(false);
          } else {
            expect(verifyConsistency(m, n, flip(old), root, mine)).toBe(false);
          }
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(SIZES.length * 4);
      await close();
    },
  );

  it('rejects what is not a proof: index beyond the tree, size 0, a consistency proof from 0', () => {
    expect(verifyInclusion(3, 3, leafHashes[0]!, [], rfc.mth(0, 3))).toBe(false);
    expect(verifyInclusion(0, 0, leafHashes[0]!, [], sha())).toBe(false);
    expect(verifyConsistency(0, 5, sha(), rfc.mth(0, 5), [])).toBe(false);
    expect(verifyConsistency(6, 5, rfc.mth(0, 5), rfc.mth(0, 5), [])).toBe(false);
    expect(verifyInclusion(0, 1, leafHashes[0]!, [], rfc.mth(0, 1))).toBe(true);
  });
});
