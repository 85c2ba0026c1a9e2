/** The plans-as-data e2e suite again, on the PostgreSQL event store. */
import { runOnPostgres } from '../../support/postgres';

// eslint-disable-next-line @typescript-eslint/no-require-imports
runOnPostgres('plans', () => require('../plans.e2e.spec'));
