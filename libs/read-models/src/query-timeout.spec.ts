import Database from 'better-sqlite3';
import { QueryTimeoutError, SqliteReadModelDb } from './sql';

/** A table of `n` rows, made by SQLite itself. */
function bigDb(n: number, budgetMs: number): SqliteReadModelDb {
  const raw = new Database(':memory:');
  raw.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, category TEXT NOT NULL, data TEXT NOT NULL)');
  raw
    .prepare(
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
       INSERT INTO t SELECT i, 'patent', printf('{"n":%d,"pad":"%s"}', i, hex(randomblob(16))) FROM s`,
    )
    .run(n);
  return new SqliteReadModelDb(raw, budgetMs);
}

const ROWS = 300_000;

describe('the SQLite read models’ query time budget (LEDGER_QUERY_TIMEOUT_MS)', () => {
  it('given a 1 ms budget, when a read steps through 300,000 rows, then it is abandoned with QueryTimeoutError and the connection stays usable', async () => {
    const db = bigDb(ROWS, 1);
    const err = await db
      .transaction((tx) => tx.all('SELECT * FROM t ORDER BY id'), 'read')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTimeoutError);
    expect(err).toMatchObject({ code: 'QUERY.TIMEOUT', timeoutMs: 1 });
    expect(db.raw.inTransaction).toBe(false);
    // The statement was reset: the next transactions run.
    await expect(
      db.transaction((tx) => tx.run('INSERT INTO t VALUES (?, ?, ?)', [ROWS + 1, 'x', '{}'])),
    ).resolves.toEqual({
      changes: 1,
    });
  });

  it('given a 1 ms budget, when a scan finds nothing in a single step, then the check after the statement abandons it', async () => {
    const db = bigDb(ROWS, 1);
    const err = await db
      .transaction(
        (tx) => tx.get("SELECT * FROM t WHERE category = 'institution' AND data LIKE '%zz%'"),
        'read',
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTimeoutError);
  });

  it('given no budget, when the same read runs, then it returns every row', async () => {
    const db = bigDb(ROWS, 0);
    const rows = await db.transaction((tx) => tx.all<{ id: number }>('SELECT id FROM t ORDER BY id'), 'read');
    expect(rows).toHaveLength(ROWS);
    expect(rows[ROWS - 1]).toEqual({ id: ROWS });
  });

  it('given a generous budget, when a read runs, then get and all answer as without one', async () => {
    const db = bigDb(1000, 600_000);
    await expect(
      db.transaction(async (tx) => {
        const one = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM t');
        const some = await tx.all<{ id: number }>('SELECT id FROM t WHERE id <= ? ORDER BY id', [3]);
        return { one, some };
      }, 'read'),
    ).resolves.toEqual({ one: { n: 1000 }, some: [{ id: 1 }, { id: 2 }, { id: 3 }] });
  });

  it('given a 1 ms budget, when a write transaction runs the same long statement, then it is not limited', async () => {
    const db = bigDb(ROWS, 1);
    const rows = await db.transaction((tx) => tx.all<{ id: number }>('SELECT id FROM t'), 'write');
    expect(rows).toHaveLength(ROWS);
  });
});
