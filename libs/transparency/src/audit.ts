import type { KeyObject } from 'node:crypto';
import { keyIdOf, type VerifyIssue } from '@patent-ledger/eventsourcing';
import { eventLeafHash, MerkleFrontier, toHex } from './merkle';
import { headHash, NO_PREVIOUS_HEAD, treeHeadSignatureValid, type TreeHead } from './tree-head';

/**
 * Where a set of signed heads comes from: the ledger's own record (the tree store), a witness
 * outside the database (the heads file, NATS), or a head an auditor kept (`verify --head FILE`).
 */
export interface HeadSource {
  name: string;
  kind: 'ledger' | 'witness' | 'auditor';
  heads: TreeHead[];
  /** False when the witness holds nothing at all (no heads file). */
  exists: boolean;
  malformed?: { line: number; reason: string }[];
}

export interface TransparencyAuditReport {
  /** Signed heads checked (distinct), the newest tree size a witness or auditor holds. */
  heads: { checked: number; witnessed: number; newestWitnessedSize: number; keyIds: string[] };
  /** Events after the newest witnessed head: a rewrite of those is caught by the stream chains only. */
  unwitnessedEvents: number;
  issues: VerifyIssue[];
}

const short = (h: string) => `${h.slice(0, 12)}…`;

/**
 * Checks the log against signed tree heads in one pass: feed it every event's hash in log order
 * (`push`), then `finish()`. Finds, by name:
 * - `log-forked`: the log's first N events no longer hash to the root a head signed for size N, or
 *   two heads signed for the same size disagree (a stolen key re-signed a rewritten history);
 * - `log-truncated`: a head covers more events than the log holds;
 * - `heads-deleted`: a witnessed head is missing from the ledger's record, or a source's chain of
 *   heads (each links to the hash of the one before) has a hole;
 * - `heads-resigned`: the ledger holds another head over the same tree than the witness;
 * - `witness-missing`: the heads file is gone while the ledger holds heads;
 * - `signature-invalid`: a head not signed by the verification key (it is then not used);
 * - `witness-malformed`: an entry of a witness that is not a signed head.
 */
export class TransparencyAudit {
  private readonly frontier = new MerkleFrontier();
  private count = 0;
  private lastPosition = 0;
  private readonly checkpoints = new Map<number, { head: TreeHead; source: HeadSource }[]>();
  private readonly sizes: number[];
  private next = 0;
  private readonly issues: VerifyIssue[] = [];
  private readonly failedSources = new Map<
    string,
    { head: TreeHead; computed: string; position: number; more: number }
  >();
  private readonly matched = new Map<string, TreeHead>();
  private readonly usable: { source: HeadSource; heads: TreeHead[] }[] = [];

  constructor(
    private readonly sources: readonly HeadSource[],
    private readonly publicKey?: KeyObject,
  ) {
    const expected = publicKey ? keyIdOf(publicKey) : undefined;
    for (const source of sources) {
      if (source.malformed?.length) {
        const m = source.malformed[0]!;
        this.issues.push({
          kind: 'witness-malformed',
          detail: `${source.name} has ${source.malformed.length} entr${source.malformed.length === 1 ? 'y' : 'ies'} that ${source.malformed.length === 1 ? 'is' : 'are'} not a signed head (line ${m.line}: ${m.reason}): it was edited or damaged`,
        });
      }
      const valid = source.heads.filter(
        (h) => !publicKey || (h.keyId === expected && treeHeadSignatureValid(publicKey, h)),
      );
      const invalid = source.heads.filter((h) => !valid.includes(h));
      if (invalid.length > 0) {
        const first = invalid[0]!;
        this.issues.push({
          kind: 'signature-invalid',
          position: first.lastPosition,
          detail:
            first.keyId === expected
              ? `${invalid.length} tree head(s) in ${source.name} do not carry a valid signature of key ${expected} (the first: size ${first.treeSize}): altered or forged`
              : `${invalid.length} tree head(s) in ${source.name} name key ${first.keyId}, not the verification key ${expected} (the first: size ${first.treeSize}): not verifiable with it`,
        });
      }
      this.usable.push({ source, heads: [...valid].sort((a, b) => a.treeSize - b.treeSize) });
      for (const head of valid) {
        const list = this.checkpoints.get(head.treeSize) ?? [];
        list.push({ head, source });
        this.checkpoints.set(head.treeSize, list);
      }
    }
    this.sizes = [...this.checkpoints.keys()].sort((a, b) => a - b);
    while (this.next < this.sizes.length && this.sizes[this.next] === 0) this.next++;
  }

  /** The next event of the log (in position order). */
  push(position: number, hash: string | null | undefined): void {
    if (!hash) return; // reported as hash-missing by the stream chains
    this.frontier.push(eventLeafHash(hash));
    this.count++;
    this.lastPosition = position;
    if (this.next < this.sizes.length && this.sizes[this.next] === this.count) {
      this.checkAt(this.count, position);
      this.next++;
    }
  }

  private checkAt(size: number, position: number): void {
    const root = toHex(this.frontier.root());
    for (const { head, source } of this.checkpoints.get(size) ?? []) {
      if (head.rootHash === root && head.lastPosition === position) {
        this.matched.set(source.name, head);
        continue;
      }
      const failed = this.failedSources.get(source.name);
      if (failed) failed.more++;
      else this.failedSources.set(source.name, { head, computed: root, position, more: 0 });
    }
  }

  finish(): TransparencyAuditReport {
    const issues = [...this.issues];
    // Heads that reach past the end of the log.
    for (const { source, heads } of this.usable) {
      const beyond = heads.filter((h) => h.treeSize > this.count);
      const newest = beyond[beyond.length - 1];
      if (newest) {
        issues.push({
          kind: 'log-truncated',
          position: newest.lastPosition,
          detail: `${source.name} holds a head signed at ${newest.timestamp} over ${newest.treeSize} events up to position ${newest.lastPosition}, but the log holds ${this.count} up to position ${this.lastPosition}: the newest events were deleted`,
        });
      }
    }
    // Heads the log no longer reproduces.
    for (const [name, f] of this.failedSources) {
      const good = this.matched.get(name);
      const goodBefore = good && good.treeSize < f.head.treeSize ? good : undefined;
      issues.push({
        kind: 'log-forked',
        position: f.head.lastPosition,
        detail: `the first ${f.head.treeSize} events of the log (up to position ${f.position}) hash to ${short(f.computed)}, not to the root ${short(f.head.rootHash)} of the head signed at ${f.head.timestamp} (${name})${
          f.head.lastPosition !== f.position
            ? `, whose last event stood at position ${f.head.lastPosition}`
            : ''
        }${f.more ? `, nor do ${f.more} later head(s) of it` : ''}: events were changed, removed, inserted or rewritten${
          goodBefore
            ? ` after position ${goodBefore.lastPosition} (the head of size ${goodBefore.treeSize} still matches)`
            : ''
        }`,
      });
    }
    const ledger = this.usable.find((u) => u.source.kind === 'ledger');
    const ledgerByHash = new Set(ledger?.heads.map(headHash));
    const ledgerBySize = new Map(ledger?.heads.map((h) => [h.treeSize, h]));
    // Each source's heads must link up: a hole means heads were taken out (or replaced).
    for (const { source, heads } of this.usable) {
      if (source.kind === 'auditor') continue;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i]!;
        const expected = i === 0 ? undefined : headHash(heads[i - 1]!);
        const broken =
          i === 0
            ? h.previousHeadHash !== NO_PREVIOUS_HEAD &&
              source.kind === 'ledger' &&
              !this.knownElsewhere(h.previousHeadHash, source)
            : h.previousHeadHash !== expected;
        if (broken) {
          issues.push({
            kind: 'heads-deleted',
            position: h.lastPosition,
            detail:
              i === 0
                ? `the oldest head ${source.name} holds (size ${h.treeSize}) links to a head it no longer holds: earlier heads were deleted`
                : `in ${source.name} the head of size ${h.treeSize} does not link to the one before it (size ${heads[i - 1]!.treeSize}): heads between them were deleted or replaced`,
          });
          break;
        }
      }
    }
    // What a witness or an auditor holds must be in the ledger's record.
    const witnessed = this.usable.filter((u) => u.source.kind !== 'ledger');
    for (const { source, heads } of ledger ? witnessed : []) {
      const missing: TreeHead[] = [];
      for (const h of heads) {
        if (ledgerByHash.has(headHash(h))) continue;
        const same = ledgerBySize.get(h.treeSize);
        if (same && same.rootHash !== h.rootHash) {
          issues.push({
            kind: 'log-forked',
            position: h.lastPosition,
            detail: `the ledger holds a head for size ${h.treeSize} with root ${short(same.rootHash)} (signed at ${same.timestamp}), ${source.name} one with root ${short(h.rootHash)} (signed at ${h.timestamp}): the key signed two different histories`,
          });
        } else if (same) {
          issues.push({
            kind: 'heads-resigned',
            position: h.lastPosition,
            detail: `the ledger's head for size ${h.treeSize} is not the one ${source.name} holds (same root, signed at ${same.timestamp} instead of ${h.timestamp}): heads were signed again`,
          });
        } else missing.push(h);
      }
      if (missing.length > 0) {
        const newest = missing[missing.length - 1]!;
        issues.push({
          kind: 'heads-deleted',
          position: newest.lastPosition,
          detail: `${missing.length} of the ${heads.length} head(s) ${source.name} holds are missing from the ledger's record (newest: size ${newest.treeSize}, signed at ${newest.timestamp})${
            ledger && ledger.heads.length === 0 ? ': the ledger holds no signed tree head at all' : ''
          }`,
        });
      }
    }
    for (const s of this.sources) {
      if (s.kind === 'witness' && !s.exists && ledger && ledger.heads.length > 0) {
        issues.push({
          kind: 'witness-missing',
          detail: `${s.name} holds nothing, but the ledger holds ${ledger.heads.length} signed tree head(s): the witness copy was deleted (or never kept)`,
        });
      }
    }
    const witnessedHeads = witnessed.flatMap((w) => w.heads);
    const newestWitnessed = Math.max(0, ...witnessedHeads.map((h) => h.treeSize));
    const all = new Set(this.usable.flatMap((u) => u.heads.map(headHash)));
    return {
      heads: {
        checked: all.size,
        witnessed: new Set(witnessedHeads.map(headHash)).size,
        newestWitnessedSize: newestWitnessed,
        keyIds: [...new Set(this.sources.flatMap((s) => s.heads.map((h) => h.keyId)))],
      },
      unwitnessedEvents: Math.max(0, this.count - newestWitnessed),
      issues,
    };
  }

  /** Whether another source holds the head with this hash (the ledger's oldest head may link to a witnessed one). */
  private knownElsewhere(hash: string, except: HeadSource): boolean {
    return this.usable.some((u) => u.source !== except && u.heads.some((h) => headHash(h) === hash));
  }
}
