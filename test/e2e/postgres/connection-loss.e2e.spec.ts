/** A PostgreSQL connection lost under load (the scenario in connection-loss.scenario.ts), event store and read models on PostgreSQL. */
import { runOnPostgres } from '../../support/postgres';

process.env['LEDGER_E2E_READ_MODELS'] = 'postgres';
// eslint-disable-next-line @typescript-eslint/no-require-imports
runOnPostgres('PostgreSQL connection loss', () => require('./connection-loss.scenario'));
