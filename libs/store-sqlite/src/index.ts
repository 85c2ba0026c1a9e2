export { SqliteEventStore } from './sqlite-event-store';
export type { SqliteEventStoreOptions } from './sqlite-event-store';
export * from './threaded-sqlite-event-store';
export { serveSqliteWriter, type WriterExtension, type WriterThreadData } from './sqlite-writer';
