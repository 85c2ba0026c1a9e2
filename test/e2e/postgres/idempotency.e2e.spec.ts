/** The idempotency e2e suite again, on the PostgreSQL event store. */
import { runOnPostgres } from '../../support/postgres';

// eslint-disable-next-line @typescript-eslint/no-require-imports
runOnPostgres('idempotency', () => require('../idempotency.e2e.spec'));
