/**
 * The ledger thread of the api on SQLite (LEDGER_SQLITE_WRITER=thread): the store's writer thread,
 * which also executes the ledger's commands (load, decide, append) on its own connection — so the
 * request thread only parses, validates and answers, and a commit's fsync never holds it up.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveSqliteWriter, type WriterThreadData } from '@patent-ledger/store-sqlite';
import { LedgerExecutor } from './execute';
import { executeObserved, forwardCommitTimings, type ObservedCommand } from '../observability/thread-metrics';

if (!parentPort) throw new Error('ledger-thread must run in a worker thread');
serveSqliteWriter(parentPort, workerData as WriterThreadData, (store) => {
  const executor = new LedgerExecutor(store);
  forwardCommitTimings();
  return (payload) => executeObserved(executor, payload as ObservedCommand);
});

/** Names this module for type-only imports, which keep it in every compilation that starts the thread. */
export type LedgerThreadModule = 'ledger-thread';
