/** The promotion e2e suite again (salons, key-promotion projects, services), on the PostgreSQL event store. */
import { runOnPostgres } from '../../support/postgres';

// eslint-disable-next-line @typescript-eslint/no-require-imports
runOnPostgres('promotion', () => require('../promotion.e2e.spec'));
