/**
 * The insider scenarios of issue 12 on the PostgreSQL store (see insider.ts). Skipped, with the
 * reason printed, only when no PostgreSQL answers (PG_URL, else 127.0.0.1:5432).
 */
import { PG_TEST_URL, postgresUnavailable } from '../support/postgres';
import { skipForMissingServer } from '../support/skip';
import { insiderSuite } from './insider';

const unavailable = postgresUnavailable();
if (unavailable) {
  skipForMissingServer('an insider with write access to the PostgreSQL database', unavailable);
} else {
  describe('an insider with write access to the PostgreSQL database', () => {
    insiderSuite('postgres', PG_TEST_URL);
  });
}
