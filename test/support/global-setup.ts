/**
 * Runs once before the test files (jest `globalSetup`) and says which suites skip, when they are
 * selected, and why: when jest runs many files, a skipped suite's own console output is not shown.
 * The conditions are the suites' own (KURRENTDB_URL; postgresUnavailable()).
 */
import { postgresUnavailable } from './postgres';

export default async function globalSetup(): Promise<void> {
  const reasons: string[] = [];
  if (!process.env['KURRENTDB_URL'])
    reasons.push(
      'KurrentDB contract suite (libs/store-kurrentdb) skips: KURRENTDB_URL is not set and no Docker engine is available to start a server',
    );
  const pg = postgresUnavailable();
  if (pg) reasons.push(pg);
  if (reasons.length > 0) process.stdout.write(`\n${reasons.map((r) => `skip: ${r}`).join('\n')}\n`);
}
