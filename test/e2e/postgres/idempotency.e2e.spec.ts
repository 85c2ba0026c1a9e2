/**
 * The idempotency e2e suite again, on the PostgreSQL event store (schema per harness). Skipped with one
 * line when no PostgreSQL answers.
 */
import { postgresUnavailable } from '../../support/postgres';

const unavailable = postgresUnavailable();
if (unavailable) {
  process.stderr.write(`${unavailable}\n`);
  describe.skip('idempotency on PostgreSQL', () => {
    it('needs a PostgreSQL server', () => undefined);
  });
} else {
  process.env['LEDGER_E2E_STORE'] = 'postgres';
  // Loaded after the store is chosen, so its harness opens PostgreSQL.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../idempotency.e2e.spec');
}
