/**
 * # A batch of appends as one set of rows
 *
 * `appendMany` on PostgreSQL writes a whole batch in one statement. Under the locks of all its
 * streams, the store reads the streams' heads and the batch's recorded commands (one statement
 * each), then `planBatch` decides every request in order, exactly as the request-by-request path
 * would: a recorded command is replayed (or its id reported as reused), the expected version is
 * checked against the stream's head *after the batch's earlier requests*, the hashes are chained on
 * that head, and an append with no events and no command writes nothing. What it yields is the
 * batch's rows as three JSON texts (the events in order, one row per touched stream with its final
 * head, one command record per request that has one), and what each slot will answer once the
 * positions are known.
 *
 * A few batches cannot be decided from the heads alone: the same command id twice, or the same event
 * id in two requests (the second would see the first's rows). `planBatch` returns undefined for them
 * and the store takes the request-by-request path, which isolates each request in a savepoint; so it
 * does for a batch whose JSON holds `\u0000` or a lone surrogate's escape, which `json_to_recordset`
 * cannot decode into text. So does a write that the server refuses on its data (a unique key: an
 * event id already stored, a command id recorded concurrently on another stream; a value out of
 * range): the batch's statement rolls back as a whole and the request-by-request path then reports
 * the failing request in its slot.
 *
 * Pure: no I/O.
 */
import {
  checkExpectedVersion,
  commandRecordFromRow,
  type AppendRequest,
  type CommandRecord,
  type CommandRow,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { assertDistinctEventIds, chainHashes, prepareEvent } from './prepared-event';

/** A stream's head as stored (`streams` row). */
export interface StreamHead {
  version: number;
  lastHash: string | null;
}

/** What one slot of the batch answers, before positions are known. */
export type PlannedSlot =
  | { kind: 'error'; error: Error }
  /** A recorded command: the store replays it (reads its events) or reports the id as reused. */
  | { kind: 'replay'; record: CommandRecord; streamName: string; fingerprint: string }
  /** A write (or nothing to write): its events are `events` of the batch's rows from `first`. */
  | {
      kind: 'write';
      streamName: string;
      /** The stream's version before this request. */
      current: number;
      /** Index of its first event in the batch's event columns, and how many. */
      first: number;
      count: number;
      /** The events as the append returns them, without positions. */
      events: Omit<StoredEvent, 'position'>[];
      command?: { commandId: string; fingerprint: string; recordedAt: string };
    };

/**
 * The batch's rows as three JSON texts, one parameter each (`json_to_recordset` on the server): no
 * array of the driver to escape element by element. `d` and `m` are the stored JSON texts as they
 * are (a `json` column keeps its input text exactly); the other fields are JSON strings and numbers.
 */
export interface BatchRows {
  /** `[{s: stream, v: version, t: type, d: data, m: metadata, e: event id, c: command id, r: recorded at, h: hash}]`, in order. */
  events: string;
  eventCount: number;
  /** `[{s: stream, v: version, h: last hash}]`: one per stream the batch writes to, its final head. */
  streams: string;
  /**
   * `[{i: command id, f: fingerprint, s: stream, a: from version, b: to version, p: first event,
   * q: last event, r: recorded at}]`; `p`/`q` are 1-based indexes into `events` (0: none).
   */
  commands: string;
  commandCount: number;
}

export interface BatchPlan {
  slots: PlannedSlot[];
  rows: BatchRows;
}

/**
 * Decides a batch from the heads of its streams and its recorded commands. `invalid[i]` is the
 * validation error of request i, if any. Returns undefined when the batch needs the
 * request-by-request path (see the notes at the top of this file).
 */
export function planBatch(
  requests: readonly AppendRequest[],
  invalid: readonly (Error | undefined)[],
  heads: ReadonlyMap<string, StreamHead>,
  recorded: ReadonlyMap<string, CommandRow>,
  now: () => string = () => new Date().toISOString(),
): BatchPlan | undefined {
  if (!decidableFromHeads(requests, invalid)) return undefined;
  const events: string[] = [];
  const commands: string[] = [];
  const final = new Map<string, { version: number; lastHash: string }>();
  const slots = requests.map((request, i): PlannedSlot => {
    const error = invalid[i];
    if (error) return { kind: 'error', error };
    const { streamName, events: given, options } = request;
    const { command, expectedVersion } = options;
    const commandRow = command && recorded.get(command.commandId);
    if (commandRow) {
      return {
        kind: 'replay',
        record: commandRecordFromRow(commandRow),
        streamName,
        fingerprint: command.fingerprint,
      };
    }
    const head = final.get(streamName) ?? heads.get(streamName);
    const current = head?.version ?? 0;
    try {
      checkExpectedVersion(streamName, expectedVersion, current);
      assertDistinctEventIds(request.events);
    } catch (err) {
      return { kind: 'error', error: err as Error };
    }
    const first = events.length;
    const write: PlannedSlot & { kind: 'write' } = {
      kind: 'write',
      streamName,
      current,
      first,
      count: given.length,
      events: [],
    };
    if (given.length === 0 && !command) return write;
    const prepared = given.map(prepareEvent);
    const hashes = chainHashes(streamName, current, head?.lastHash ?? null, prepared);
    const stream = str(streamName);
    prepared.forEach((p, k) => {
      const version = current + k + 1;
      const hash = hashes[k]!;
      const m = p.metadata;
      events.push(
        `{"s":${stream},"v":${version},"t":${str(p.type)},"d":${p.dataJson},"m":${p.metadataJson},` +
          `"e":${str(m.eventId)},"c":${str(m.commandId)},"r":${str(m.recordedAt)},"h":"${hash}"}`,
      );
      write.events.push({ streamName, version, type: p.type, data: p.data, metadata: m, hash });
    });
    if (hashes.length > 0)
      final.set(streamName, { version: current + hashes.length, lastHash: hashes.at(-1)! });
    if (command) {
      const recordedAt = command.recordedAt ?? now();
      write.command = { commandId: command.commandId, fingerprint: command.fingerprint, recordedAt };
      const n = given.length;
      commands.push(
        `{"i":${str(command.commandId)},"f":${str(command.fingerprint)},"s":${stream},"a":${current + 1},` +
          `"b":${current + n},"p":${n > 0 ? first + 1 : 0},"q":${n > 0 ? first + n : 0},"r":${str(recordedAt)}}`,
      );
    }
    return write;
  });
  const eventsJson = `[${events.join(',')}]`;
  // json_to_recordset decodes every escape of its input, and text cannot hold what `\u0000` or a
  // lone surrogate's escape stands for (a `json` value keeps them as written): such a batch goes
  // request by request, where each event's JSON is cast on its own.
  if (UNDECODABLE_ESCAPE.test(eventsJson)) return undefined;
  const streams = [...final].map(([name, h]) => `{"s":${str(name)},"v":${h.version},"h":"${h.lastHash}"}`);
  return {
    slots,
    rows: {
      events: eventsJson,
      eventCount: events.length,
      streams: `[${streams.join(',')}]`,
      commands: `[${commands.join(',')}]`,
      commandCount: commands.length,
    },
  };
}

/** The stream names and command ids a batch's state read needs (its valid requests only). */
export function batchKeys(
  requests: readonly AppendRequest[],
  invalid: readonly (Error | undefined)[],
): { streams: string[]; commandIds: string[] } {
  const streams = new Set<string>();
  const commandIds: string[] = [];
  requests.forEach((r, i) => {
    if (invalid[i]) return;
    streams.add(r.streamName);
    if (r.options.command) commandIds.push(r.options.command.commandId);
  });
  return { streams: [...streams], commandIds };
}

/** No command id twice and no event id in two requests (within one request is the request's own error). */
function decidableFromHeads(
  requests: readonly AppendRequest[],
  invalid: readonly (Error | undefined)[],
): boolean {
  const commandIds = new Set<string>();
  const eventIds = new Map<string, number>();
  for (const [i, r] of requests.entries()) {
    if (invalid[i]) continue;
    const id = r.options.command?.commandId;
    if (id !== undefined) {
      if (commandIds.has(id)) return false;
      commandIds.add(id);
    }
    for (const e of r.events) {
      const owner = eventIds.get(e.metadata.eventId);
      if (owner !== undefined && owner !== i) return false;
      eventIds.set(e.metadata.eventId, i);
    }
  }
  return true;
}

/** `\u0000` or a surrogate's escape (JSON.stringify escapes only lone ones): text cannot hold them. */
const UNDECODABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/** A string as a JSON string literal. */
function str(value: string): string {
  return JSON.stringify(value);
}
