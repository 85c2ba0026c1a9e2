/**
 * A broker stopped and started again while the api publishes: nothing is lost and each stream stays in
 * order. Each suite runs a server of its own (nats-server with JetStream; a RabbitMQ node) so that it
 * can stop it without disturbing anything else on the machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '@patent-ledger/eventsourcing';
import { AppendNotifier } from '../../apps/api/src/events/notifier';
import { PublisherHost } from '../../apps/api/src/events/publisher-host';
import { EVENT_STORE } from '../../apps/api/src/ledger/tokens';
import { appendRoundRobin, checkDelivery } from '../../libs/publishers/src/testing/events';
import {
  describeWithBrokers,
  NATS_SERVER,
  ownNatsServer,
  ownRabbitNode,
  RABBITMQ_SERVER,
  type OwnServer,
} from '../support/brokers';
import { startHarness, type Harness } from '../e2e/harness';
import { amqpCount, amqpDrain, amqpQueue, eventually, natsCount, natsMessages } from './support';

async function append(h: Harness, count: number, prefix: string): Promise<void> {
  const store = h.app().get<EventStore>(EVENT_STORE);
  const notifier = h.app().get(AppendNotifier);
  for (let i = 0; i < count; i += 10) {
    await appendRoundRobin(store, Math.min(10, count - i), 7, `${prefix}-${i}`);
    notifier.notify();
  }
}

async function logged(h: Harness) {
  return (await h.app().get<EventStore>(EVENT_STORE).readAll({ limit: 100_000 })).filter(
    (e) => e.type === 'PublisherTestEvent',
  );
}

async function relayState(h: Harness, name: string) {
  return (await h.app().get(PublisherHost).status()).find((s) => s.name === name);
}

describeWithBrokers('NATS JetStream stopped and started mid-stream', { binaries: [NATS_SERVER] }, () => {
  let dir: string;
  let server: OwnServer;
  let h: Harness;
  const stream = 'PL_OUTAGE';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-nats-outage-'));
    server = await ownNatsServer(join(dir, 'js'));
    await server.start();
    h = await startHarness({
      env: { LEDGER_NATS_URL: server.url, LEDGER_NATS_STREAM: stream, LEDGER_REMINDER_DAYS: 'off' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing and keeps each stream in order', async () => {
    await append(h, 200, 'before');
    await eventually(
      'the first events are published',
      async () => (await natsCount(server.url, stream)) >= 200,
    );
    await server.stop();
    await append(h, 200, 'during');
    await eventually(
      'the publisher sees the outage',
      async () => ((await relayState(h, 'nats'))?.failures ?? 0) > 0,
    );
    expect((await relayState(h, 'nats'))?.lag).toBeGreaterThan(0);
    await server.start();
    await append(h, 100, 'after');
    const events = await logged(h);
    await eventually(
      'everything is published after the restart',
      async () => (await natsCount(server.url, stream)) >= events.length,
      90_000,
    );
    const received = await natsMessages(server.url, stream);
    expect(checkDelivery(received, new Set(events.map((e) => e.metadata.eventId)))).toEqual({
      duplicates: 0,
      missing: [],
      unexpected: [],
      outOfOrder: [],
    });
  }, 150_000);
});

describeWithBrokers('RabbitMQ stopped and started mid-stream', { binaries: [RABBITMQ_SERVER] }, () => {
  let dir: string;
  let node: OwnServer;
  let h: Harness;
  const exchange = 'pl-outage';
  const queue = 'pl-outage-q';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-amqp-outage-'));
    node = await ownRabbitNode(join(dir, 'rabbit'));
    await node.start();
    await eventually('the node accepts connections', () =>
      amqpQueue(node.url, exchange, queue).then(() => true),
    );
    h = await startHarness({
      env: { LEDGER_AMQP_URL: node.url, LEDGER_AMQP_EXCHANGE: exchange, LEDGER_REMINDER_DAYS: 'off' },
    });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing (confirmed messages are on disk) and keeps each stream in order', async () => {
    await append(h, 200, 'before');
    await eventually('the first events are confirmed', async () => (await amqpCount(node.url, queue)) >= 200);
    await node.stop();
    await append(h, 200, 'during');
    await eventually(
      'the publisher sees the outage',
      async () => ((await relayState(h, 'amqp'))?.failures ?? 0) > 0,
    );
    expect((await relayState(h, 'amqp'))?.lag).toBeGreaterThan(0);
    await node.start();
    await append(h, 100, 'after');
    const events = await logged(h);
    await eventually(
      'everything is confirmed after the restart',
      async () => (await amqpCount(node.url, queue)) >= events.length,
      90_000,
    );
    const received = await amqpDrain(node.url, exchange, queue);
    const report = checkDelivery(
      received.map((m) => m.event),
      new Set(events.map((e) => e.metadata.eventId)),
    );
    expect({ ...report, duplicates: 0 }).toEqual({
      duplicates: 0,
      missing: [],
      unexpected: [],
      outOfOrder: [],
    });
  }, 200_000);
});
