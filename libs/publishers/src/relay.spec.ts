import { MemoryEventStore } from '@patent-ledger/eventsourcing';
import { Relay, SharedLogReader, type CheckpointStore, type OutgoingEvent, type Sink } from './relay';
import { appendRoundRobin, checkDelivery, testEvent } from './testing/events';

class MemoryCheckpoints implements CheckpointStore {
  readonly values = new Map<string, number>();
  async get(name: string) {
    return this.values.get(name);
  }
  async set(name: string, position: number) {
    this.values.set(name, position);
  }
}

/** A broker that accepts a prefix of a batch and then fails while `down` is true. */
class FlakySink implements Sink {
  readonly name = 'flaky';
  readonly received: OutgoingEvent['envelope'][] = [];
  down = false;
  failures = 0;
  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    for (const [i, e] of events.entries()) {
      if (this.down && i >= 2) {
        this.failures++;
        throw new Error('broker unavailable');
      }
      this.received.push(e.envelope);
    }
  }
  async close(): Promise<void> {}
}

const until = async (cond: () => boolean | Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 2000 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 5));
  if (!(await cond())) throw new Error('condition not reached');
};

describe('Relay: a checkpointed publisher of the log', () => {
  it('a broker outage mid-stream delays events but loses none and keeps each stream in order', async () => {
    const store = new MemoryEventStore();
    const checkpoints = new MemoryCheckpoints();
    const sink = new FlakySink();
    const relay = new Relay(store, checkpoints, sink, {
      name: 'flaky',
      source: 'urn:test',
      batchSize: 7,
      pollIntervalMs: 5,
      backoff: { initialMs: 1, maxMs: 5 },
    });
    relay.start();
    await appendRoundRobin(store, 30, 4, 'a');
    sink.down = true;
    await appendRoundRobin(store, 30, 4, 'b');
    await until(() => sink.failures >= 3);
    expect((await relay.status()).state).toBe('retrying');
    sink.down = false;
    const head = await appendRoundRobin(store, 30, 4, 'c');
    await until(async () => checkpoints.values.get('flaky') === head);
    await relay.stop();

    const all = await store.readAll({ limit: 1000 });
    const report = checkDelivery(sink.received, new Set(all.map((e) => e.metadata.eventId)));
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.outOfOrder).toEqual([]);
    // The failed batches' accepted prefixes were offered again: copies, dropped by id.
    expect(report.duplicates).toBeGreaterThan(0);
  });

  it('resumes from its checkpoint: a new relay sends only what the last one had not had confirmed', async () => {
    const store = new MemoryEventStore();
    const checkpoints = new MemoryCheckpoints();
    await appendRoundRobin(store, 10, 2);
    const first = new FlakySink();
    await new Relay(store, checkpoints, first, { name: 'r', source: 'urn:test' }).drain(
      new AbortController().signal,
    );
    expect(first.received).toHaveLength(10);
    await appendRoundRobin(store, 5, 2, 'more');
    const second = new FlakySink();
    await new Relay(store, checkpoints, second, { name: 'r', source: 'urn:test' }).drain(
      new AbortController().signal,
    );
    expect(second.received.map((e) => e.position)).toEqual([11, 12, 13, 14, 15]);
  });

  it('wraps each event in a CloudEvents 1.0 envelope with a stable id and the patent as subject', async () => {
    const store = new MemoryEventStore();
    await appendRoundRobin(store, 1, 1);
    const sink = new FlakySink();
    await new Relay(store, new MemoryCheckpoints(), sink, { name: 'r', source: 'urn:patent-ledger' }).drain(
      new AbortController().signal,
    );
    const [stored] = await store.readAll();
    expect(sink.received[0]).toEqual({
      specversion: '1.0',
      id: stored!.metadata.eventId,
      source: 'urn:patent-ledger',
      type: 'cn.patent-ledger.PublisherTestEvent',
      time: stored!.metadata.recordedAt,
      subject: 'P0',
      datacontenttype: 'application/json',
      data: { n: 0 },
      position: 1,
      stream: 'patent-P0',
      streamversion: 1,
      correlationid: 'rr-0',
      schemaversion: 1,
    });
  });

  it('relays sharing a log reader read each batch once, get the same envelopes and miss nothing', async () => {
    // Given two relays following one store through a SharedLogReader, and a store that counts reads
    const store = new MemoryEventStore();
    let reads = 0;
    const counted = {
      readAll: (o?: Parameters<MemoryEventStore['readAll']>[0]) => (reads++, store.readAll(o)),
      headPosition: () => store.headPosition(),
    };
    const reader = new SharedLogReader(counted);
    const checkpoints = new MemoryCheckpoints();
    const [a, b] = [new FlakySink(), new FlakySink()];
    const relay = (sink: Sink, name: string) =>
      new Relay(reader, checkpoints, sink, { name, source: 'urn:test', batchSize: 4 });
    const [ra, rb] = [relay(a, 'a'), relay(b, 'b')];
    const signal = new AbortController().signal;
    // When both drain 10 events in batches of 4
    await appendRoundRobin(store, 10, 3);
    await ra.drain(signal);
    await rb.drain(signal);
    // Then the store was read 3 times for the batches plus once per relay for the end of the log
    expect(reads).toBe(5);
    expect(b.received).toHaveLength(10);
    b.received.forEach((e, i) => expect(e).toBe(a.received[i]));
    // When the first relay reads a batch of 3, 2 more are appended, and the second relay follows
    await appendRoundRobin(store, 3, 3, 'more');
    await ra.drain(signal);
    const head = await appendRoundRobin(store, 2, 3, 'last');
    await rb.drain(signal);
    await ra.drain(signal);
    // Then both got every event once and in order, and both checkpoints are at the head
    const ids = new Set((await store.readAll({ limit: 100 })).map((e) => e.metadata.eventId));
    for (const sink of [a, b])
      expect(checkDelivery(sink.received, ids)).toEqual({
        duplicates: 0,
        missing: [],
        unexpected: [],
        outOfOrder: [],
      });
    expect([checkpoints.values.get('a'), checkpoints.values.get('b')]).toEqual([head, head]);
  });

  it('relays woken together share the reads in flight', async () => {
    // Given two relays on one SharedLogReader and a store that counts reads
    const store = new MemoryEventStore();
    const reads: number[] = [];
    const reader = new SharedLogReader({
      readAll: (o?: Parameters<MemoryEventStore['readAll']>[0]) => (
        reads.push(o?.after ?? 0),
        store.readAll(o)
      ),
      headPosition: () => store.headPosition(),
    });
    const checkpoints = new MemoryCheckpoints();
    const [a, b] = [new FlakySink(), new FlakySink()];
    const relay = (sink: Sink, name: string) =>
      new Relay(reader, checkpoints, sink, { name, source: 'urn:test', batchSize: 4 });
    await appendRoundRobin(store, 10, 3);
    // When both drain at the same time
    const signal = new AbortController().signal;
    await Promise.all([relay(a, 'a').drain(signal), relay(b, 'b').drain(signal)]);
    // Then each batch was read once (the end of the log once or twice: empty reads are not kept)
    expect(reads.filter((after) => after < 10)).toEqual([0, 4, 8]);
    expect(a.received.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(b.received).toEqual(a.received);
  });

  it('publishes no event of user accounts or the denied-access log', async () => {
    const store = new MemoryEventStore();
    await appendRoundRobin(store, 2, 1);
    await store.append('user-tto-wang', [testEvent('u-1')], { expectedVersion: 'any' });
    await store.append('accessDenials-2026-12-03', [testEvent('d-1')], { expectedVersion: 'any' });
    const sink = new FlakySink();
    const checkpoints = new MemoryCheckpoints();
    await new Relay(store, checkpoints, sink, { name: 'r', source: 'urn:test' }).drain(
      new AbortController().signal,
    );
    expect(sink.received.map((e) => e.stream)).toEqual(['patent-P0', 'patent-P0']);
    expect(checkpoints.values.get('r')).toBe(4);
  });
});
