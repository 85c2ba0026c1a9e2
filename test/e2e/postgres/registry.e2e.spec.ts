/** The registries e2e suite again, on the PostgreSQL event store. */
import { runOnPostgres } from '../../support/postgres';

// eslint-disable-next-line @typescript-eslint/no-require-imports
runOnPostgres('registry', () => require('../registry.e2e.spec'));
