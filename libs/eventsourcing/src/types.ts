/** JSON-native values: the only thing events may contain. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Who issued a command. Later taken from an access token; today from headers or defaults. */
export interface Actor {
  role: string;
  orgId: string;
  userId: string;
}

/** Metadata stored with every event. */
export interface EventMetadata {
  eventId: string;
  /** Idempotency key of the command that produced the event. */
  commandId: string;
  correlationId: string;
  causationId: string;
  actor: Actor;
  /** ISO UTC instant at which the store acknowledged the event (set by the caller, kept as given). */
  recordedAt: string;
  schemaVersion: number;
}

/** An event to append. */
export interface NewEvent {
  type: string;
  data: JsonObject;
  metadata: EventMetadata;
}

/** An event as stored and read back. */
export interface StoredEvent extends NewEvent {
  streamName: string;
  /** 1-based position of the event in its stream: the first event has version 1. */
  version: number;
  /** 1-based position in the global ordered log ($all). Gap-free for readers. */
  position: number;
  /**
   * Link of the stream's hash chain: `eventHash` of this event chained from the previous event's
   * hash (GENESIS_HASH for version 1). Stores that keep a chain always set it.
   */
  hash?: string;
}

/**
 * What the writer expects the stream to be before the append.
 * - 'any': no check
 * - 'no_stream': the stream must not exist (equivalent to version 0)
 * - 'stream_exists': the stream must have at least one event
 * - number N: the stream's current version (its number of events) must be exactly N
 */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

/** Idempotency record of one command: written in the same transaction as its events. */
export interface CommandRecord {
  commandId: string;
  /** Digest of what the command asked for; the same id with another fingerprint is a misuse. */
  fingerprint: string;
  streamName: string;
  /** Versions of the first and last event appended (fromVersion > toVersion when nothing was appended). */
  fromVersion: number;
  toVersion: number;
  /** Global positions of the first and last event appended (0 when nothing was appended). */
  firstPosition: number;
  lastPosition: number;
  recordedAt: string;
}

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
  /**
   * When given, the append is recorded under this command id (in the same transaction). If the id is
   * already recorded, nothing is appended: with the same fingerprint the stored outcome is returned
   * (`duplicate: true`), with another fingerprint `IdempotencyKeyReusedError` is thrown.
   */
  command?: {
    commandId: string;
    fingerprint: string;
    /** When the command was handled (ISO instant); stored in its record. Default: the store's clock. */
    recordedAt?: string;
  };
}

/** One append of a batch (see `EventStore.appendMany`). */
export interface AppendRequest {
  streamName: string;
  events: NewEvent[];
  options: AppendOptions;
}

/** The outcome of one request of a batch: its result, or the error that rejected it alone. */
export type AppendManyResult = { ok: true; result: AppendResult } | { ok: false; error: Error };

export interface AppendResult {
  streamName: string;
  /** Stream version after the append (the version of its last event). */
  nextExpectedVersion: number;
  /** The events as stored (or, for a duplicate, as originally stored). */
  events: StoredEvent[];
  /** True when the command id had already been recorded and nothing new was appended. */
  duplicate: boolean;
  command?: CommandRecord;
}

export interface ReadStreamOptions {
  /** First version to return (inclusive, default 1). */
  fromVersion?: number;
  /** Last version to return (inclusive, default: the end). */
  toVersion?: number;
  /** Maximum number of events. */
  limit?: number;
}

export interface ReadAllOptions {
  /** Return events whose position is strictly greater than this (default 0: from the start). */
  after?: number;
  /** Maximum number of events in the batch (default 1000). */
  limit?: number;
}

/**
 * The EventStore port. Every adapter (memory, SQLite, PostgreSQL, KurrentDB) implements it and
 * passes the contract suite exported from `@patent-ledger/eventsourcing/testing`.
 */
export interface EventStore {
  /** Appends atomically: all events or none. Throws WrongExpectedVersionError on a version mismatch. */
  append(streamName: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /**
   * Appends to many streams in one durable commit (bulk import). Each request is checked and applied
   * on its own, in order, exactly as `append` would: a request that fails (wrong version, reused
   * command id, invalid) is reported in its slot and leaves the others untouched. Nothing is
   * acknowledged before the whole batch is committed.
   */
  appendMany(requests: AppendRequest[]): Promise<AppendManyResult[]>;
  /** Events of one stream in version order; [] for a stream that does not exist. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Current version of a stream (0 when it does not exist). */
  streamVersion(streamName: string): Promise<number>;
  /** A batch of the global log in position order. Never skips an event that a later read could return. */
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  /** Position of the last event in the global log (0 when empty). */
  headPosition(): Promise<number>;
  /** The recorded outcome of a command, if its id was recorded. */
  findCommand(commandId: string): Promise<CommandRecord | undefined>;
  /** Throws when the store cannot serve requests. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
