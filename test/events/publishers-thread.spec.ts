/**
 * What keeps the publishers' thread off the append path: its priority below the api's threads, and
 * RabbitMQ batches leaving in a few socket writes rather than one per message.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryEventStore } from '@patent-ledger/eventsourcing';
import { AmqpSink, Relay, type CheckpointStore } from '@patent-ledger/publishers';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { PublisherThread } from '../../apps/api/src/events/publisher-thread';
import { appendRoundRobin, checkDelivery } from '../../libs/publishers/src/testing/events';
import { AMQP_TEST_URL, describeWithBrokers } from '../support/brokers';
import { amqpDelete, amqpDrain, amqpQueue } from './support';

/** The nice value of each thread of this process (Linux). */
function niceByThread(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis: state is the first, nice the 17th.
    out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return out;
}

const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('the publishers thread', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'publisher-thread-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs at a lower priority than the api: nice 10, the api’s threads unchanged', async () => {
    // Given a store file and the api's threads at their priority
    const dbFile = join(dir, 'ledger.db');
    await SqliteEventStore.open(dbFile).close();
    const before = niceByThread();
    // When the publishers' thread starts
    const thread = new PublisherThread({
      dbFile,
      stateFile: join(dir, 'publishers.db'),
      source: 'urn:test',
      pokeDelayMs: 5,
    });
    await thread.start();
    try {
      const after = niceByThread();
      // Then exactly one new thread runs at nice 10, and no thread that was there changed
      const lowered = [...after].filter(([tid, nice]) => !before.has(tid) && nice === 10);
      expect(lowered).toHaveLength(1);
      for (const [tid, nice] of before) if (after.has(tid)) expect(after.get(tid)).toBe(nice);
    } finally {
      await thread.stop();
    }
  });
});

class MemoryCheckpoints implements CheckpointStore {
  readonly values = new Map<string, number>();
  async get(name: string) {
    return this.values.get(name);
  }
  async set(name: string, position: number) {
    this.values.set(name, position);
  }
}

describeWithBrokers('RabbitMQ publisher writes', { brokers: ['amqp'] }, () => {
  const exchange = `test.coalesce.${process.pid}`;
  const queue = `test-coalesce-${process.pid}`;
  afterAll(() => amqpDelete(AMQP_TEST_URL, exchange, queue).catch(() => undefined));

  it('a batch of 300 events leaves in a few socket writes, every event once and in order', async () => {
    // Given 300 events in the log and a durable queue bound to the exchange
    const store = new MemoryEventStore();
    await appendRoundRobin(store, 300, 7);
    await amqpQueue(AMQP_TEST_URL, exchange, queue);
    const sink = new AmqpSink({ url: AMQP_TEST_URL, exchange });
    const relay = new Relay(store, new MemoryCheckpoints(), sink, { name: 'amqp', source: 'urn:test' });
    // When the relay publishes them, counting the socket writes of the process
    const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...a: unknown[]) => void>;
    const write = jest.spyOn(proto, '_write');
    const writev = jest.spyOn(proto, '_writev');
    let writes: number;
    try {
      await relay.drain(new AbortController().signal);
    } finally {
      writes = write.mock.calls.length + writev.mock.calls.length;
      write.mockRestore();
      writev.mockRestore();
      await sink.close();
    }
    // Then far fewer writes than messages went out, and the queue holds each event once, in order
    expect(writes).toBeLessThan(60);
    const got = await amqpDrain(AMQP_TEST_URL, exchange, queue);
    const ids = new Set((await store.readAll({ limit: 1000 })).map((e) => e.metadata.eventId));
    expect(
      checkDelivery(
        got.map((m) => m.event),
        ids,
      ),
    ).toEqual({
      duplicates: 0,
      missing: [],
      unexpected: [],
      outOfOrder: [],
    });
    expect(got.map((m) => m.event.position)).toEqual([...Array(300).keys()].map((i) => i + 1));
  });
});
