export { SqliteEventStore } from './sqlite-event-store';
export type { SqliteEventStoreOptions, SqliteCommitTiming } from './sqlite-event-store';
export { SQLITE_COMMIT_CHANNEL } from './sqlite-event-store';
export * from './threaded-sqlite-event-store';
export { serveSqliteWriter, type WriterExtension, type WriterThreadData } from './sqlite-writer';
