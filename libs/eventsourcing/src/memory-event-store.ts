import {
  IdempotencyKeyReusedError,
  InvalidAppendError,
  checkExpectedVersion,
  validateAppend,
} from './errors';
import { eventHash, GENESIS_HASH } from './hash-chain';
import { commandRecordOf } from './sql-rows';
import type { ChainHead, ChainHeadStore } from './chain';
import type {
  AppendManyResult,
  AppendOptions,
  AppendRequest,
  AppendResult,
  CommandRecord,
  EventMetadata,
  EventStore,
  JsonObject,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
} from './types';

const DEFAULT_READ_ALL_LIMIT = 1000;

/**
 * In-memory EventStore: the reference semantics of the port, used in tests.
 *
 * Each append runs synchronously (no `await` inside), so it is atomic with respect to every other
 * call. Events are deep-copied on write and on read: callers never hold a view of stored data.
 */
export class MemoryEventStore implements EventStore, ChainHeadStore {
  private readonly heads: ChainHead[] = [];
  /** The global log; the event at index i has position i + 1. */
  private readonly log: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly commands = new Map<string, CommandRecord>();
  private readonly eventIds = new Set<string>();
  private closed = false;

  async append(streamName: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    return this.appendNow(streamName, events, options);
  }

  async appendMany(requests: AppendRequest[]): Promise<AppendManyResult[]> {
    this.assertOpen();
    return requests.map((r) => {
      try {
        return { ok: true, result: this.appendNow(r.streamName, r.events, r.options) };
      } catch (error) {
        return { ok: false, error: error as Error };
      }
    });
  }

  private appendNow(streamName: string, events: NewEvent[], options: AppendOptions): AppendResult {
    this.assertOpen();
    validateAppend(streamName, options.expectedVersion);
    if (options.command) {
      const recorded = this.commands.get(options.command.commandId);
      if (recorded) return this.replay(recorded, streamName, options.command.fingerprint);
    }
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length;
    checkExpectedVersion(streamName, options.expectedVersion, current);
    this.assertNewEventIds(events);

    const head = this.log.length;
    let previousHash = stream[stream.length - 1]?.hash ?? GENESIS_HASH;
    const stored = events.map<StoredEvent>((e, i) => {
      // Stored as JSON would be: undefined fields dropped.
      const data = JSON.parse(JSON.stringify(e.data)) as JsonObject;
      const metadata = JSON.parse(JSON.stringify(e.metadata)) as EventMetadata;
      const version = current + i + 1;
      const hash = eventHash({ streamName, version, type: e.type, data, metadata, previousHash });
      previousHash = hash;
      return { streamName, version, position: head + i + 1, type: e.type, data, metadata, hash };
    });
    for (const e of stored) {
      this.log.push(e);
      stream.push(e);
      this.eventIds.add(e.metadata.eventId);
    }
    if (stored.length > 0) this.streams.set(streamName, stream);

    const result: AppendResult = {
      streamName,
      nextExpectedVersion: current + stored.length,
      events: structuredClone(stored),
      duplicate: false,
    };
    if (options.command) {
      const record = commandRecordOf(options.command, streamName, current, stored);
      this.commands.set(record.commandId, record);
      result.command = { ...record };
    }
    return result;
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const from = options.fromVersion ?? 1;
    const to = options.toVersion ?? Number.MAX_SAFE_INTEGER;
    const selected = (this.streams.get(streamName) ?? []).filter((e) => e.version >= from && e.version <= to);
    return structuredClone(selected.slice(0, options.limit ?? selected.length));
  }

  async streamVersion(streamName: string): Promise<number> {
    this.assertOpen();
    return this.streams.get(streamName)?.length ?? 0;
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const after = Math.max(0, options.after ?? 0);
    return structuredClone(this.log.slice(after, after + (options.limit ?? DEFAULT_READ_ALL_LIMIT)));
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.log.length;
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    this.assertOpen();
    const record = this.commands.get(commandId);
    return record && { ...record };
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async latestChainHead(): Promise<ChainHead | undefined> {
    this.assertOpen();
    const h = this.heads[this.heads.length - 1];
    return h && { ...h };
  }

  async appendChainHead(head: ChainHead): Promise<void> {
    this.assertOpen();
    this.heads.push({ ...head });
  }

  async readChainHeads(): Promise<ChainHead[]> {
    this.assertOpen();
    return this.heads.map((h) => ({ ...h }));
  }

  async streamHeads(): Promise<Map<string, { version: number; lastHash: string | null }>> {
    this.assertOpen();
    return new Map(
      [...this.streams].map(([name, events]) => [
        name,
        { version: events.length, lastHash: events[events.length - 1]?.hash ?? null },
      ]),
    );
  }

  /** Idempotent. Every later call rejects. */
  async close(): Promise<void> {
    this.closed = true;
  }

  /** The stored outcome of an already recorded command, or IdempotencyKeyReusedError. */
  private replay(recorded: CommandRecord, streamName: string, fingerprint: string): AppendResult {
    if (recorded.fingerprint !== fingerprint || recorded.streamName !== streamName) {
      throw new IdempotencyKeyReusedError(recorded.commandId);
    }
    const stream = this.streams.get(streamName) ?? [];
    return {
      streamName,
      nextExpectedVersion: recorded.toVersion,
      events: structuredClone(stream.slice(recorded.fromVersion - 1, recorded.toVersion)),
      duplicate: true,
      command: { ...recorded },
    };
  }

  private assertNewEventIds(events: NewEvent[]): void {
    const ids = new Set<string>();
    for (const e of events) {
      const id = e.metadata.eventId;
      if (this.eventIds.has(id) || ids.has(id)) throw new InvalidAppendError(`duplicate event id: ${id}`);
      ids.add(id);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryEventStore is closed');
  }
}
