import { isHashLog, type EventStore } from '@patent-ledger/eventsourcing';
import {
  consistencyProof,
  eventLeafHash,
  inclusionProof,
  MerkleFrontier,
  nodeHash,
  rangeHash,
  rootOf,
  type SubtreeSource,
} from './merkle';
import type { StoredChunk, StoredNode, TreeStore } from './tree-store';

/** One event of the log as the tree sees it. */
export interface LogLeaf {
  position: number;
  hash: string;
}

/** Reads the log's event hashes in position order. */
export interface LeafSource {
  read(after: number, limit: number): Promise<LogLeaf[]>;
}

/** The leaves of a store's log: just position and hash where the store can (SQLite), whole events otherwise. */
export function leafSourceOf(store: EventStore): LeafSource {
  const checked = (rows: readonly { position: number; hash?: string | null | undefined }[]): LogLeaf[] =>
    rows.map((r) => {
      if (!r.hash) throw new Error(`event ${r.position} has no hash: run the chain migration first`);
      return { position: r.position, hash: r.hash };
    });
  if (isHashLog(store))
    return { read: async (after, limit) => checked(await store.readHashes(after, limit)) };
  return { read: async (after, limit) => checked(await store.readAll({ after, limit })) };
}

/** The log no longer holds what the tree was built from (or what a signed head covers). */
export class LogMismatchError extends Error {
  constructor(
    message: string,
    readonly kind: 'log-forked' | 'log-truncated',
    readonly positions?: { from: number; to: number },
  ) {
    super(message);
    this.name = 'LogMismatchError';
  }
}

export const DEFAULT_CHUNK_LEVEL = 8;

/** A stored chunk read back from the log and checked: its leaves and every level of its subtree. */
export interface ChunkRead {
  chunk: StoredChunk;
  leaves: LogLeaf[];
  levels: Buffer[][];
}
const READ_BATCH = 5000;

/**
 * The Merkle tree of the global log (RFC 9162), kept incrementally: the log is read after the last
 * leaf, every 2^chunkLevel leaves make a chunk whose root (and the perfect subtrees above it) is
 * stored; the leaves of the last, incomplete chunk stay in memory. A proof reads the leaves of the
 * chunks it touches back from the log and checks them against the stored chunk root, so a log
 * rewritten under a stored tree is found when a proof touches it (and by `checkChunks`).
 */
export class MerkleLog {
  private storedChunks = 0;
  private edge = new MerkleFrontier();
  private chunkEnd = 0;
  private tail: LogLeaf[] = [];
  private tailHashes: Buffer[] = [];
  readonly chunkSize: number;

  private constructor(
    private readonly source: LeafSource,
    readonly store: TreeStore,
    readonly chunkLevel: number,
  ) {
    this.chunkSize = 2 ** chunkLevel;
  }

  /** Loads the stored tree (rebuilt from scratch when it was built with another chunk size or is incomplete). */
  static async open(
    source: LeafSource,
    store: TreeStore,
    options: { chunkLevel?: number } = {},
  ): Promise<MerkleLog> {
    const chunkLevel = options.chunkLevel ?? DEFAULT_CHUNK_LEVEL;
    if (!Number.isInteger(chunkLevel) || chunkLevel < 1 || chunkLevel > 16)
      throw new RangeError('chunkLevel must be an integer from 1 to 16');
    const log = new MerkleLog(source, store, chunkLevel);
    const stored = await store.chunkLevel();
    if (stored !== chunkLevel) {
      await store.clearTree();
      await store.setChunkLevel(chunkLevel);
    }
    if (!(await log.loadEdge())) {
      await store.clearTree();
      log.storedChunks = 0;
      log.edge = new MerkleFrontier();
      log.chunkEnd = 0;
    }
    return log;
  }

  /** Reads the right edge of the stored tree; false when a node it needs is missing. */
  private async loadEdge(): Promise<boolean> {
    const chunks = await this.store.chunkCount();
    const edge: { level: number; hash: Buffer }[] = [];
    let start = 0;
    for (let bit = 40; bit >= 0; bit--) {
      const span = 2 ** bit;
      if (Math.floor(chunks / span) % 2 === 0) continue;
      const h =
        bit === 0
          ? (await this.store.chunk(start))?.hash
          : await this.store.node(this.chunkLevel + bit, start / span);
      if (!h) return false;
      edge.push({ level: this.chunkLevel + bit, hash: h });
      start += span;
    }
    const last = chunks > 0 ? await this.store.chunk(chunks - 1) : undefined;
    if (chunks > 0 && !last) return false;
    this.storedChunks = chunks;
    this.edge = MerkleFrontier.fromEdge(edge);
    this.chunkEnd = last?.lastPosition ?? 0;
    this.tail = [];
    this.tailHashes = [];
    return true;
  }

  /** Leaves in the tree. */
  get size(): number {
    return this.storedChunks * this.chunkSize + this.tail.length;
  }

  /** Position of the last leaf (0 when empty). */
  get lastPosition(): number {
    return this.tail.length > 0 ? this.tail[this.tail.length - 1]!.position : this.chunkEnd;
  }

  /** Leaves whose chunks are stored. */
  get storedSize(): number {
    return this.storedChunks * this.chunkSize;
  }

  /**
   * Appends the log's events after the last leaf (at most `maxLeaves`), storing each chunk that
   * completes. Returns the number of leaves added.
   */
  async extend(maxLeaves = Number.POSITIVE_INFINITY): Promise<number> {
    let added = 0;
    while (added < maxLeaves) {
      const batch = await this.source.read(this.lastPosition, Math.min(READ_BATCH, maxLeaves - added));
      if (batch.length === 0) break;
      const chunks: StoredChunk[] = [];
      const nodes: StoredNode[] = [];
      for (const leaf of batch) {
        if (leaf.position <= this.lastPosition)
          throw new LogMismatchError(
            `the log returned position ${leaf.position} after ${this.lastPosition}`,
            'log-forked',
          );
        this.tail.push(leaf);
        this.tailHashes.push(eventLeafHash(leaf.hash));
        if (this.tail.length === this.chunkSize) {
          const hash = rootOf(this.tailHashes);
          const index = this.storedChunks;
          chunks.push({ index, firstPosition: this.tail[0]!.position, lastPosition: leaf.position, hash });
          this.edge.pushNode(this.chunkLevel, hash, (level, i, h) =>
            nodes.push({ level, index: i, hash: h }),
          );
          this.storedChunks++;
          this.chunkEnd = leaf.position;
          this.tail = [];
          this.tailHashes = [];
        }
      }
      if (chunks.length > 0) await this.store.append(chunks, nodes);
      added += batch.length;
    }
    return added;
  }

  /** MTH of the first `size` leaves (default: the whole tree). */
  async root(size = this.size): Promise<Buffer> {
    if (size === this.size) {
      const f = MerkleFrontier.fromEdge(this.edge.edge());
      for (const h of this.tailHashes) f.push(h);
      return f.root();
    }
    this.checkSize(size);
    return rangeHash(this.subtrees(), 0, size);
  }

  async inclusionProof(
    leafIndex: number,
    size = this.size,
    cache?: Map<number, ChunkRead>,
  ): Promise<Buffer[]> {
    this.checkSize(size);
    return inclusionProof(this.subtrees(cache), leafIndex, size);
  }

  async consistencyProof(from: number, to = this.size): Promise<Buffer[]> {
    this.checkSize(to);
    return consistencyProof(this.subtrees(), from, to);
  }

  /** The leaf index and leaf hash of the event at `position`, or undefined when the tree does not hold it. */
  async leafAt(
    position: number,
    cache: Map<number, ChunkRead> = new Map(),
  ): Promise<{ index: number; leafHash: Buffer } | undefined> {
    if (position > this.chunkEnd) {
      const i = this.tail.findIndex((l) => l.position === position);
      return i < 0 ? undefined : { index: this.storedSize + i, leafHash: this.tailHashes[i]! };
    }
    const chunk = await this.store.chunkContaining(position);
    if (!chunk) return undefined;
    const read = await this.cachedChunk(chunk.index, cache);
    const i = read.leaves.findIndex((l) => l.position === position);
    return i < 0 ? undefined : { index: chunk.index * this.chunkSize + i, leafHash: read.levels[0]![i]! };
  }

  /**
   * Reads stored chunks [from, from + count) back from the log and checks each against its stored
   * root, and the in-memory leaves of the last chunk against the log. Throws LogMismatchError at the
   * first difference; returns the next chunk to check (0 after the last).
   */
  async checkChunks(from: number, count: number): Promise<number> {
    const end = Math.min(this.storedChunks, from + count);
    for (let c = from; c < end; c++) await this.chunkLeaves(c);
    if (this.tail.length > 0) {
      const now = await this.source.read(this.chunkEnd, this.tail.length);
      const differs = this.tail.findIndex(
        (l, i) => now[i]?.position !== l.position || now[i]?.hash !== l.hash,
      );
      if (differs >= 0)
        throw new LogMismatchError(
          `the event at position ${this.tail[differs]!.position} is no longer the one the tree holds (changed, removed or replaced)`,
          'log-forked',
          { from: this.tail[differs]!.position, to: this.tail[differs]!.position },
        );
    }
    return end >= this.storedChunks ? 0 : end;
  }

  private checkSize(size: number): void {
    if (!Number.isInteger(size) || size < 0 || size > this.size)
      throw new RangeError(`the tree holds ${this.size} leaves, not ${size}`);
  }

  /**
   * The leaves of stored chunk `c`, read from the log, with every level of the chunk's subtree
   * (`levels[h][i]`: the perfect subtree of 2^h leaves), checked against the stored chunk root.
   */
  private async chunkLeaves(c: number): Promise<ChunkRead> {
    const chunk = await this.store.chunk(c);
    if (!chunk)
      throw new LogMismatchError(`chunk ${c} of the tree is missing from the tree store`, 'log-forked');
    const leaves = await this.source.read(chunk.firstPosition - 1, this.chunkSize);
    const levels: Buffer[][] = [leaves.map((l) => eventLeafHash(l.hash))];
    if (leaves.length === this.chunkSize)
      for (let h = 1; h <= this.chunkLevel; h++) {
        const below = levels[h - 1]!;
        const row: Buffer[] = [];
        for (let i = 0; i < below.length; i += 2) row.push(nodeHash(below[i]!, below[i + 1]!));
        levels.push(row);
      }
    if (
      leaves.length !== this.chunkSize ||
      leaves[0]!.position !== chunk.firstPosition ||
      leaves[leaves.length - 1]!.position !== chunk.lastPosition ||
      !levels[this.chunkLevel]![0]!.equals(chunk.hash)
    ) {
      throw new LogMismatchError(
        `the events between positions ${chunk.firstPosition} and ${chunk.lastPosition} are no longer those the tree was built from: events there were changed, removed, inserted or rewritten`,
        'log-forked',
        { from: chunk.firstPosition, to: chunk.lastPosition },
      );
    }
    return { chunk, leaves, levels };
  }

  /** A cache of chunks read during one operation (a bundle's proofs): each chunk is read and checked once. */
  newReadCache(): Map<number, ChunkRead> {
    return new Map();
  }

  private async cachedChunk(c: number, cache: Map<number, ChunkRead>): Promise<ChunkRead> {
    let read = cache.get(c);
    if (!read) {
      read = await this.chunkLeaves(c);
      cache.set(c, read);
    }
    return read;
  }

  /** Perfect subtrees: stored at and above the chunk level, from (checked) chunk levels below it. */
  private subtrees(cache: Map<number, ChunkRead> = new Map()): SubtreeSource {
    return {
      perfect: async (level, index) => {
        if (level === this.chunkLevel && index < this.storedChunks) {
          const read = cache.get(index);
          if (read) return read.chunk.hash;
          const chunk = await this.store.chunk(index);
          if (!chunk)
            throw new LogMismatchError(`chunk ${index} is missing from the tree store`, 'log-forked');
          return chunk.hash;
        }
        if (level > this.chunkLevel) {
          const h = await this.store.node(level, index);
          if (!h)
            throw new LogMismatchError(`node ${level}/${index} is missing from the tree store`, 'log-forked');
          return h;
        }
        const span = 2 ** level;
        const first = index * span;
        const c = Math.floor(first / this.chunkSize);
        const offset = first - c * this.chunkSize;
        if (c < this.storedChunks) {
          const read = await this.cachedChunk(c, cache);
          return read.levels[level]![offset / span]!;
        }
        if (offset + span > this.tailHashes.length)
          throw new RangeError(`subtree ${level}/${index} beyond the tree`);
        return rootOf(this.tailHashes.slice(offset, offset + span));
      },
    };
  }
}
