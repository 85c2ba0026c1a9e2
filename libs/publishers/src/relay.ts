import type { EventStore, ReadAllOptions, StoredEvent } from '@patent-ledger/eventsourcing';
import { backoffDelay, DEFAULT_BACKOFF, sleep, type Backoff } from './backoff';
import { isPublished, toCloudEvent, type CloudEvent } from './cloudevents';

/** Where relays keep how far they got. `set` must be durable when it returns. */
export interface CheckpointStore {
  get(name: string): Promise<number | undefined>;
  set(name: string, position: number): Promise<void>;
}

/** An event on its way out: the stored event, its CloudEvents envelope and that envelope as JSON. */
export interface OutgoingEvent {
  event: StoredEvent;
  envelope: CloudEvent;
  body: string;
}

/** A destination (a broker, webhooks) that takes events in order. */
export interface Sink {
  readonly name: string;
  /**
   * Publishes the events in the order given and resolves once every one is durably accepted (broker
   * confirmation); rejects otherwise, and the relay then offers the same events again, from the first.
   */
  publish(events: readonly OutgoingEvent[], signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface RelayStatus {
  name: string;
  /** Position of the last event handed to the sink and confirmed (the checkpoint). */
  position: number;
  headPosition: number;
  /** Events of the log not yet past the relay. */
  lag: number;
  published: number;
  state: 'running' | 'retrying' | 'stopped';
  failures: number;
  lastError?: { message: string; at: string };
}

export interface RelayOptions {
  /** Name of the checkpoint (one per destination). */
  name: string;
  /** The CloudEvents `source` of the envelopes. */
  source: string;
  /**
   * Which events go out, and as what: the event (or what of it this destination may see), or
   * undefined to pass it over (the checkpoint moves past it). Default: every event of the
   * published streams (`isPublished`). Called in log order.
   */
  select?: (e: StoredEvent) => StoredEvent | undefined | Promise<StoredEvent | undefined>;
  /** Events read per batch (default 500). */
  batchSize?: number;
  /** How often to look for new events when idle, ms (default 1000; `poke()` wakes it sooner). */
  pollIntervalMs?: number;
  /** Waits between failed attempts (default 0.5 s doubling to 30 s). */
  backoff?: Backoff;
  /**
   * How long a poke waits for more appends before it wakes the relay, ms (default 0: at once). Under
   * load the relay then reads and publishes one batch per window instead of one per append.
   */
  pokeDelayMs?: number;
  /** Where a new relay starts when it has no checkpoint yet (default 0: the whole log). */
  startAt?: () => Promise<number>;
  onError?: (message: string) => void;
  /** Called after each confirmed batch with the events that went out. */
  onPublished?: (events: readonly OutgoingEvent[], checkpoint: number) => void;
}

/** Envelopes already built, per stored event (relays sharing a SharedLogReader share its events). */
const envelopes = new WeakMap<StoredEvent, OutgoingEvent>();

/** The event's CloudEvent and its JSON, built once per event and source (sinks only read them). */
function outgoing(event: StoredEvent, source: string): OutgoingEvent {
  const known = envelopes.get(event);
  if (known && known.envelope.source === source) return known;
  const envelope = toCloudEvent(event, source);
  const o: OutgoingEvent = { event, envelope, body: JSON.stringify(envelope) };
  envelopes.set(event, o);
  return o;
}

const encoded = new WeakMap<OutgoingEvent, Buffer>();

/** The envelope's JSON as UTF-8, encoded once however many sinks send it. */
export function bodyBytes(o: OutgoingEvent): Buffer {
  let bytes = encoded.get(o);
  if (!bytes) encoded.set(o, (bytes = Buffer.from(o.body)));
  return bytes;
}

/**
 * The log read once for several relays following it in the same thread: a relay asking for the
 * batch after a position another relay just read gets that batch (the same event objects, so their
 * envelopes and JSON are built once too) without querying and decoding it again. The log only
 * grows, so a remembered batch is a prefix of what a fresh read would return: the relay reads on
 * from its last event and misses nothing. Empty reads are not remembered.
 */
export class SharedLogReader implements Pick<EventStore, 'readAll' | 'headPosition'> {
  /** Recent reads by position and size, in flight or done (relays woken together ask at once). */
  private readonly recent = new Map<string, Promise<StoredEvent[]>>();

  constructor(
    private readonly store: Pick<EventStore, 'readAll' | 'headPosition'>,
    /** Batches remembered (the most recent ones). */
    private readonly keep = 8,
  ) {}

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const key = `${options.after ?? 0}:${options.limit ?? ''}`;
    const known = this.recent.get(key);
    if (known) return known;
    const read = this.store.readAll(options);
    this.recent.set(key, read);
    if (this.recent.size > this.keep) this.recent.delete(this.recent.keys().next().value!);
    try {
      const batch = await read;
      if (batch.length === 0 && this.recent.get(key) === read) this.recent.delete(key);
      return batch;
    } catch (err) {
      if (this.recent.get(key) === read) this.recent.delete(key);
      throw err;
    }
  }

  headPosition(): Promise<number> {
    return this.store.headPosition();
  }
}

/**
 * A checkpointed relay from the global log to one sink: reads a batch past its checkpoint, has the
 * sink confirm it, then moves the checkpoint — so every event goes out at least once, in log order
 * (hence in order per stream), and a crash or an unreachable broker delays events but never skips
 * one: the batch is offered again, from its first event, until the sink confirms it. Re-sent events
 * keep their CloudEvents `id`, so consumers (and JetStream's duplicate window) drop the copies.
 */
export class Relay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly backoff: Backoff;
  private controller = new AbortController();
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private position = 0;
  private head = 0;
  private published = 0;
  private failures = 0;
  private lastError: RelayStatus['lastError'];
  private stopped = true;
  private loaded = false;
  private pokeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<EventStore, 'readAll' | 'headPosition'>,
    private readonly checkpoints: CheckpointStore,
    readonly sink: Sink,
    private readonly options: RelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  get name(): string {
    return this.options.name;
  }

  /** Publishes what is past the checkpoint, batch by batch, until the log's end; returns the count read. */
  async drain(signal: AbortSignal = this.controller.signal): Promise<number> {
    let read = 0;
    let after = await this.checkpoint();
    while (!signal.aborted) {
      const batch = await this.store.readAll({ after, limit: this.batchSize });
      if (batch.length === 0) {
        this.head = Math.max(this.head, after);
        return read;
      }
      const last = batch[batch.length - 1]!.position;
      this.head = Math.max(this.head, last);
      const selected: StoredEvent[] = [];
      for (const e of batch) {
        const seen = this.options.select ? await this.options.select(e) : isPublished(e) ? e : undefined;
        if (seen) selected.push(seen);
      }
      const out = selected.map((event) => outgoing(event, this.options.source));
      if (out.length > 0) await this.sink.publish(out, signal);
      if (signal.aborted) return read;
      await this.checkpoints.set(this.options.name, last);
      this.position = after = last;
      this.published += out.length;
      read += batch.length;
      if (out.length > 0) this.options.onPublished?.(out, last);
    }
    return read;
  }

  /** The checkpoint: read from the store once, then kept (this relay is the only one that moves it). */
  private async checkpoint(): Promise<number> {
    if (this.loaded) return this.position;
    let cp = await this.checkpoints.get(this.options.name);
    if (cp === undefined) {
      cp = (await this.options.startAt?.()) ?? 0;
      await this.checkpoints.set(this.options.name, cp);
    }
    this.position = cp;
    this.loaded = true;
    return cp;
  }

  /** Follows the log until stop(): drains, waits for a poke or the poll interval, again. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.controller = new AbortController();
    const signal = this.controller.signal;
    const loop = async (): Promise<void> => {
      while (!signal.aborted) {
        try {
          await this.drain(signal);
          this.failures = 0;
          this.lastError = undefined;
        } catch (err) {
          if (signal.aborted) break;
          this.failures += 1;
          const message = err instanceof Error ? err.message : String(err);
          this.lastError = { message, at: new Date().toISOString() };
          const delay = backoffDelay(this.backoff, this.failures);
          this.options.onError?.(
            `publisher ${this.options.name}: ${message}; retrying from position ${this.position + 1} in ${delay} ms`,
          );
          await sleep(delay, signal);
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, this.pollIntervalMs);
          const onAbort = (): void => done();
          function done(): void {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            resolve();
          }
          this.wake = done;
          signal.addEventListener('abort', onAbort, { once: true });
        });
        this.wake = undefined;
      }
    };
    this.running = loop();
  }

  /** New events were appended: look now rather than at the next poll (a retry's wait is kept). */
  poke(): void {
    const delay = this.options.pokeDelayMs ?? 0;
    if (delay <= 0) return this.wake?.();
    this.pokeTimer ??= setTimeout(() => {
      this.pokeTimer = undefined;
      this.wake?.();
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Another process may move the checkpoint meanwhile (it took the lease): read it again on start.
    this.loaded = false;
    if (this.pokeTimer) clearTimeout(this.pokeTimer);
    this.pokeTimer = undefined;
    this.controller.abort();
    await this.running;
    this.running = undefined;
  }

  async status(): Promise<RelayStatus> {
    const head = await this.store.headPosition().catch(() => this.head);
    this.head = Math.max(this.head, head);
    return {
      name: this.options.name,
      position: this.position,
      headPosition: this.head,
      lag: Math.max(0, this.head - this.position),
      published: this.published,
      state: this.stopped ? 'stopped' : this.failures > 0 ? 'retrying' : 'running',
      failures: this.failures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }
}
