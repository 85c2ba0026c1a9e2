/**
 * Worker-thread entry of the broker publishers (see publisher-thread.ts): the NATS JetStream and
 * RabbitMQ relays, reading the log on a read-only connection of their own, so their reads, envelopes,
 * JSON and broker I/O stay off the api's event loop and its append path.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  AmqpSink,
  NatsJetStreamSink,
  PublisherState,
  Relay,
  SharedLogReader,
  type Sink,
} from '@patent-ledger/publishers';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { niceThisThread } from '../common/thread-priority';
import type { PublisherThreadData, ToPublisherThread } from './publisher-thread';

const data = workerData as PublisherThreadData;
/** How often the published counts go to the api's thread (its metrics), ms. */
const REPORT_INTERVAL_MS = 100;
/** The thread's nice value (0: as the api; 19: lowest) unless PublisherThreadData says otherwise. */
const PUBLISHER_NICENESS = 10;
const port = parentPort!;
// This thread only (Linux: a thread is a task of its own) yields the CPU to the api's threads — its
// appends and requests — when the CPU is contended: the events wait a little, the appends do not.
niceThisThread(data.niceness ?? PUBLISHER_NICENESS);
const store = SqliteEventStore.open(data.dbFile, { readonly: true });
const state = PublisherState.open(data.stateFile);
const sinks: [string, Sink][] = [];
if (data.nats) sinks.push(['nats', new NatsJetStreamSink(data.nats)]);
if (data.amqp) sinks.push(['amqp', new AmqpSink(data.amqp)]);
// Both relays read the log through one reader: a batch is queried, decoded and enveloped once.
const reader = new SharedLogReader(store);
/** Published counts not yet reported to the api's thread: one message per interval, not per batch. */
const unreported = new Map<string, number>();
let reportTimer: NodeJS.Timeout | undefined;
function report(): void {
  if (reportTimer) clearTimeout(reportTimer);
  reportTimer = undefined;
  for (const [name, count] of unreported) port.postMessage({ type: 'published', name, count });
  unreported.clear();
}
const relays = sinks.map(
  ([name, sink]) =>
    new Relay(reader, state, sink, {
      name,
      source: data.source,
      pokeDelayMs: data.pokeDelayMs,
      ...(data.pollIntervalMs !== undefined ? { pollIntervalMs: data.pollIntervalMs } : {}),
      onError: (message) => port.postMessage({ type: 'error', message }),
      onPublished: (events) => {
        unreported.set(name, (unreported.get(name) ?? 0) + events.length);
        reportTimer ??= setTimeout(report, REPORT_INTERVAL_MS);
      },
    }),
);
for (const r of relays) r.start();

port.on('message', (m: ToPublisherThread) => {
  switch (m.type) {
    case 'poke':
      for (const r of relays) r.poke();
      return;
    case 'status':
      void Promise.all(relays.map((r) => r.status())).then((statuses) =>
        port.postMessage({ type: 'status', id: m.id, statuses }),
      );
      return;
    case 'stop':
      void (async () => {
        await Promise.all(relays.map((r) => r.stop()));
        report();
        await Promise.all(relays.map((r) => r.sink.close().catch(() => undefined)));
        state.close();
        await store.close();
        port.postMessage({ type: 'stopped' });
      })();
      return;
  }
});
port.postMessage({ type: 'ready' });
