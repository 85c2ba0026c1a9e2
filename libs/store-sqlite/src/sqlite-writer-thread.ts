/** Entry of the default writer thread of a ThreadedSqliteEventStore (see sqlite-writer.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { serveSqliteWriter, type WriterThreadData } from './sqlite-writer';

if (!parentPort) throw new Error('sqlite-writer-thread must run in a worker thread');
serveSqliteWriter(parentPort, workerData as WriterThreadData);

/** Names this module for type-only imports, which keep it in every compilation that starts the thread. */
export type SqliteWriterThreadModule = 'sqlite-writer-thread';
