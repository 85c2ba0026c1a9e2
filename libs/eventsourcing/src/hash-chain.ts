import { hash } from 'node:crypto';
import { canonicalJson } from './ids';
import type { EventMetadata, JsonObject } from './types';

/** The value the first event of every stream chains from. */
export const GENESIS_HASH = '0'.repeat(64);

export interface HashInput {
  streamName: string;
  version: number;
  type: string;
  data: JsonObject;
  metadata: EventMetadata;
  previousHash: string;
}

/**
 * SHA-256 (hex) over the RFC 8785 canonical JSON of {stream, version, type, data, metadata,
 * previousHash}. Computed over the data as stored, so upcasting on read never changes it.
 */
export function eventHash(e: HashInput): string {
  return hash(
    'sha256',
    canonicalJson({
      stream: e.streamName,
      version: e.version,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
      previousHash: e.previousHash,
    }),
    'hex',
  );
}

/** The global chain: head_n = SHA-256(head_{n-1} ‖ hash of the event at position n). */
export function nextGlobalHead(previousHead: string, eventHashHex: string): string {
  return hash('sha256', previousHead + eventHashHex, 'hex');
}
