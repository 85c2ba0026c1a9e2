/**
 * Publishers: throughput of a checkpointed relay from the log to NATS JetStream and to RabbitMQ
 * (publisher confirms), end-to-end latency from the start of an append to the consumer receiving the
 * event (p50/p99), and what following the log costs the append path: per-stream appends (10 events,
 * SQLite FULL, group commit) with the NATS and RabbitMQ relays following and woken after every append,
 * against the same appends with no publisher — interleaved in blocks, so drift hits both alike.
 * Brokers: BENCH_NATS_URL (default nats://127.0.0.1:4222) and BENCH_AMQP_URL (amqp://guest:guest@127.0.0.1:5672).
 */
import { join } from 'node:path';
import { connect as amqpConnect } from 'amqplib';
import { connect as natsConnect } from 'nats';
import { deterministicEventId, type EventStore, type NewEvent } from '@patent-ledger/eventsourcing';
import { AmqpSink, NatsJetStreamSink, PublisherState, Relay, type Sink } from '@patent-ledger/publishers';
import { SqliteEventStore, ThreadedSqliteEventStore } from '@patent-ledger/store-sqlite';
import { emit, log, now, round, row, skipped, summarize, type Row } from '../lib/common';

export interface PublishersArgs {
  dir: string;
  /** Events for the throughput figures. */
  events: number;
  /** Events, one append at a time, for the latency figures. */
  latencyEvents: number;
  /** Appends per side and block for the append-path figure, and the number of blocks. */
  appends: number;
  blocks: number;
}

const NATS_URL = process.env['BENCH_NATS_URL'] || 'nats://127.0.0.1:4222';
const AMQP_URL = process.env['BENCH_AMQP_URL'] || 'amqp://guest:guest@127.0.0.1:5672';
const STORE = 'sqlite FULL';

function event(tag: string, i: number): NewEvent {
  const commandId = `pub-${tag}-${i}`;
  return {
    type: 'EnterpriseEvaluated',
    data: {
      applicationNumber: `2018100${String(i % 10_000).padStart(5, '0')}.1`,
      evaluationId: `ev-${i}`,
      enterpriseId: `ent-${i % 997}`,
      enterpriseName: '山西煤基新材料有限公司',
      enterpriseCategory: 'specialized-sme',
      industrializationProspect: 1 + (i % 5),
      improvementNeeds: { level: 'pilot-needed', notes: '需中试验证烧结工艺' },
      cooperationWillingness: 'license',
      occurredOn: '2024-05-10',
    },
    metadata: {
      eventId: deterministicEventId(commandId, 0),
      commandId,
      correlationId: commandId,
      causationId: commandId,
      actor: { role: 'enterprise', orgId: 'sx-coal', userId: 'bench' },
      recordedAt: new Date().toISOString(),
      schemaVersion: 1,
    },
  };
}

async function fill(store: EventStore, tag: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    const requests = [];
    for (let j = i; j < Math.min(count, i + 1000); j++)
      requests.push({
        streamName: `patent-B${j % 5000}`,
        events: [event(tag, j)],
        options: { expectedVersion: 'any' as const },
      });
    await store.appendMany(requests);
  }
}

interface Broker {
  name: 'NATS JetStream' | 'RabbitMQ';
  sink: (tag: string) => Sink;
  /** Calls `onEvent(id)` for every event the broker delivers to a consumer of `tag`'s destination. */
  consume: (tag: string, onEvent: (id: string) => void) => Promise<() => Promise<void>>;
  cleanup: (tag: string) => Promise<void>;
}

const brokers: Broker[] = [
  {
    name: 'NATS JetStream',
    sink: (tag) =>
      new NatsJetStreamSink({ url: NATS_URL, stream: `BENCH_${tag}`, subjectPrefix: `bench.${tag}` }),
    consume: async (tag, onEvent) => {
      const nc = await natsConnect({ servers: NATS_URL });
      const sub = nc.subscribe(`bench.${tag}.>`);
      void (async () => {
        for await (const m of sub)
          onEvent((JSON.parse(new TextDecoder().decode(m.data)) as { id: string }).id);
      })();
      await nc.flush();
      return async () => {
        sub.unsubscribe();
        await nc.close();
      };
    },
    cleanup: async (tag) => {
      const nc = await natsConnect({ servers: NATS_URL });
      await (await nc.jetstreamManager()).streams.delete(`BENCH_${tag}`).catch(() => undefined);
      await nc.close();
    },
  },
  {
    name: 'RabbitMQ',
    sink: (tag) => new AmqpSink({ url: AMQP_URL, exchange: `bench.${tag}` }),
    consume: async (tag, onEvent) => {
      const c = await amqpConnect(AMQP_URL);
      const ch = await c.createChannel();
      await ch.assertExchange(`bench.${tag}`, 'topic', { durable: true });
      const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
      await ch.bindQueue(q.queue, `bench.${tag}`, '#');
      await ch.consume(q.queue, (m) => m && onEvent(String(m.properties.messageId)), { noAck: true });
      return async () => {
        await c.close();
      };
    },
    cleanup: async (tag) => {
      const c = await amqpConnect(AMQP_URL);
      const ch = await c.createChannel();
      await ch.deleteExchange(`bench.${tag}`).catch(() => undefined);
      await c.close().catch(() => undefined);
    },
  },
];

async function reachable(b: Broker): Promise<string | undefined> {
  const tag = `probe${process.pid}`;
  try {
    const stop = await b.consume(tag, () => undefined);
    await stop();
    await b.cleanup(tag);
    return undefined;
  } catch (err) {
    return `${b.name} unreachable (${(err as Error).message}); set BENCH_NATS_URL / BENCH_AMQP_URL`;
  }
}

async function throughput(b: Broker, args: PublishersArgs, tag: string): Promise<Row> {
  const store = SqliteEventStore.open(join(args.dir, `throughput-${tag}.db`), { synchronous: 'NORMAL' });
  const state = PublisherState.open(join(args.dir, `throughput-${tag}-state.db`));
  await fill(store, tag, args.events);
  const relay = new Relay(store, state, b.sink(tag), { name: b.name, source: 'urn:bench' });
  const t0 = now();
  await relay.drain(new AbortController().signal);
  const seconds = (now() - t0) / 1000;
  await relay.sink.close();
  state.close();
  await store.close();
  await b.cleanup(tag);
  return row({
    store: STORE,
    phase: 'publishers',
    name: `publisher throughput to ${b.name} (${args.events.toLocaleString('en-US')} events, relay batches of 500, confirmed)`,
    value: round(args.events / seconds),
    unit: 'events/s',
  });
}

async function latency(b: Broker, args: PublishersArgs, tag: string): Promise<Row> {
  const store = await ThreadedSqliteEventStore.open(join(args.dir, `latency-${tag}.db`));
  const state = PublisherState.open(join(args.dir, `latency-${tag}-state.db`));
  const started = new Map<string, number>();
  const samples: number[] = [];
  const stop = await b.consume(tag, (id) => {
    const t = started.get(id);
    if (t !== undefined) samples.push(now() - t);
  });
  const relay = new Relay(store, state, b.sink(tag), {
    name: b.name,
    source: 'urn:bench',
    pokeDelayMs: POKE_DELAY_MS,
  });
  relay.start();
  for (let i = 0; i < args.latencyEvents; i++) {
    const e = event(tag, i);
    started.set(e.metadata.eventId, now());
    await store.append(`patent-L${i % 100}`, [e], { expectedVersion: 'any' });
    relay.poke();
    await new Promise((r) => setTimeout(r, 2));
  }
  const deadline = Date.now() + 30_000;
  while (samples.length < args.latencyEvents && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  await relay.stop();
  await relay.sink.close();
  await stop();
  state.close();
  await store.close();
  await b.cleanup(tag);
  const s = summarize(samples);
  return row({
    store: STORE,
    phase: 'publishers',
    name: `append → delivery to a ${b.name} consumer, p50 ${round(s.p50, 2)} ms (${samples.length} of ${args.latencyEvents} events, one append every ~2 ms, ${POKE_DELAY_MS} ms window)`,
    value: round(s.p99, 2),
    unit: 'ms p99',
  });
}

/** The api's default LEDGER_PUBLISHER_DELAY_MS. */
const POKE_DELAY_MS = 5;

/** Per-stream appends of 10 events, one at a time; `follow` is poked after each. Returns appends/s. */
async function appendRun(store: EventStore, tag: string, count: number, follow: Relay[]): Promise<number> {
  const t0 = now();
  for (let i = 0; i < count; i++) {
    const events = Array.from({ length: 10 }, (_, j) => event(`${tag}-${i}`, j));
    await store.append(`patent-A${tag}-${i}`, events, { expectedVersion: 'no_stream' });
    for (const r of follow) r.poke();
  }
  return count / ((now() - t0) / 1000);
}

async function appendPath(args: PublishersArgs, usable: Broker[]): Promise<Row> {
  // As in the api: appends committed by a writer thread, the publishers following in this thread.
  const tag = `ap${process.pid}x${usable.length}${usable[0]!.name.length}`;
  const store = await ThreadedSqliteEventStore.open(join(args.dir, `append-path-${tag}.db`));
  const state = PublisherState.open(join(args.dir, `append-path-${tag}-state.db`));
  const relays = usable.map(
    (b) =>
      new Relay(store, state, b.sink(`${tag}${b.name.length}`), {
        name: b.name,
        source: 'urn:bench',
        pokeDelayMs: POKE_DELAY_MS,
      }),
  );
  await appendRun(store, 'warm', Math.min(500, args.appends), []);
  let off = 0;
  let on = 0;
  for (let block = 0; block < args.blocks; block++) {
    off += await appendRun(store, `off${block}`, args.appends, []);
    // Untimed: the publishers catch up on the block without them, then follow the next one.
    for (const r of relays) await r.drain(new AbortController().signal);
    for (const r of relays) r.start();
    on += await appendRun(store, `on${block}`, args.appends, relays);
    await Promise.all(relays.map((r) => r.stop()));
    log(`publishers: append path block ${block + 1}/${args.blocks}`);
  }
  for (const r of relays) await r.sink.close();
  for (const b of usable) await b.cleanup(`${tag}${b.name.length}`);
  state.close();
  await store.close();
  return row({
    store: STORE,
    phase: 'publishers',
    name: `per-stream appends (10 events, writer thread) with the ${usable.map((b) => b.name).join(' and ')} publishers following (${POKE_DELAY_MS} ms window; ${args.blocks} × ${args.appends} appends)`,
    value: round(on / args.blocks),
    unit: 'appends/s',
    baseline: 'the same appends with no publisher',
    baselineValue: round(off / args.blocks),
    target: { kind: 'ratioAtLeast', value: 0.95 },
  });
}

export async function publishersPhase(args: PublishersArgs): Promise<void> {
  const rows: Row[] = [];
  const usable: Broker[] = [];
  for (const b of brokers) {
    const why = await reachable(b);
    if (why) {
      rows.push(skipped(STORE, 'publishers', `publisher throughput to ${b.name}`, 'events/s', why));
      continue;
    }
    usable.push(b);
    const tag = `${b.name === 'RabbitMQ' ? 'amqp' : 'nats'}${process.pid}`;
    log(`publishers: ${b.name} throughput, ${args.events} events`);
    rows.push(await throughput(b, args, `${tag}t`));
    log(`publishers: ${b.name} end-to-end latency, ${args.latencyEvents} events`);
    rows.push(await latency(b, args, `${tag}l`));
  }
  // The append path with each publisher alone, then with both.
  const sets = usable.length > 1 ? [...usable.map((b) => [b]), usable] : usable.length === 1 ? [usable] : [];
  for (const set of sets) rows.push(await appendPath(args, set));
  emit(rows);
}
