import { createHash } from 'node:crypto';
import type { EventMetadata, ExpectedVersion, JsonObject, StoredEvent } from '@patent-ledger/eventsourcing';

/**
 * Pure mappings between the ledger's port and KurrentDB's model. KurrentDB numbers a stream's events
 * from revision 0 and positions by commit offsets in its log; the ledger numbers versions from 1 and
 * keeps a hash chain in each event's metadata (`ledgerHash`).
 */
export type KurrentStreamState = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** Our expected version → KurrentDB's `streamState`. Version N (N events) is revision N − 1. */
export function toStreamState(expected: ExpectedVersion): KurrentStreamState {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
  return expected === 0 ? 'no_stream' : BigInt(expected - 1);
}

/** KurrentDB's current stream state → our version (number of events). */
export function versionOfState(state: 'no_stream' | bigint | string | undefined): number {
  if (state === undefined || state === 'no_stream') return 0;
  if (typeof state === 'bigint') return state < 0n ? 0 : Number(state) + 1;
  const n = Number(state);
  return Number.isFinite(n) && n >= 0 ? n + 1 : 0;
}

/** Revision of an event → its version. */
export const versionOfRevision = (revision: bigint): number => Number(revision) + 1;
/** Version → the revision to read from. */
export const revisionOfVersion = (version: number): bigint => BigInt(Math.max(version, 1) - 1);

/** A $all commit position → our numeric position (safe: commit offsets stay far below 2^53). */
export function positionOf(commit: bigint): number {
  const n = Number(commit);
  if (!Number.isSafeInteger(n)) throw new Error(`commit position ${commit} exceeds the safe integer range`);
  return n;
}

/** Our numeric position → a KurrentDB read position. */
export const readPositionOf = (position: number): { commit: bigint; prepare: bigint } => ({
  commit: BigInt(position),
  prepare: BigInt(position),
});

/** Metadata stored with each event: ours plus the chain link. */
export interface KurrentMetadata extends EventMetadata {
  ledgerHash: string;
}

export function toKurrentMetadata(metadata: EventMetadata, hash: string): KurrentMetadata {
  return { ...metadata, ledgerHash: hash };
}

export interface RecordedShape {
  streamId: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  position?: { commit: bigint; prepare: bigint } | undefined;
}

/** A recorded KurrentDB event → a StoredEvent of the port. */
export function toStoredEvent(e: RecordedShape, fallbackPosition = 0): StoredEvent {
  const { ledgerHash, ...metadata } = (e.metadata ?? {}) as KurrentMetadata;
  return {
    streamName: e.streamId,
    version: versionOfRevision(e.revision),
    position: e.position ? positionOf(e.position.commit) : fallbackPosition,
    type: e.type,
    data: (e.data ?? {}) as JsonObject,
    metadata: metadata as EventMetadata,
    ...(typeof ledgerHash === 'string' ? { hash: ledgerHash } : {}),
  };
}

/** The stream that holds a command's idempotency record: `ledgerCommand-<sha256 of the id>`. */
export const commandStreamOf = (commandId: string): string =>
  `ledgerCommand-${createHash('sha256').update(commandId).digest('hex').slice(0, 40)}`;

/** Stream-name prefixes of the ledger's own streams ($all is read with this server-side filter). */
export const LEDGER_STREAM_PREFIXES = ['patent-', 'institution-'] as const;
