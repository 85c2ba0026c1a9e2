import type { NatsConnection } from 'nats';
import { CLOUDEVENTS_JSON } from './cloudevents';
import { bodyBytes, type OutgoingEvent, type Sink } from './relay';

export interface NatsSinkOptions {
  /** `nats://host:port` (several comma-separated). */
  url: string;
  /** The JetStream stream (created when missing; the subjects are added to it when absent). */
  stream: string;
  /** Subjects are `<prefix>.<EventType>`; the stream captures `<prefix>.>`. */
  subjectPrefix: string;
  /** Publications in flight at once (default 256). */
  window?: number;
  /** How long to wait for a publication's acknowledgement, ms (default 5000). */
  ackTimeoutMs?: number;
  /** Connection name the server shows. */
  name?: string;
}

/** The subject of an event type: `patent-ledger.events.PatentInventoried`. */
export const natsSubject = (prefix: string, eventType: string): string => `${prefix}.${eventType}`;

/**
 * Publishes to a NATS JetStream stream, one subject per event type, each message a CloudEvent in
 * structured JSON mode with `Nats-Msg-Id` = the event id (JetStream drops a re-sent copy within its
 * duplicate window). Every message after the first of a window must follow the one before it in the
 * stream (`Nats-Expected-Last-Msg-Id`): a message lost while the connection broke can therefore not
 * be overtaken by the next one, which the client may still deliver after reconnecting — the server
 * refuses it. Only the last message of a window waits for JetStream's acknowledgement, which by that
 * chain stands for all of them (one round trip per window instead of per message).
 */
export class NatsJetStreamSink implements Sink {
  readonly name: string;
  private nc: NatsConnection | undefined;
  private connecting: Promise<NatsConnection> | undefined;
  private ensured = false;

  constructor(private readonly options: NatsSinkOptions) {
    this.name = 'nats';
  }

  private async connection(): Promise<NatsConnection> {
    if (this.nc && !this.nc.isClosed()) return this.nc;
    this.connecting ??= (async () => {
      const { connect } = await import('nats');
      const nc = await connect({
        servers: this.options.url.split(','),
        name: this.options.name ?? 'patent-ledger-publisher',
        timeout: 3000,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        // No stack captured per publication (it was a third of the CPU per event): errors name the subject.
        noAsyncTraces: true,
      });
      this.nc = nc;
      this.ensured = false;
      return nc;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async ensureStream(nc: NatsConnection): Promise<void> {
    if (this.ensured) return;
    const jsm = await nc.jetstreamManager();
    const subject = `${this.options.subjectPrefix}.>`;
    try {
      const info = await jsm.streams.info(this.options.stream);
      if (!info.config.subjects?.includes(subject)) {
        await jsm.streams.update(this.options.stream, {
          subjects: [...(info.config.subjects ?? []), subject],
        });
      }
    } catch (err) {
      if (!/stream not found/i.test((err as Error).message)) throw err;
      await jsm.streams.add({ name: this.options.stream, subjects: [subject] });
    }
    this.ensured = true;
  }

  async publish(events: readonly OutgoingEvent[], signal: AbortSignal): Promise<void> {
    const nc = await this.connection();
    await this.ensureStream(nc);
    const { headers } = await import('nats');
    const js = nc.jetstream();
    const window = this.options.window ?? 256;
    const timeout = this.options.ackTimeoutMs ?? 5000;
    const { stream, subjectPrefix } = this.options;
    // Each window: every message but the last as a plain publication, the last acknowledged by
    // JetStream. Every message after the first of the window carries the id of the one before it as
    // its expected last message id (and a copy already stored is dropped as a duplicate before that
    // check), so the last one's acknowledgement proves that the whole window is in the stream, in
    // order; a message lost or refused before it makes the last one fail, and the relay sends the
    // batch again.
    for (let start = 0; start < events.length && !signal.aborted; start += window) {
      const slice = events.slice(start, start + window);
      for (const [i, o] of slice.entries()) {
        const h = headers();
        h.set('Content-Type', CLOUDEVENTS_JSON);
        h.set('Nats-Msg-Id', o.envelope.id);
        h.set('Nats-Expected-Stream', stream);
        const previous = i > 0 ? slice[i - 1]! : undefined;
        if (previous) h.set('Nats-Expected-Last-Msg-Id', previous.envelope.id);
        const subject = natsSubject(subjectPrefix, o.event.type);
        const data = bodyBytes(o);
        if (i < slice.length - 1) {
          nc.publish(subject, data, { headers: h });
          continue;
        }
        try {
          await js.publish(subject, data, {
            msgID: o.envelope.id,
            headers: h,
            timeout,
            expect: { streamName: stream, ...(previous ? { lastMsgID: previous.envelope.id } : {}) },
          });
        } catch (err) {
          throw new Error(`NATS JetStream: ${(err as Error).message}`);
        }
      }
    }
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
