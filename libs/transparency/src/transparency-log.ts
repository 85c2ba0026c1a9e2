import { TimeSlicer, type SigningKey } from '@patent-ledger/eventsourcing';
import {
  eventLeafHash,
  fromHex,
  MerkleFrontier,
  rootOf,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from './merkle';
import { LogMismatchError, MerkleLog, type LeafSource, type LogLeaf } from './merkle-log';
import { headHash, NO_PREVIOUS_HEAD, signTreeHead, treeHeadSignatureValid, type TreeHead } from './tree-head';
import type { StoredChunk, TreeStore } from './tree-store';
import type { Witness } from './witness';

/** Events read per step of the start-up check, and how long it runs before it gives way (ms). */
const CHECK_BATCH = 2000;
const CHECK_SLICE_MS = 10;

export type TransparencyState = 'starting' | 'checking' | 'ok' | 'refused';

/** Why the log refuses to sign: the names `patent-ledger verify` uses. */
export interface TransparencyIssue {
  kind: 'log-forked' | 'log-truncated' | 'signature-invalid' | 'witness-malformed';
  detail: string;
  positions?: { from: number; to: number };
}

export interface WitnessStatus {
  name: string;
  /** A required witness (the heads file) that cannot be written stops new heads until it can. */
  required: boolean;
  ok: boolean;
  /** Heads signed but not yet handed to this witness. */
  pending: number;
  error?: string;
}

export interface TransparencyStatus {
  state: TransparencyState;
  issue?: TransparencyIssue;
  treeSize: number;
  latestHead?: { treeSize: number; timestamp: string; headHash: string };
  witnesses: WitnessStatus[];
}

/** The inclusion of one event in the tree of a signed head. */
export interface InclusionProof {
  position: number;
  leafIndex: number;
  /** RFC 9162 audit path, hex. */
  path: string[];
}

export interface TransparencyEvidence {
  treeHead: TreeHead;
  inclusion: InclusionProof[];
}

/** Raised to callers when the log cannot vouch for anything (checking, or refused). */
export class TransparencyUnavailableError extends Error {
  constructor(
    readonly state: TransparencyState,
    readonly issue?: TransparencyIssue,
  ) {
    super(
      state === 'refused'
        ? `the transparency log refuses to sign: ${issue?.kind}: ${issue?.detail}`
        : state === 'ok'
          ? 'no signed tree head covers these events yet: retry in a few seconds'
          : `the transparency log is ${state === 'checking' ? 'checking the log against its witnessed heads' : 'starting'}`,
    );
    this.name = 'TransparencyUnavailableError';
  }
}

export interface TransparencyLogOptions {
  source: LeafSource;
  tree: TreeStore;
  key: SigningKey;
  /** The heads file first (required); others (NATS) best-effort. */
  witnesses: { witness: Witness; required: boolean }[];
  chunkLevel?: number;
  /** Stored chunks re-read from the log and checked per cycle (rolling; default 64 = 16,384 events). */
  sweepChunks?: number;
  now?: () => string;
  logger?: { log(m: string): void; warn(m: string): void; error(m: string): void };
}

interface WitnessSlot {
  witness: Witness;
  required: boolean;
  pending: TreeHead[];
  error?: string | undefined;
}

/**
 * The signing side of the transparency log: builds the tree from the log (never inside an append),
 * checks on start and before each head that the log extends every witnessed head, and only then
 * signs a tree head, records it in the tree store and hands it to the witnesses. Once it finds the
 * log does not extend a witnessed head it refuses to sign (state `refused`) until restarted.
 */
export class TransparencyLog {
  private stateValue: TransparencyState = 'starting';
  private issueValue: TransparencyIssue | undefined;
  private last: TreeHead | undefined;
  private sweepCursor = 0;
  private aborted = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly witnesses: WitnessSlot[];
  private readonly now: () => string;
  private readonly logger: NonNullable<TransparencyLogOptions['logger']>;

  private constructor(
    private merkle: MerkleLog,
    private readonly options: TransparencyLogOptions,
  ) {
    this.witnesses = options.witnesses.map((w) => ({ ...w, pending: [] }));
    this.now = options.now ?? (() => new Date().toISOString());
    this.logger = options.logger ?? { log: () => undefined, warn: () => undefined, error: () => undefined };
  }

  static async open(options: TransparencyLogOptions): Promise<TransparencyLog> {
    const merkle = await MerkleLog.open(options.source, options.tree, {
      ...(options.chunkLevel !== undefined ? { chunkLevel: options.chunkLevel } : {}),
    });
    return new TransparencyLog(merkle, options);
  }

  get state(): TransparencyState {
    return this.stateValue;
  }

  get tree(): MerkleLog {
    return this.merkle;
  }

  /** The newest signed head this log extends (its own, or the newest witnessed one). */
  latestHead(): TreeHead | undefined {
    return this.last;
  }

  status(): TransparencyStatus {
    return {
      state: this.stateValue,
      ...(this.issueValue ? { issue: this.issueValue } : {}),
      treeSize: this.merkle.size,
      ...(this.last
        ? {
            latestHead: {
              treeSize: this.last.treeSize,
              timestamp: this.last.timestamp,
              headHash: headHash(this.last),
            },
          }
        : {}),
      witnesses: this.witnesses.map((w) => ({
        name: w.witness.name,
        required: w.required,
        ok: w.error === undefined,
        pending: w.pending.length,
        ...(w.error !== undefined ? { error: w.error } : {}),
      })),
    };
  }

  /** Runs `fn` after everything queued before it (cycles, proofs): one at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private refuse(issue: TransparencyIssue): void {
    if (this.stateValue === 'refused') return;
    this.stateValue = 'refused';
    this.issueValue = issue;
    this.logger.error(`refusing to sign tree heads: ${issue.kind}: ${issue.detail}`);
  }

  /**
   * The start-up check: reads the whole log once, recomputing the tree, and compares it with every
   * head the witnesses and the tree store hold (the newest of each must be reproduced, as must each
   * head the heads file keeps). A stored tree that differs from a log that matches its witnesses is
   * rebuilt. Ends in state `ok` or `refused`.
   */
  start(): Promise<TransparencyStatus> {
    return this.serial(async () => {
      this.stateValue = 'checking';
      try {
        await this.fullCheck();
        if (this.stateValue === 'checking') this.stateValue = 'ok';
      } catch (err) {
        if (err instanceof LogMismatchError)
          this.refuse({
            kind: err.kind,
            detail: err.message,
            ...(err.positions ? { positions: err.positions } : {}),
          });
        else {
          this.stateValue = 'starting';
          if (!this.aborted) throw err;
        }
      }
      return this.status();
    });
  }

  private async fullCheck(): Promise<void> {
    const { key } = this.options;
    const sources: { name: string; heads: TreeHead[] }[] = [];
    let fileNewest: TreeHead | undefined;
    for (const w of this.witnesses) {
      try {
        const read = w.required ? await w.witness.readAll() : { heads: [], malformed: [], exists: false };
        if (!w.required) {
          const latest = await w.witness.latest();
          if (latest) read.heads.push(latest);
        }
        if (read.malformed.length > 0) {
          this.refuse({
            kind: 'witness-malformed',
            detail: `${w.witness.name} has ${read.malformed.length} entries that are not signed heads (first: line ${read.malformed[0]!.line}: ${read.malformed[0]!.reason})`,
          });
          return;
        }
        if (w.required) fileNewest = read.heads[read.heads.length - 1];
        sources.push({ name: w.witness.name, heads: read.heads });
        w.error = undefined;
      } catch (err) {
        w.error = (err as Error).message;
        if (w.required) throw err;
        this.logger.warn(`cannot read ${w.witness.name}: ${w.error}`);
      }
    }
    const stored = (await this.options.tree.heads()).filter(
      (h) => h.keyId === key.keyId && treeHeadSignatureValid(key.publicKey, h),
    );
    sources.push({ name: 'the tree store', heads: stored });

    // Heads of this key must carry its signature; heads of an earlier key are compared by value only.
    for (const s of sources) {
      const bad = s.heads.find((h) => h.keyId === key.keyId && !treeHeadSignatureValid(key.publicKey, h));
      if (bad) {
        this.refuse({
          kind: 'signature-invalid',
          detail: `${s.name} holds a head of size ${bad.treeSize} that names key ${key.keyId} but does not carry its valid signature`,
        });
        return;
      }
    }
    const checkpoints = new Map<number, { head: TreeHead; source: string }[]>();
    for (const s of sources)
      for (const h of s.heads) {
        const list = checkpoints.get(h.treeSize) ?? [];
        list.push({ head: h, source: s.name });
        checkpoints.set(h.treeSize, list);
      }
    const sizes = [...checkpoints.keys()].sort((a, b) => a - b);

    // One pass over the log.
    const cs = this.merkle.chunkSize;
    const level = this.merkle.chunkLevel;
    const frontier = new MerkleFrontier();
    let chunk: Buffer[] = [];
    let chunkLeaves: LogLeaf[] = [];
    let count = 0;
    let after = 0;
    let next = 0;
    let storedChunksDiffer = false;
    let storedBatch: StoredChunk[] = [];
    let storedBatchStart = 0;
    const storedChunkAt = async (c: number): Promise<StoredChunk | undefined> => {
      if (c < storedBatchStart || c >= storedBatchStart + 1000 || storedBatch.length === 0) {
        storedBatchStart = c;
        storedBatch = await this.options.tree.chunks(c, 1000);
      }
      const s = storedBatch[c - storedBatchStart];
      return s?.index === c ? s : storedBatch.find((x) => x.index === c);
    };
    const check = (leafPosition: number) => {
      const root = MerkleFrontier.fromEdge(frontier.edge());
      for (const h of chunk) root.push(h);
      const r = toHex(root.root());
      for (const { head, source } of checkpoints.get(count) ?? []) {
        if (head.rootHash !== r || head.lastPosition !== leafPosition) {
          const previous = sizes.filter((s) => s < count).at(-1);
          throw new LogMismatchError(
            `the first ${count} events of the log no longer hash to the root of the head signed at ${head.timestamp} (${source})${
              head.lastPosition !== leafPosition
                ? `, and its last event stood at position ${head.lastPosition}, not ${leafPosition}`
                : ''
            }: events were changed, removed, inserted or rewritten${previous !== undefined ? ` after the first ${previous}` : ''}`,
            'log-forked',
            { from: 1, to: head.lastPosition },
          );
        }
      }
    };
    while (next < sizes.length && sizes[next] === 0) next++;
    // The pass reads and hashes every event (millions at national scale, seconds of CPU) on the api's
    // thread while it serves: it gives way every few milliseconds, so requests wait a slice, not the pass.
    const slicer = new TimeSlicer(CHECK_SLICE_MS);
    for (;;) {
      if (this.aborted) throw new Error('the check was stopped (shutdown)');
      await slicer.turn();
      const batch = await this.options.source.read(after, CHECK_BATCH);
      if (batch.length === 0) break;
      for (const leaf of batch) {
        chunk.push(eventLeafHash(leaf.hash));
        chunkLeaves.push(leaf);
        count++;
        if (chunk.length === cs) {
          const h = rootOf(chunk);
          const c = count / cs - 1;
          const s = await storedChunkAt(c);
          if (
            s &&
            (!s.hash.equals(h) ||
              s.firstPosition !== chunkLeaves[0]!.position ||
              s.lastPosition !== leaf.position)
          )
            storedChunksDiffer = true;
          frontier.pushNode(level, h);
          chunk = [];
          chunkLeaves = [];
        }
        if (next < sizes.length && sizes[next] === count) {
          check(leaf.position);
          next++;
        }
      }
      after = batch[batch.length - 1]!.position;
    }
    if (next < sizes.length) {
      const beyond = sizes[sizes.length - 1]!;
      const { head, source } = checkpoints.get(beyond)![0]!;
      throw new LogMismatchError(
        `the log holds ${count} events, but the head signed at ${head.timestamp} (${source}) covers ${beyond} up to position ${head.lastPosition}: the newest events were deleted`,
        'log-truncated',
        { from: after + 1, to: head.lastPosition },
      );
    }
    if (storedChunksDiffer || this.merkle.storedSize > count) {
      this.logger.warn(
        'the stored Merkle tree does not match the log (which matches its witnessed heads): rebuilding it',
      );
      await this.options.tree.clearTree();
    }
    this.merkle = await MerkleLog.open(this.options.source, this.options.tree, { chunkLevel: level });
    await this.merkle.extend();
    this.sweepCursor = 0;

    // The newest head of all: the next one links to it. The heads file catches up with the tree store
    // (a crash between recording a head and appending it to the file leaves the file one behind).
    let newest: TreeHead | undefined;
    for (const s of sources) for (const h of s.heads) if (!newest || h.treeSize > newest.treeSize) newest = h;
    this.last = newest;
    const required = this.witnesses.find((w) => w.required);
    if (required) required.pending = stored.filter((h) => h.treeSize > (fileNewest?.treeSize ?? 0));
    if (required && required.pending.length > 0)
      this.logger.warn(
        `${required.witness.name} lacks ${required.pending.length} head(s) of the tree store: appending them`,
      );
    await this.flushWitnesses();
  }

  /** Hands pending heads to each witness, in order; returns false when a required one still lags. */
  private async flushWitnesses(): Promise<boolean> {
    let ok = true;
    for (const w of this.witnesses) {
      while (w.pending.length > 0) {
        try {
          await w.witness.append(w.pending[0]!);
          w.pending.shift();
          w.error = undefined;
        } catch (err) {
          w.error = (err as Error).message;
          this.logger.warn(`cannot hand head ${w.pending[0]!.treeSize} to ${w.witness.name}: ${w.error}`);
          if (w.required) ok = false;
          break;
        }
      }
    }
    return ok;
  }

  /**
   * One round (the api runs it every few seconds and on shutdown): extends the tree from the log,
   * re-checks a slice of the stored tree against the log, and — when the log grew and still
   * extends the last signed head (consistency proof) — signs a new head. Returns it, if any.
   */
  cycle(): Promise<TreeHead | undefined> {
    return this.serial(() => this.cycleNow());
  }

  private async cycleNow(): Promise<TreeHead | undefined> {
    if (this.stateValue !== 'ok') return undefined;
    try {
      if (!(await this.flushWitnesses())) return undefined;
      await this.merkle.extend();
      this.sweepCursor = await this.merkle.checkChunks(this.sweepCursor, this.options.sweepChunks ?? 64);
      const size = this.merkle.size;
      const last = this.last;
      if (size === 0 || (last && size <= last.treeSize)) {
        if (last && size < last.treeSize)
          throw new LogMismatchError(
            `the log holds ${size} events, fewer than the ${last.treeSize} of the last signed head`,
            'log-truncated',
          );
        return undefined;
      }
      const root = await this.merkle.root();
      if (last && last.treeSize > 0) {
        const proof = await this.merkle.consistencyProof(last.treeSize, size);
        if (!verifyConsistency(last.treeSize, size, fromHex(last.rootHash), root, proof))
          throw new LogMismatchError(
            `the tree of ${size} events does not extend the last signed head (size ${last.treeSize}, signed at ${last.timestamp}): the log was rewritten below it`,
            'log-forked',
            { from: 1, to: last.lastPosition },
          );
      }
      const head = signTreeHead(this.options.key, {
        treeSize: size,
        rootHash: toHex(root),
        lastPosition: this.merkle.lastPosition,
        timestamp: this.now(),
        previousHeadHash: last ? headHash(last) : NO_PREVIOUS_HEAD,
      });
      await this.options.tree.appendHead(head);
      this.last = head;
      for (const w of this.witnesses) w.pending.push(head);
      await this.flushWitnesses();
      return head;
    } catch (err) {
      if (err instanceof LogMismatchError) {
        this.refuse({
          kind: err.kind,
          detail: err.message,
          ...(err.positions ? { positions: err.positions } : {}),
        });
        return undefined;
      }
      throw err;
    }
  }

  private available(): void {
    if (this.stateValue !== 'ok') throw new TransparencyUnavailableError(this.stateValue, this.issueValue);
  }

  /**
   * Inclusion proofs of events (as the log holds them now) against the newest signed head, signing
   * one first when they are not yet covered. Each proof is checked before it is handed out: an event
   * the tree does not hold as stored makes the log refuse (`log-forked`).
   */
  async evidence(
    events: readonly { position: number; hash: string | null | undefined }[],
  ): Promise<TransparencyEvidence> {
    this.available();
    const newest = Math.max(0, ...events.map((e) => e.position));
    if (!this.last || this.last.lastPosition < newest) await this.cycle();
    return this.serial(async () => {
      this.available();
      const head = this.last;
      if (!head || head.lastPosition < newest) throw new TransparencyUnavailableError('ok', undefined);
      let inclusion: InclusionProof[];
      try {
        inclusion = await proveInclusion(this.merkle, head, events);
      } catch (err) {
        if (err instanceof LogMismatchError) {
          this.refuse({
            kind: err.kind,
            detail: err.message,
            ...(err.positions ? { positions: err.positions } : {}),
          });
          throw new TransparencyUnavailableError(this.stateValue, this.issueValue);
        }
        throw err;
      }
      return { treeHead: head, inclusion };
    });
  }

  /** RFC 9162 consistency proof between two tree sizes up to the newest signed head's. */
  async consistency(from: number, to: number): Promise<string[]> {
    this.available();
    return this.serial(async () => {
      try {
        return (await this.merkle.consistencyProof(from, to)).map(toHex);
      } catch (err) {
        if (err instanceof LogMismatchError) {
          this.refuse({
            kind: err.kind,
            detail: err.message,
            ...(err.positions ? { positions: err.positions } : {}),
          });
          throw new TransparencyUnavailableError(this.stateValue, this.issueValue);
        }
        throw err;
      }
    });
  }

  /** Stops a start-up check in progress (shutdown): the log stays `starting`, signing nothing. */
  abort(): void {
    this.aborted = true;
  }

  async close(): Promise<void> {
    this.aborted = true;
    await this.queue;
    for (const w of this.witnesses) await w.witness.close().catch(() => undefined);
  }
}

/**
 * Inclusion proofs of events (as the log holds them now) in the tree of `head`, each checked before
 * it is returned. Throws LogMismatchError when an event is not the leaf the tree holds at its place.
 */
export async function proveInclusion(
  merkle: MerkleLog,
  head: TreeHead,
  events: readonly { position: number; hash?: string | null | undefined }[],
): Promise<InclusionProof[]> {
  const root = fromHex(head.rootHash);
  const inclusion: InclusionProof[] = [];
  const cache = merkle.newReadCache();
  for (const e of events) {
    const leaf = await merkle.leafAt(e.position, cache);
    const mine = e.hash ? eventLeafHash(e.hash) : undefined;
    if (!leaf || !mine || !leaf.leafHash.equals(mine) || leaf.index >= head.treeSize)
      throw new LogMismatchError(
        `the event at position ${e.position} is not the one the tree holds there: the log was changed after the tree was built`,
        'log-forked',
        { from: e.position, to: e.position },
      );
    const path = await merkle.inclusionProof(leaf.index, head.treeSize, cache);
    if (!verifyInclusion(leaf.index, head.treeSize, mine, path, root))
      throw new LogMismatchError(
        `the tree no longer reproduces the signed head of size ${head.treeSize} around position ${e.position}`,
        'log-forked',
        { from: e.position, to: e.position },
      );
    inclusion.push({ position: e.position, leafIndex: leaf.index, path: path.map(toHex) });
  }
  return inclusion;
}
