/** The threads e2e suite again, on the PostgreSQL event store (the SQLite writer-thread part registers only on SQLite). */
import { runOnPostgres } from '../../support/postgres';

// eslint-disable-next-line @typescript-eslint/no-require-imports
runOnPostgres('threads', () => require('../threads.e2e.spec'));
