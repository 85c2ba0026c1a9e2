import type { Decider, DomainEvent } from './decider';
import { trimOldest } from './bounded-map';
import {
  ConcurrencyRetriesExhaustedError,
  IdempotencyKeyReusedError,
  WrongExpectedVersionError,
} from './errors';
import { deterministicEventId } from './ids';
import type { Actor, EventStore, JsonObject, NewEvent, StoredEvent } from './types';

export interface CommandContext {
  /** Idempotency key: a command re-sent with the same id returns the original outcome. */
  commandId: string;
  /** Digest of the request; the same commandId with another fingerprint is rejected. */
  fingerprint: string;
  correlationId?: string;
  causationId?: string;
  actor: Actor;
  /** When the command is handled (ISO UTC instant); becomes each event's recordedAt. */
  now: string;
  /**
   * A version pinned by the caller (If-Match), or several of which one must be current. When given,
   * a concurrent change fails with WrongExpectedVersionError instead of being retried.
   */
  expectedVersion?: number | number[];
}

export interface HandleOptions<Event extends DomainEvent, State = unknown> {
  /** Attempts when the stream changes between load and append and no version was pinned. */
  maxAttempts?: number;
  /** Schema version of each event type (default 1). */
  schemaVersionOf?: (type: Event['type']) => number;
  /** Turns stored events into the current shape before they are folded (upcasters). */
  upcast?: (event: StoredEvent) => Event;
  /**
   * Checks to run with the loaded state before deciding (for example cross-aggregate lookups). May
   * throw a domain error.
   */
  precheck?: (version: number) => Promise<void> | void;
  /**
   * Checks that the caller may send this command to the stream as it stands (the access policy);
   * throws to refuse. Runs on the loaded state before the pinned version, the precheck and decide.
   */
  authorize?: (state: State) => void;
  /** Reuse folded states between commands (checked against the stream version, see StateCache). */
  cache?: StateCache<unknown>;
}

/**
 * Folded states of recently used streams (least recently used dropped first). A cached state is used
 * only when the store still reports the same stream version — events never change, so the version
 * names the state — which makes it safe with other writers and other processes.
 */
export class StateCache<State> {
  private readonly entries = new Map<string, { version: number; state: State }>();
  constructor(private readonly maxEntries = 10_000) {}

  get(streamName: string): { version: number; state: State } | undefined {
    const hit = this.entries.get(streamName);
    if (hit) {
      this.entries.delete(streamName);
      this.entries.set(streamName, hit);
    }
    return hit;
  }

  set(streamName: string, version: number, state: State): void {
    this.entries.delete(streamName);
    this.entries.set(streamName, { version, state });
    trimOldest(this.entries, this.maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface CommandOutcome {
  streamName: string;
  /** Stream version after the command. */
  version: number;
  /** Events the command appended (or, for a replayed command, originally appended). */
  events: StoredEvent[];
  /** True when the command id had already been handled and nothing was appended now. */
  duplicate: boolean;
}

function defaultUpcast<Event extends DomainEvent>(e: StoredEvent): Event {
  return { type: e.type, data: e.data } as unknown as Event;
}

/** Loads a stream and folds it into state. */
export async function loadAggregate<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  streamName: string,
  upcast: (event: StoredEvent) => Event = defaultUpcast,
): Promise<{ state: State; version: number; events: StoredEvent[] }> {
  const events = await store.readStream(streamName);
  let state = decider.initialState();
  for (const e of events) state = decider.evolve(state, upcast(e));
  return { state, version: events.length === 0 ? 0 : events[events.length - 1]!.version, events };
}

async function outcomeOfRecordedCommand(
  store: EventStore,
  streamName: string,
  fromVersion: number,
  toVersion: number,
): Promise<CommandOutcome> {
  const events =
    toVersion >= fromVersion ? await store.readStream(streamName, { fromVersion, toVersion }) : [];
  return { streamName, version: toVersion, events, duplicate: true };
}

/**
 * Load → decide → append, with idempotency by command id and optimistic concurrency.
 * Domain errors thrown by `decide` propagate unchanged and nothing is appended.
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  streamName: string,
  command: Command,
  ctx: CommandContext,
  options: HandleOptions<Event, State> = {},
): Promise<CommandOutcome> {
  const maxAttempts = ctx.expectedVersion === undefined ? (options.maxAttempts ?? 10) : 1;
  /** The outcome of this command id if it was already handled (by an earlier or a concurrent request). */
  const recordedOutcome = async (): Promise<CommandOutcome | undefined> => {
    const recorded = await store.findCommand(ctx.commandId);
    if (!recorded) return undefined;
    if (recorded.fingerprint !== ctx.fingerprint || recorded.streamName !== streamName) {
      throw new IdempotencyKeyReusedError(ctx.commandId);
    }
    return outcomeOfRecordedCommand(store, streamName, recorded.fromVersion, recorded.toVersion);
  };
  const earlier = await recordedOutcome();
  if (earlier) return earlier;
  for (let attempt = 1; ; attempt++) {
    let decided: Event[];
    let version: number;
    let loaded: { state: State; version: number };
    try {
      const cached = options.cache?.get(streamName) as { version: number; state: State } | undefined;
      loaded =
        cached && (await store.streamVersion(streamName)) === cached.version
          ? cached
          : await loadAggregate(store, decider, streamName, options.upcast);
      version = loaded.version;
      options.authorize?.(loaded.state);
      const pinned = ctx.expectedVersion;
      if (pinned !== undefined && !(Array.isArray(pinned) ? pinned.includes(version) : pinned === version)) {
        throw new WrongExpectedVersionError(streamName, Array.isArray(pinned) ? pinned[0]! : pinned, version);
      }
      if (options.precheck) await options.precheck(version);
      decided = decider.decide(command, loaded.state);
    } catch (err) {
      // A concurrent request with the same command id may have just succeeded: its outcome is ours.
      const concurrent = await recordedOutcome();
      if (concurrent) return concurrent;
      throw err;
    }
    const newEvents: NewEvent[] = decided.map((e, i) => ({
      type: e.type,
      data: e.data as JsonObject,
      metadata: {
        eventId: deterministicEventId(ctx.commandId, i),
        commandId: ctx.commandId,
        correlationId: ctx.correlationId ?? ctx.commandId,
        causationId: ctx.causationId ?? ctx.commandId,
        actor: ctx.actor,
        recordedAt: ctx.now,
        schemaVersion: options.schemaVersionOf ? options.schemaVersionOf(e.type) : 1,
      },
    }));
    try {
      const result = await store.append(streamName, newEvents, {
        expectedVersion: version,
        command: { commandId: ctx.commandId, fingerprint: ctx.fingerprint, recordedAt: ctx.now },
      });
      if (options.cache && !result.duplicate) {
        options.cache.set(
          streamName,
          result.nextExpectedVersion,
          decided.reduce(decider.evolve, loaded.state),
        );
      }
      return {
        streamName,
        version: result.nextExpectedVersion,
        events: result.events,
        duplicate: result.duplicate,
      };
    } catch (err) {
      if (!(err instanceof WrongExpectedVersionError)) throw err;
      const concurrent = await recordedOutcome();
      if (concurrent) return concurrent;
      if (ctx.expectedVersion !== undefined) throw err;
      if (attempt >= maxAttempts) throw new ConcurrencyRetriesExhaustedError(streamName, attempt);
      // Jittered back-off, so writers racing on one stream do not collide again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * 2 * attempt));
    }
  }
}
