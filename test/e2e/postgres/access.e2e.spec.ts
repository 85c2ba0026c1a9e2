/** The access-policy e2e suite again, on the PostgreSQL event store. */
import { runOnPostgres } from '../../support/postgres';

// eslint-disable-next-line @typescript-eslint/no-require-imports
runOnPostgres('access', () => require('../access.e2e.spec'));
