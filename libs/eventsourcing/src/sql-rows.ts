import type { ChainHead } from './chain';
import type { CommandRecord } from './types';

/**
 * Row shapes shared by the SQL adapters (SQLite, PostgreSQL): same column names; PostgreSQL returns
 * BIGINT columns as strings, hence `number | string`.
 */
export interface CommandRow {
  command_id: string;
  fingerprint: string;
  stream_name: string;
  from_version: number;
  to_version: number;
  first_position: number | string;
  last_position: number | string;
  recorded_at: string;
}

export interface ChainHeadRow {
  position: number | string;
  count: number | string;
  head: string;
  signed_at: string;
  key_id: string;
  signature: string;
}

export function commandRecordFromRow(row: CommandRow): CommandRecord {
  return {
    commandId: row.command_id,
    fingerprint: row.fingerprint,
    streamName: row.stream_name,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    firstPosition: Number(row.first_position),
    lastPosition: Number(row.last_position),
    recordedAt: row.recorded_at,
  };
}

export function chainHeadFromRow(row: ChainHeadRow): ChainHead {
  return {
    position: Number(row.position),
    count: Number(row.count),
    head: row.head,
    signedAt: row.signed_at,
    keyId: row.key_id,
    signature: row.signature,
  };
}
