/**
 * The server side of a ThreadedSqliteEventStore: in a worker thread, owns the connection that writes
 * (appends and chain heads) and answers each request once its transaction has committed with the
 * store's durability setting — so the commit's fsync waits there, not in the thread that serves
 * requests. Appends that arrive together are committed together (the store's group commit). A thread
 * may add its own requests (`call`), answered by `extension`, on the same connection.
 */
import type { MessagePort } from 'node:worker_threads';
import { serializeError, type SerializedError } from '@patent-ledger/eventsourcing';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store';
import type { WriterReply, WriterRequest } from './threaded-sqlite-event-store';

export interface WriterThreadData {
  file: string;
  options: SqliteEventStoreOptions;
}

/** Answers a `call` request of the thread's own kind. */
export type WriterExtension = (payload: unknown) => Promise<unknown>;

/**
 * Opens the store of `data` and serves the writer protocol on `port` until a `close` request. If the
 * store cannot open, reports `fatal` and closes the port. `extend` builds the handler of `call`
 * requests from the open store.
 */
export function serveSqliteWriter(
  port: MessagePort,
  data: WriterThreadData,
  extend?: (store: SqliteEventStore) => WriterExtension,
): void {
  let store: SqliteEventStore;
  let extension: WriterExtension | undefined;
  try {
    store = SqliteEventStore.open(data.file, data.options);
    extension = extend?.(store);
  } catch (err) {
    port.postMessage({ type: 'fatal', error: serializeError(err) } satisfies WriterReply);
    port.close();
    return;
  }
  port.postMessage({ type: 'ready' } satisfies WriterReply);
  // Writes under way (a group commit may still be waiting for its turn): close() waits for them.
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const done = (): void => void inFlight.delete(p);
    p.then(done, done);
    return p;
  };
  const fail = (id: number, err: unknown): void =>
    port.postMessage({ type: 'error', id, error: serializeError(err) } satisfies WriterReply);
  port.on('message', (m: WriterRequest) => {
    switch (m.type) {
      case 'append':
        track(store.append(m.streamName, m.events, m.options)).then(
          (result) => port.postMessage({ type: 'appended', id: m.id, result } satisfies WriterReply),
          (err: unknown) => fail(m.id, err),
        );
        return;
      case 'appendMany':
        track(store.appendMany(m.requests)).then(
          (results) =>
            port.postMessage({
              type: 'appendedMany',
              id: m.id,
              results: results.map((r) =>
                r.ok ? r : { ok: false as const, error: serializeError(r.error) as SerializedError },
              ),
            } satisfies WriterReply),
          (err: unknown) => fail(m.id, err),
        );
        return;
      case 'appendChainHead':
        track(store.appendChainHead(m.head)).then(
          () => port.postMessage({ type: 'done', id: m.id } satisfies WriterReply),
          (err: unknown) => fail(m.id, err),
        );
        return;
      case 'call': {
        if (!extension) {
          fail(m.id, new Error('this writer thread answers no calls'));
          return;
        }
        let answer: Promise<unknown>;
        try {
          answer = extension(m.payload);
        } catch (err) {
          answer = Promise.reject(err);
        }
        track(answer).then(
          (value) => port.postMessage({ type: 'called', id: m.id, value } satisfies WriterReply),
          (err: unknown) => fail(m.id, err),
        );
        return;
      }
      case 'close':
        Promise.allSettled([...inFlight])
          .then(() => store.close())
          .then(
            () => {
              port.postMessage({ type: 'closed' } satisfies WriterReply);
              port.close();
            },
            (err: unknown) => {
              port.postMessage({ type: 'fatal', error: serializeError(err) } satisfies WriterReply);
              port.close();
            },
          );
        return;
    }
  });
}
