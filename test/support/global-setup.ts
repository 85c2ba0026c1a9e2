/**
 * Runs once before the test files (jest `globalSetup`) and says which suites skip, when they are
 * selected, and why: when jest runs many files, a skipped suite's own console output is not shown.
 * The conditions are the suites' own (KURRENTDB_URL; postgresUnavailable(); brokerUnavailable()).
 */
import { brokerUnavailable } from './brokers';
import { startContainers } from './containers';
import { postgresUnavailable } from './postgres';

export default async function globalSetup(): Promise<void> {
  // Servers of their own for the PostgreSQL and KurrentDB suites where Docker answers (testcontainers).
  const started = await startContainers();
  if (started.length > 0) process.stdout.write(`\n${started.join('\n')}\n`);
  const reasons: string[] = [];
  if (!process.env['KURRENTDB_URL'])
    reasons.push(
      `KurrentDB contract suite (libs/store-kurrentdb) skips: KURRENTDB_URL is not set and ${process.env['PATENT_LEDGER_TEST_DOCKER'] ?? 'testcontainers is off'}, so no server was started`,
    );
  const pg = postgresUnavailable();
  if (pg) reasons.push(pg);
  // The publisher suites fail in CI without their brokers; elsewhere they skip.
  for (const broker of ['nats', 'amqp'] as const) {
    const b = brokerUnavailable(broker);
    if (b) reasons.push(`${b}${process.env['CI'] ? ' — they FAIL in CI' : ''}`);
  }
  if (reasons.length > 0) process.stdout.write(`\n${reasons.map((r) => `skip: ${r}`).join('\n')}\n`);
}
