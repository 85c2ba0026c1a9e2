import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError as KurrentWrongExpectedVersion,
  jsonEvent,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import {
  GENESIS_HASH,
  IdempotencyKeyReusedError,
  WrongExpectedVersionError,
  checkExpectedVersion,
  commandRecordOf,
  eventHash,
  validateAppend,
  type AppendManyResult,
  type AppendOptions,
  type AppendRequest,
  type AppendResult,
  type CommandRecord,
  type EventMetadata,
  type EventStore,
  type JsonObject,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import {
  LEDGER_STREAM_PREFIXES,
  commandStreamOf,
  readPositionOf,
  revisionOfVersion,
  toKurrentMetadata,
  toStoredEvent,
  toStreamState,
  versionOfState,
  type RecordedShape,
} from './mapping';

/**
 * EventStore on KurrentDB (EventStoreDB) through @kurrent/kurrentdb-client.
 *
 * - Appends pin the exact revision that was read (our `expectedVersion` is checked first), so each
 *   stream's hash chain (kept in the event metadata as `ledgerHash`) cannot fork under concurrent
 *   writers; a lost race surfaces as WrongExpectedVersionError.
 * - Event ids are the caller's (derived from the command id), so a retried append with the same ids
 *   and expected revision is also deduplicated by the server.
 * - Command records live in `ledgerCommand-<sha256(id)>` streams, written after the events with
 *   `no_stream`. KurrentDB has no transaction across streams: if the process dies between the two
 *   writes, a retry of the command finds the patent already changed and the server's event-id
 *   deduplication keeps the log single.
 * - `$all` is read with a server-side stream-name filter on the ledger's prefixes; positions are
 *   commit positions (increasing, not contiguous).
 * - `appendMany` appends request by request: KurrentDB gives no per-request isolation in one commit.
 */
export class KurrentEventStore implements EventStore {
  private closed = false;

  private constructor(
    private readonly client: KurrentDBClient,
    /** Prepended to every stream name on the server (isolates test runs on a shared server). */
    private readonly namespace: string,
  ) {}

  static connect(connectionString: string, options: { namespace?: string } = {}): KurrentEventStore {
    return new KurrentEventStore(KurrentDBClient.connectionString(connectionString), options.namespace ?? '');
  }

  private serverName(streamName: string): string {
    return this.namespace + streamName;
  }

  private fromServer(e: RecordedShape): StoredEvent {
    const stored = toStoredEvent(e);
    return this.namespace
      ? { ...stored, streamName: stored.streamName.slice(this.namespace.length) }
      : stored;
  }

  async append(streamName: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamName, options.expectedVersion);
    if (options.command) {
      const recorded = await this.findCommand(options.command.commandId);
      if (recorded) return this.replay(recorded, streamName, options.command.fingerprint);
    }
    const last = await this.lastEvent(streamName);
    const current = last?.version ?? 0;
    checkExpectedVersion(streamName, options.expectedVersion, current);
    let previousHash = last?.hash ?? GENESIS_HASH;
    const hashed = events.map((e, i) => {
      const data = JSON.parse(JSON.stringify(e.data)) as JsonObject;
      const metadata = JSON.parse(JSON.stringify(e.metadata)) as EventMetadata;
      const hash = eventHash({
        streamName,
        version: current + i + 1,
        type: e.type,
        data,
        metadata,
        previousHash,
      });
      previousHash = hash;
      return { e, data, metadata, hash };
    });
    if (hashed.length > 0) {
      try {
        await this.client.appendToStream(
          this.serverName(streamName),
          hashed.map(({ e, data, metadata, hash }) =>
            jsonEvent({
              id: e.metadata.eventId,
              type: e.type,
              data,
              metadata: toKurrentMetadata(metadata, hash),
            }),
          ),
          { streamState: toStreamState(current) },
        );
      } catch (err) {
        if (err instanceof KurrentWrongExpectedVersion) {
          throw new WrongExpectedVersionError(
            streamName,
            options.expectedVersion,
            versionOfState(err.actualState as never),
          );
        }
        throw err;
      }
    }
    const stored = hashed.length
      ? await this.readStream(streamName, { fromVersion: current + 1, toVersion: current + hashed.length })
      : [];
    const result: AppendResult = {
      streamName,
      nextExpectedVersion: current + stored.length,
      events: stored,
      duplicate: false,
    };
    if (options.command) {
      const record = commandRecordOf(options.command, streamName, current, stored);
      try {
        await this.client.appendToStream(
          this.serverName(commandStreamOf(record.commandId)),
          jsonEvent({ type: 'CommandRecorded', data: { ...record } }),
          { streamState: 'no_stream' },
        );
      } catch (err) {
        if (!(err instanceof KurrentWrongExpectedVersion)) throw err;
      }
      result.command = record;
    }
    return result;
  }

  async appendMany(requests: AppendRequest[]): Promise<AppendManyResult[]> {
    const results: AppendManyResult[] = [];
    for (const r of requests) {
      try {
        results.push({ ok: true, result: await this.append(r.streamName, r.events, r.options) });
      } catch (error) {
        results.push({ ok: false, error: error as Error });
      }
    }
    return results;
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const from = options.fromVersion ?? 1;
    const to = options.toVersion ?? Number.MAX_SAFE_INTEGER;
    const max = Math.min(options.limit ?? Number.MAX_SAFE_INTEGER, to - from + 1);
    if (max <= 0) return [];
    const out: StoredEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(this.serverName(streamName), {
        fromRevision: revisionOfVersion(from),
        direction: FORWARDS,
        maxCount: BigInt(max),
      })) {
        if (resolved.event) out.push(this.fromServer(resolved.event as unknown as RecordedShape));
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw err;
    }
    return out;
  }

  async streamVersion(streamName: string): Promise<number> {
    return (await this.lastEvent(streamName))?.version ?? 0;
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const after = options.after ?? 0;
    const limit = options.limit ?? 1000;
    const out: StoredEvent[] = [];
    for await (const resolved of this.client.readAll({
      fromPosition: after > 0 ? readPositionOf(after) : START,
      direction: FORWARDS,
      maxCount: BigInt(limit + 1),
      filter: streamNameFilter({ prefixes: LEDGER_STREAM_PREFIXES.map((p) => this.serverName(p)) }),
    })) {
      if (!resolved.event) continue;
      const e = this.fromServer(resolved.event as unknown as RecordedShape);
      if (e.position > after) out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    for await (const resolved of this.client.readAll({
      fromPosition: END,
      direction: BACKWARDS,
      maxCount: 1n,
      filter: streamNameFilter({ prefixes: LEDGER_STREAM_PREFIXES.map((p) => this.serverName(p)) }),
    })) {
      if (resolved.event) return this.fromServer(resolved.event as unknown as RecordedShape).position;
    }
    return 0;
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    this.assertOpen();
    try {
      for await (const resolved of this.client.readStream(this.serverName(commandStreamOf(commandId)), {
        fromRevision: START,
        maxCount: 1n,
      })) {
        const data = resolved.event?.data as unknown as CommandRecord | undefined;
        if (data && data.commandId === commandId) return { ...data };
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return undefined;
      throw err;
    }
    return undefined;
  }

  async ping(): Promise<void> {
    await this.headPosition();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.dispose();
  }

  private async lastEvent(streamName: string): Promise<StoredEvent | undefined> {
    this.assertOpen();
    try {
      for await (const resolved of this.client.readStream(this.serverName(streamName), {
        fromRevision: END,
        direction: BACKWARDS,
        maxCount: 1n,
      })) {
        if (resolved.event) return this.fromServer(resolved.event as unknown as RecordedShape);
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return undefined;
      throw err;
    }
    return undefined;
  }

  private async replay(
    recorded: CommandRecord,
    streamName: string,
    fingerprint: string,
  ): Promise<AppendResult> {
    if (recorded.fingerprint !== fingerprint || recorded.streamName !== streamName) {
      throw new IdempotencyKeyReusedError(recorded.commandId);
    }
    const events =
      recorded.toVersion >= recorded.fromVersion
        ? await this.readStream(streamName, {
            fromVersion: recorded.fromVersion,
            toVersion: recorded.toVersion,
          })
        : [];
    return {
      streamName,
      nextExpectedVersion: recorded.toVersion,
      events,
      duplicate: true,
      command: recorded,
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('KurrentEventStore is closed');
  }
}
