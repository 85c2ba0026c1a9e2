/**
 * The threads e2e suite again (the projector thread on PostgreSQL; the SQLite writer part is skipped), on the PostgreSQL event store (schema per harness). Skipped with one
 * line when no PostgreSQL answers.
 */
import { postgresUnavailable } from '../../support/postgres';

const unavailable = postgresUnavailable();
if (unavailable) {
  process.stderr.write(`${unavailable}\n`);
  describe.skip('threads on PostgreSQL', () => {
    it('needs a PostgreSQL server', () => undefined);
  });
} else {
  process.env['LEDGER_E2E_STORE'] = 'postgres';
  // Loaded after the store is chosen, so its harness opens PostgreSQL.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../threads.e2e.spec');
}
