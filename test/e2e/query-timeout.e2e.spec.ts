/**
 * Heavy queries get a time budget on SQLite too (LEDGER_QUERY_TIMEOUT_MS, as PostgreSQL's
 * statement_timeout): a read of the read models that runs longer is abandoned and the api answers
 * 503 QUERY.TIMEOUT problem+json; the api keeps serving.
 */
import { SqliteReadModels } from '@patent-ledger/read-models';
import { ReadModelsService } from '../../apps/api/src/read-models/read-models.service';
import { e2eReadModels, expectProblem, startHarness, type Harness } from './harness';

const ROWS = 300_000;

(e2eReadModels() === 'sqlite' ? describe : describe.skip)('SQLite query time budget', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LEDGER_QUERY_TIMEOUT_MS: '1' } });
    const rm = h.app().get(ReadModelsService).readModels;
    if (!(rm instanceof SqliteReadModels)) throw new Error('expected SQLite read models');
    await h.http().get('/audit').query({ limit: 1 }); // the audit tables exist
    // 300,000 audit rows of patent streams, far past the log (positions from 10,000,001).
    rm.db
      .prepare(
        `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
         INSERT INTO audit_events SELECT 10000000 + i, 'patent-x' || i, 'patent', 'x' || i, 1, 'PatentInventoried',
           '2025-01-01', '2025-01-01T00:00:00.000Z', 'institution', 'tyut', 'u', 'c', 'c', 'c', 'e' || i, '{}' FROM s`,
      )
      .run(ROWS);
  }, 120_000);
  afterAll(() => h?.close());

  it('answers 503 QUERY.TIMEOUT when an audit query scans 300,000 rows past a 1 ms budget, and keeps serving', async () => {
    // No institution-stream rows: the scan reads every row and finds none, far beyond 1 ms.
    const res = await h.http().get('/audit').query({ category: 'institution' });
    expectProblem(res, 503, 'QUERY.TIMEOUT');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toMatch(/LEDGER_QUERY_TIMEOUT_MS/);
    expect((await h.anonymous().get('/health')).status).toBe(200);
  });
});
