import { Writable } from 'node:stream';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { CLOUDEVENTS_JSON } from './cloudevents';
import { bodyBytes, type OutgoingEvent, type Sink } from './relay';

export interface AmqpSinkOptions {
  /** `amqp://user:password@host:5672/vhost` */
  url: string;
  /** A durable topic exchange (declared when missing); the routing key is the event type. */
  exchange: string;
  /** Messages between confirmation waits (default 500). */
  window?: number;
}

/**
 * Publishes to a RabbitMQ topic exchange with publisher confirms: one routing key per event type
 * (`PatentInventoried`, …), persistent messages, `message_id` = the event id, each body a CloudEvent
 * in structured JSON mode. A batch counts as published only once the broker has confirmed every
 * message (for a durable queue: written to disk); a broken connection fails the batch, and the relay
 * sends it again on a new connection. Bind a durable queue to the exchange to keep what arrives while
 * your consumer is away.
 */
export class AmqpSink implements Sink {
  readonly name = 'amqp';
  private connection: ChannelModel | undefined;
  private channel: ConfirmChannel | undefined;
  private broken: Error | undefined;

  constructor(private readonly options: AmqpSinkOptions) {}

  private async open(): Promise<ConfirmChannel> {
    if (this.channel && !this.broken) return this.channel;
    await this.reset();
    const { connect } = await import('amqplib');
    const connection = await connect(this.options.url, { timeout: 3000 });
    coalesceWrites((connection as { connection?: { stream?: unknown } }).connection?.stream);
    const markBroken = (err?: Error): void => {
      this.broken ??= err ?? new Error('the connection to RabbitMQ closed');
    };
    connection.on('error', markBroken);
    connection.on('close', markBroken);
    const channel = await connection.createConfirmChannel();
    channel.on('error', markBroken);
    channel.on('close', markBroken);
    await channel.assertExchange(this.options.exchange, 'topic', { durable: true });
    this.connection = connection;
    this.channel = channel;
    this.broken = undefined;
    return channel;
  }

  private async reset(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.channel = undefined;
    this.broken = undefined;
    if (connection) await connection.close().catch(() => undefined);
  }

  async publish(events: readonly OutgoingEvent[], signal: AbortSignal): Promise<void> {
    const channel = await this.open();
    const window = this.options.window ?? 500;
    try {
      for (let start = 0; start < events.length && !signal.aborted; start += window) {
        for (const o of events.slice(start, start + window)) {
          const ok = channel.publish(this.options.exchange, o.event.type, bodyBytes(o), {
            persistent: true,
            messageId: o.envelope.id,
            contentType: CLOUDEVENTS_JSON,
            type: o.envelope.type,
            timestamp: Math.floor(Date.parse(o.envelope.time) / 1000),
            appId: 'patent-ledger',
          });
          if (!ok)
            await new Promise<void>((resolve) => {
              channel.once('drain', () => resolve());
              channel.once('close', () => resolve());
            });
          if (this.broken) throw this.broken;
        }
        await channel.waitForConfirms();
        if (this.broken) throw this.broken;
      }
    } catch (err) {
      await this.reset();
      throw new Error(`RabbitMQ: ${(err as Error).message ?? String(err)}`);
    }
  }

  async close(): Promise<void> {
    await this.reset();
  }
}

/**
 * amqplib writes every frame to the socket on its own: a system call per message, the largest cost
 * of publishing a batch. Writes of one turn of the event loop are gathered instead (the socket is
 * corked at the first and uncorked on the next turn) and leave in one system call, in their order.
 */
function coalesceWrites(socket: unknown): void {
  if (!(socket instanceof Writable)) return;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  socket.write = ((...args: unknown[]): boolean => {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  }) as typeof socket.write;
}
