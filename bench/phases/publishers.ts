/**
 * Publishers, run as the api runs them on the SQLite store: the NATS JetStream and RabbitMQ relays in
 * the publishers' thread (apps/api/src/events PublisherThread: its own read-only connection, the
 * api's LEDGER_PUBLISHER_DELAY_MS window and poll interval, checkpoints in a publishers' database),
 * the appends committed by the writer thread (synchronous=FULL, group commit) and issued from this
 * thread, which wakes the publishers after every append as the api's notifier does.
 *
 * Figures, for NATS, RabbitMQ and both: throughput (the thread drains N events already in the log,
 * broker-confirmed), end-to-end latency from the start of an append to the consumer receiving the
 * event (p50/p99), and what the publishers cost the append path: per-stream appends (10 events) with
 * the thread following, against the same appends with no publisher, alternating in blocks against the
 * same store, so drift hits both alike.
 * Brokers: BENCH_NATS_URL (default nats://127.0.0.1:4222) and BENCH_AMQP_URL (amqp://guest:guest@127.0.0.1:5672).
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { connect as amqpConnect } from 'amqplib';
import { connect as natsConnect } from 'nats';
import { deterministicEventId, type EventStore, type NewEvent } from '@patent-ledger/eventsourcing';
import type { RelayStatus } from '@patent-ledger/publishers';
import { SqliteEventStore, ThreadedSqliteEventStore } from '@patent-ledger/store-sqlite';
import { PublisherThread, type PublisherThreadData } from '../../apps/api/src/events/publisher-thread';
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
/** The api's defaults: LEDGER_PUBLISHER_DELAY_MS, and the relays' poll interval (not configured). */
/** The api's LEDGER_PUBLISHER_DELAY_MS default (diagnostics: BENCH_PUBLISHER_DELAY_MS sets another). */
const POKE_DELAY_MS = Number(process.env['BENCH_PUBLISHER_DELAY_MS'] ?? 5);
const SOURCE = 'urn:bench';

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
  /** The publishers' thread settings of this broker, for destination `tag`. */
  settings: (tag: string) => Pick<PublisherThreadData, 'nats' | 'amqp'>;
  /** Calls `onEvent(id)` for every event the broker delivers to a consumer of `tag`'s destination. */
  consume: (tag: string, onEvent: (id: string) => void) => Promise<() => Promise<void>>;
  cleanup: (tag: string) => Promise<void>;
}

const brokers: Broker[] = [
  {
    name: 'NATS JetStream',
    settings: (tag) => ({ nats: { url: NATS_URL, stream: `BENCH_${tag}`, subjectPrefix: `bench.${tag}` } }),
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
    settings: (tag) => ({ amqp: { url: AMQP_URL, exchange: `bench.${tag}` } }),
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

const names = (set: Broker[]): string => set.map((b) => b.name).join(' and ');
const load = (): string =>
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The publishers' thread for `set`, as the api configures it (publisher-host.ts). */
function publisherThread(
  set: Broker[],
  tag: string,
  dbFile: string,
  stateFile: string,
  onPublished?: (name: string, count: number) => void,
): PublisherThread {
  const data: PublisherThreadData = { dbFile, stateFile, source: SOURCE, pokeDelayMs: POKE_DELAY_MS };
  for (const b of set) Object.assign(data, b.settings(tag));
  return new PublisherThread(data, {
    ...(onPublished ? { onPublished } : {}),
    onError: (m) => log(`publishers' thread: ${m}`),
  });
}

/** Waits until every relay of the thread has its checkpoint at `head` (the untimed catch-up). */
async function caughtUp(thread: PublisherThread, relays: number, head: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const s: RelayStatus[] = await thread.status();
    if (s.length === relays && s.every((r) => r.position >= head)) return;
    if (Date.now() > deadline) throw new Error(`publishers did not catch up: ${JSON.stringify(s)}`);
    await sleep(10);
  }
}

async function throughput(set: Broker[], args: PublishersArgs, tag: string): Promise<Row> {
  const dbFile = join(args.dir, `throughput-${tag}.db`);
  const store = SqliteEventStore.open(dbFile, { synchronous: 'NORMAL' });
  await fill(store, tag, args.events);
  const published = new Map<string, number>();
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const thread = publisherThread(set, tag, dbFile, join(args.dir, `throughput-${tag}-state.db`), (n, c) => {
    published.set(n, (published.get(n) ?? 0) + c);
    if (published.size === set.length && [...published.values()].every((v) => v >= args.events)) done();
  });
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await thread.start();
  await all;
  const seconds = (now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await thread.stop();
  await store.close();
  for (const b of set) await b.cleanup(tag);
  return row({
    store: STORE,
    phase: 'publishers',
    name: `publisher throughput to ${names(set)} (${args.events.toLocaleString('en-US')} events${set.length > 1 ? ' to each' : ''}, publishers' thread, batches of 500, confirmed)`,
    value: round(args.events / seconds),
    unit: 'events/s',
    note: `process CPU ${round((cpu.user + cpu.system) / 1000 / (seconds * 1000), 2)} cores while draining; ${load()}`,
  });
}

async function latency(set: Broker[], args: PublishersArgs, tag: string): Promise<Row[]> {
  const dbFile = join(args.dir, `latency-${tag}.db`);
  const store = await ThreadedSqliteEventStore.open(dbFile);
  const started = new Map<string, number>();
  const samples = set.map(() => [] as number[]);
  const stops = await Promise.all(
    set.map((b, k) =>
      b.consume(tag, (id) => {
        const t = started.get(id);
        if (t !== undefined) samples[k]!.push(now() - t);
      }),
    ),
  );
  const thread = publisherThread(set, tag, dbFile, join(args.dir, `latency-${tag}-state.db`));
  await thread.start();
  for (let i = 0; i < args.latencyEvents; i++) {
    const e = event(tag, i);
    started.set(e.metadata.eventId, now());
    await store.append(`patent-L${i % 100}`, [e], { expectedVersion: 'any' });
    thread.poke();
    await sleep(2);
  }
  const deadline = Date.now() + 30_000;
  while (samples.some((s) => s.length < args.latencyEvents) && Date.now() < deadline) await sleep(20);
  await thread.stop();
  for (const stop of stops) await stop();
  await store.close();
  for (const b of set) await b.cleanup(tag);
  return set.map((b, k) => {
    const s = summarize(samples[k]!);
    return row({
      store: STORE,
      phase: 'publishers',
      name: `append → delivery to a ${b.name} consumer${set.length > 1 ? ` (${names(set)} publishing)` : ''}, p50 ${round(s.p50, 2)} ms (${samples[k]!.length} of ${args.latencyEvents} events, one append every ~2 ms, publishers' thread, ${POKE_DELAY_MS} ms window)`,
      value: round(s.p99, 2),
      unit: 'ms p99',
      note: load(),
    });
  });
}

/** Per-stream appends of 10 events, one at a time, waking `thread` after each. Returns appends/s. */
async function appendRun(
  store: EventStore,
  tag: string,
  count: number,
  thread?: PublisherThread,
): Promise<{ rate: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = now();
  for (let i = 0; i < count; i++) {
    const events = Array.from({ length: 10 }, (_, j) => event(`${tag}-${i}`, j));
    await store.append(`patent-A${tag}-${i}`, events, { expectedVersion: 'no_stream' });
    thread?.poke();
  }
  const seconds = (now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rate: count / seconds, cpu: (cpu.user + cpu.system) / 1e6 / seconds };
}

/** Appends per timed block of the append-path figure: short blocks, so bursts of other load hit few. */
const BLOCK = 250;

async function appendPath(args: PublishersArgs, set: Broker[], tag: string): Promise<Row> {
  const dbFile = join(args.dir, `append-path-${tag}.db`);
  const store = await ThreadedSqliteEventStore.open(dbFile);
  const thread = publisherThread(set, tag, dbFile, join(args.dir, `append-path-${tag}-state.db`));
  await appendRun(store, 'warm', Math.min(500, args.appends));
  // args.blocks × args.appends appends per side, in pairs of short blocks, off-on then on-off (so a
  // drift within a pair hits both sides alike). The thread is started (and catches up on what was
  // appended without it, untimed) before each on block and stopped after it.
  const pairs = Math.max(args.blocks, Math.round((args.blocks * args.appends) / BLOCK));
  const size = Math.max(1, Math.round((args.blocks * args.appends) / pairs));
  const ratios: number[] = [];
  const time = { on: 0, off: 0 };
  const cpu = { on: 0, off: 0 };
  // An off block starts after a pause as long as the last catch-up, as an on block does.
  let pause = 0;
  for (let pair = 0; pair < pairs; pair++) {
    const rates = { on: 0, off: 0 };
    for (const side of pair % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      if (side === 'on') {
        const t0 = now();
        await thread.start();
        await caughtUp(thread, set.length, await store.headPosition());
        pause = now() - t0;
      } else await sleep(pause);
      const r = await appendRun(store, `${side}${pair}`, size, side === 'on' ? thread : undefined);
      if (side === 'on') await thread.stop();
      // Lets the stopped thread's teardown finish outside the next block.
      await sleep(50);
      rates[side] = r.rate;
      time[side] += size / r.rate;
      cpu[side] += r.cpu * (size / r.rate);
    }
    ratios.push(rates.on / rates.off);
    if ((pair + 1) % Math.max(1, Math.round(pairs / 4)) === 0)
      log(
        `publishers: append path with ${names(set)}, pair ${pair + 1}/${pairs}: off ${round(rates.off)}, on ${round(rates.on)} appends/s (${round(rates.on / rates.off, 3)}); ${load()}`,
      );
  }
  await store.close();
  for (const b of set) await b.cleanup(tag);
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const total = pairs * size;
  return row({
    store: STORE,
    phase: 'publishers',
    name: `per-stream appends (10 events, writer thread) with the ${names(set)} publishers following in their thread (${POKE_DELAY_MS} ms window; ${pairs} × ${size} appends per side)`,
    value: round(total / time.on),
    unit: 'appends/s',
    baseline: 'the same appends with no publisher, alternating blocks, same store',
    baselineValue: round(total / time.off),
    target: { kind: 'ratioAtLeast', value: 0.95 },
    note: `median on/off of the ${pairs} pairs ${round(median, 3)} (quartiles ${round(sorted[Math.floor(pairs / 4)]!, 3)}–${round(sorted[Math.floor((3 * pairs) / 4)]!, 3)}); process CPU on ${round(cpu.on / time.on, 2)} cores, off ${round(cpu.off / time.off, 2)}; ${load()}`,
  });
}

export async function publishersPhase(args: PublishersArgs): Promise<void> {
  const rows: Row[] = [];
  const usable: Broker[] = [];
  for (const b of brokers) {
    const why = await reachable(b);
    if (why) rows.push(skipped(STORE, 'publishers', `publisher throughput to ${b.name}`, 'events/s', why));
    else usable.push(b);
  }
  // Each publisher alone, then both.
  const sets = usable.length > 1 ? [...usable.map((b) => [b]), usable] : usable.map((b) => [b]);
  for (const [k, set] of sets.entries()) {
    const tag = `p${process.pid}s${k}`;
    log(`publishers: ${names(set)} throughput, ${args.events} events; ${load()}`);
    rows.push(await throughput(set, args, `${tag}t`));
    log(`publishers: ${names(set)} end-to-end latency, ${args.latencyEvents} events; ${load()}`);
    rows.push(...(await latency(set, args, `${tag}l`)));
    log(`publishers: ${names(set)} append path; ${load()}`);
    rows.push(await appendPath(args, set, `${tag}a`));
  }
  emit(rows);
}
