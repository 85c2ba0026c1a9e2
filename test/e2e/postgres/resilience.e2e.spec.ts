/** The resilience e2e suite (fifty commands on one patent, unknown outcomes, error disclosure) again, on the PostgreSQL event store. */
import { runOnPostgres } from '../../support/postgres';

// eslint-disable-next-line @typescript-eslint/no-require-imports
runOnPostgres('resilience', () => require('../resilience.e2e.spec'));
