/**
 * Where a Docker engine answers, the suites get servers of their own from testcontainers: a
 * PostgreSQL (for every PostgreSQL suite, unless PG_URL names one) and a KurrentDB (for the KurrentDB
 * contract suite, unless KURRENTDB_URL names one). Started once per run in jest's globalSetup (their
 * URLs reach the test workers through the environment) and stopped in globalTeardown. Without a
 * Docker engine (this machine, CI) nothing starts: the PostgreSQL suites use the local server and the
 * KurrentDB suite skips, each saying so. PATENT_LEDGER_TESTCONTAINERS=off never starts any.
 */
export const POSTGRES_IMAGE = process.env['PATENT_LEDGER_POSTGRES_IMAGE'] || 'postgres:16-alpine';
export const KURRENTDB_IMAGE =
  process.env['PATENT_LEDGER_KURRENTDB_IMAGE'] || 'docker.kurrent.io/kurrent-latest/kurrentdb:latest';

interface Stoppable {
  stop(): Promise<unknown>;
}
const started: Stoppable[] = [];

/** Starts what is missing when Docker answers; returns what it did or why it did not, one line each. */
export async function startContainers(): Promise<string[]> {
  if (process.env['PATENT_LEDGER_TESTCONTAINERS'] === 'off') return [];
  const wantPg = !process.env['PG_URL'];
  const wantKurrent = !process.env['KURRENTDB_URL'];
  if (!wantPg && !wantKurrent) return [];
  let tc: typeof import('testcontainers');
  try {
    tc = await import('testcontainers');
    await tc.getContainerRuntimeClient();
  } catch (err) {
    process.env['PATENT_LEDGER_TEST_DOCKER'] = `no Docker engine (${(err as Error).message.split('\n')[0]})`;
    return [];
  }
  process.env['PATENT_LEDGER_TEST_DOCKER'] = 'yes';
  const notes: string[] = [];
  if (wantPg) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const pg = await new PostgreSqlContainer(POSTGRES_IMAGE)
      .withDatabase('test')
      .withUsername('postgres')
      .withPassword('postgres')
      .start();
    started.push(pg);
    process.env['PG_URL'] = pg.getConnectionUri();
    notes.push(
      `testcontainers: PostgreSQL ${POSTGRES_IMAGE} at ${pg.getHost()}:${pg.getPort()} for the PostgreSQL suites`,
    );
  }
  if (wantKurrent) {
    const { KurrentDbContainer } = await import('@testcontainers/kurrentdb');
    const kdb = await new KurrentDbContainer(KURRENTDB_IMAGE).start();
    started.push(kdb);
    process.env['KURRENTDB_URL'] = kdb.getConnectionString();
    notes.push(`testcontainers: KurrentDB ${KURRENTDB_IMAGE} for the KurrentDB contract suite`);
  }
  return notes;
}

export async function stopContainers(): Promise<void> {
  await Promise.all(started.splice(0).map((c) => c.stop().catch(() => undefined)));
}
