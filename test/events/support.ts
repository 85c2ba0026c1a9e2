/** Helpers of the publisher suites: reading back what NATS JetStream and RabbitMQ received. */
import { connect as amqpConnect } from 'amqplib';
import { connect as natsConnect } from 'nats';
import type { CloudEvent } from '@patent-ledger/publishers';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (polling, bounded by `timeoutMs`) until `cond` holds; throws with `what` otherwise. */
export async function eventually(
  what: string,
  cond: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
    await sleep(100);
  }
}

/** Every message of a JetStream stream, in stream order, parsed as CloudEvents. */
export async function natsMessages(url: string, stream: string): Promise<CloudEvent[]> {
  const nc = await natsConnect({ servers: url, timeout: 3000 });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream);
    const out: CloudEvent[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      out.push(JSON.parse(new TextDecoder().decode(m.data)) as CloudEvent);
    }
    return out;
  } finally {
    await nc.close();
  }
}

export async function natsCount(url: string, stream: string): Promise<number> {
  const nc = await natsConnect({ servers: url, timeout: 3000 });
  try {
    return (await (await nc.jetstreamManager()).streams.info(stream)).state.messages;
  } finally {
    await nc.close();
  }
}

export async function natsDeleteStream(url: string, stream: string): Promise<void> {
  const nc = await natsConnect({ servers: url, timeout: 3000 });
  try {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

/** Declares a durable queue bound to every routing key of a durable topic exchange. */
export async function amqpQueue(url: string, exchange: string, queue: string): Promise<void> {
  const c = await amqpConnect(url);
  try {
    const ch = await c.createChannel();
    await ch.assertExchange(exchange, 'topic', { durable: true });
    await ch.assertQueue(queue, { durable: true });
    await ch.bindQueue(queue, exchange, '#');
  } finally {
    await c.close();
  }
}

export async function amqpCount(url: string, queue: string): Promise<number> {
  const c = await amqpConnect(url);
  try {
    return (await (await c.createChannel()).checkQueue(queue)).messageCount;
  } finally {
    await c.close();
  }
}

/** Takes every message of the queue (in queue order) with its routing key, and deletes the queue and exchange. */
export async function amqpDrain(
  url: string,
  exchange: string,
  queue: string,
): Promise<{ event: CloudEvent; routingKey: string; messageId: string }[]> {
  const c = await amqpConnect(url);
  try {
    const ch = await c.createChannel();
    const out: { event: CloudEvent; routingKey: string; messageId: string }[] = [];
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (!m) break;
      out.push({
        event: JSON.parse(m.content.toString('utf8')) as CloudEvent,
        routingKey: m.fields.routingKey,
        messageId: String(m.properties.messageId),
      });
    }
    await ch.deleteQueue(queue);
    await ch.deleteExchange(exchange);
    return out;
  } finally {
    await c.close();
  }
}

/** Deletes a queue and its exchange (after a failed run too). */
export async function amqpDelete(url: string, exchange: string, queue: string): Promise<void> {
  const c = await amqpConnect(url);
  try {
    const ch = await c.createChannel();
    await ch.deleteQueue(queue);
    await ch.deleteExchange(exchange);
  } finally {
    await c.close().catch(() => undefined);
  }
}
