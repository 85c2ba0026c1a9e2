import type { ChainHead } from './chain';
import type { AppendOptions, CommandRecord, StoredEvent } from './types';

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

/**
 * The record of `command` for the append of `stored` to `streamName`, which stood at version
 * `current`: what every store keeps so that a retry of the command returns this outcome.
 * `recordedAt` defaults to the command's, else now.
 */
export function commandRecordOf(
  command: NonNullable<AppendOptions['command']>,
  streamName: string,
  current: number,
  stored: readonly Pick<StoredEvent, 'position'>[],
  recordedAt: string = command.recordedAt ?? new Date().toISOString(),
): CommandRecord {
  return {
    commandId: command.commandId,
    fingerprint: command.fingerprint,
    streamName,
    fromVersion: current + 1,
    toVersion: current + stored.length,
    firstPosition: stored[0]?.position ?? 0,
    lastPosition: stored[stored.length - 1]?.position ?? 0,
    recordedAt,
  };
}

/** The `commands` row of a record (the inverse of commandRecordFromRow). */
export function commandRowOf(r: CommandRecord): CommandRow {
  return {
    command_id: r.commandId,
    fingerprint: r.fingerprint,
    stream_name: r.streamName,
    from_version: r.fromVersion,
    to_version: r.toVersion,
    first_position: r.firstPosition,
    last_position: r.lastPosition,
    recorded_at: r.recordedAt,
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
