import { spawnSync } from 'node:child_process';
import { skipForMissingServer } from './skip';

/** The PostgreSQL the test suites use: PG_URL, else the machine's server. */
export const PG_TEST_URL = process.env['PG_URL'] || 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Decided at collection time (synchronously, so a suite can choose describe or describe.skip):
 * undefined when PostgreSQL answers, else the one-line reason the PostgreSQL suites skip.
 */
export function postgresUnavailable(): string | undefined {
  // Probed once per run: the jest globalSetup probes first and its environment reaches the workers.
  const known = process.env[PROBED];
  if (known !== undefined) return known || undefined;
  // Read now: jest's globalSetup may have set PG_URL to a testcontainers server after this module loaded.
  const url = process.env['PG_URL'] || PG_TEST_URL;
  const script = `const { Client } = require('pg'); const c = new Client({ connectionString: ${JSON.stringify(url)}, connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('select 1')).then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  const probe = spawnSync(process.execPath, ['-e', script], { timeout: 10_000 });
  const reason =
    probe.status === 0
      ? undefined
      : `PostgreSQL suites skipped: nothing answers at ${url.replace(/\/\/[^@]*@/, '//')} (set PG_URL) and ${process.env['PATENT_LEDGER_TEST_DOCKER'] ?? 'testcontainers is off'}, so none was started`;
  process.env[PROBED] = reason ?? '';
  return reason;
}

/** Where the outcome of the probe is kept for the rest of the run (empty: PostgreSQL answers). */
const PROBED = 'PATENT_LEDGER_TEST_PG_PROBE';

/**
 * Registers an e2e suite file again on the PostgreSQL event store (a schema per harness): sets
 * LEDGER_E2E_STORE and then calls `load`, which requires the file (so that its harness opens
 * PostgreSQL). When no PostgreSQL answers, the suite is registered as skipped — only for that
 * missing server — with the reason as its test's title and on stderr (and in the run's `skip:` line).
 */
export function runOnPostgres(name: string, load: () => void): void {
  const unavailable = postgresUnavailable();
  if (unavailable) {
    skipForMissingServer(`${name} on PostgreSQL`, unavailable);
    return;
  }
  process.env['LEDGER_E2E_STORE'] = 'postgres';
  load();
}
