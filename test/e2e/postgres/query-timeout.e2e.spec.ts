/**
 * Heavy queries get a statement timeout (issue 12, item 5): a read transaction of the PostgreSQL
 * read models that runs longer than LEDGER_QUERY_TIMEOUT_MS is cancelled, and the api answers 503
 * QUERY.TIMEOUT; writes (projections) have no such limit.
 */
import { PostgresReadModelDb } from '@patent-ledger/read-models';
import { postgresUnavailable, PG_TEST_URL } from '../../support/postgres';
import { Client } from 'pg';
import { ProblemFilter } from '../../../apps/api/src/common/problem.filter';

const unavailable = postgresUnavailable();

(unavailable ? describe.skip : describe)("the read models' statement timeout", () => {
  const schema = `qt_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  let db: PostgresReadModelDb;
  beforeAll(async () => {
    db = await PostgresReadModelDb.open({ connectionString: PG_TEST_URL, schema, statementTimeoutMs: 200 });
  });
  afterAll(async () => {
    await db?.close();
    const c = new Client({ connectionString: PG_TEST_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });

  it('cancels a read that runs longer (57014), and the api maps it to 503 QUERY.TIMEOUT', async () => {
    const err = await db.transaction((tx) => tx.get('SELECT pg_sleep(5)'), 'read').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '57014' });
    // The connection is usable again: a quick read passes.
    expect(await db.transaction((tx) => tx.get<{ one: number }>('SELECT 1 AS one'), 'read')).toEqual({
      one: 1,
    });

    let sent: { status: number; body: string } | undefined;
    const res = {
      setHeader: () => undefined,
      status(s: number) {
        sent = { status: s, body: '' };
        return this;
      },
      type() {
        return this;
      },
      send(b: string) {
        sent!.body = b;
      },
    };
    const host = {
      switchToHttp: () => ({
        getRequest: () => ({ method: 'GET', originalUrl: '/audit' }),
        getResponse: () => res,
      }),
    };
    new ProblemFilter().catch(err, host as never);
    expect(sent!.status).toBe(503);
    expect(JSON.parse(sent!.body)).toMatchObject({ code: 'QUERY.TIMEOUT', status: 503 });
  });

  it('writes are not limited', async () => {
    await expect(db.transaction((tx) => tx.get('SELECT pg_sleep(0.4)'), 'write')).resolves.toBeDefined();
  });
});
