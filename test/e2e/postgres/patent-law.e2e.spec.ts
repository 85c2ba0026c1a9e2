/** The patent-law e2e suite (issue 14) again, on the PostgreSQL event store with read models on PostgreSQL. */
import { runOnPostgres } from '../../support/postgres';

runOnPostgres('patent-law', () => {
  process.env['LEDGER_E2E_READ_MODELS'] = 'postgres';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../patent-law.e2e.spec');
});
