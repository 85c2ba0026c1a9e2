import { spawnSync } from 'node:child_process';

/** The PostgreSQL the test suites use: PG_URL, else the machine's server. */
export const PG_TEST_URL = process.env['PG_URL'] || 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Decided at collection time (synchronously, so a suite can choose describe or describe.skip):
 * undefined when PostgreSQL answers, else the one-line reason the PostgreSQL suites skip.
 */
export function postgresUnavailable(): string | undefined {
  const script = `const { Client } = require('pg'); const c = new Client({ connectionString: ${JSON.stringify(PG_TEST_URL)}, connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('select 1')).then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  const probe = spawnSync(process.execPath, ['-e', script], { timeout: 10_000 });
  return probe.status === 0
    ? undefined
    : `PostgreSQL suites skipped: nothing answers at ${PG_TEST_URL.replace(/\/\/[^@]*@/, '//')} (set PG_URL) and no Docker engine is available to start one`;
}
