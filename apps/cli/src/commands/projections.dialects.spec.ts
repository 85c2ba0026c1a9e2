/**
 * `project`, `projections` and `rebuild` print the same on SQLite and PostgreSQL read models
 * (LEDGER_READ_MODELS). The PostgreSQL half is skipped with one line when no server answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import { Ledger, seedMixed } from '../../../../libs/read-models/src/testing/fixtures';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { PG_TEST_URL, postgresUnavailable } from '../../../../test/support/postgres';
import { project, projections, rebuild } from './projections';

const unavailable = postgresUnavailable();
if (unavailable) process.stderr.write(`${unavailable}\n`);

function io() {
  const out = { stdout: '', stderr: '' };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  return { io: { stdout, stderr, isTTY: false }, out };
}

let dir: string;
let file: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patent-ledger-cli-rm-'));
  file = join(dir, 'ledger.db');
  const store = SqliteEventStore.open(file);
  await seedMixed(new Ledger(store), 10);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The three commands in turn; rebuild timings removed. */
async function transcript(env: NodeJS.ProcessEnv): Promise<string[]> {
  const lines: string[] = [];
  for (const [cmd, args] of [
    [projections, []],
    [project, ['--once']],
    [projections, []],
    [rebuild, ['audit']],
    [rebuild, []],
    [projections, []],
  ] as const) {
    const t = io();
    expect(await cmd([...args], env, t.io)).toBe(0);
    expect(t.out.stderr).toBe('');
    lines.push(t.out.stdout.replace(/ in [\d.]+ s \(\d+ events\/s\)/g, ''));
  }
  return lines;
}

describe('projection commands on SQLite and PostgreSQL read models', () => {
  let sqlite: string[];
  beforeAll(async () => {
    sqlite = await transcript({
      LEDGER_STORE: 'sqlite',
      LEDGER_DB: file,
      LEDGER_READ_DB: join(dir, 'rm.db'),
      LEDGER_LOG_LEVEL: 'error',
    });
  });

  it('run on SQLite', () => {
    expect(sqlite[0]).toMatch(/^resource-pool\tposition 0\tlag \d+\n/);
    expect(sqlite[1]).toMatch(/^applied \d+ events\n$/);
    expect(sqlite[3]).toMatch(/^rebuilt audit: \d+ events to position \d+\n$/);
  });

  (unavailable ? it.skip : it)('print the same on PostgreSQL', async () => {
    const schema = `cli_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    try {
      const pg = await transcript({
        LEDGER_STORE: 'sqlite',
        LEDGER_DB: file,
        LEDGER_READ_MODELS: 'postgres',
        LEDGER_PG_URL: PG_TEST_URL,
        LEDGER_PG_SCHEMA: schema,
        LEDGER_LOG_LEVEL: 'error',
      });
      expect(pg).toEqual(sqlite);
    } finally {
      const c = new Client({ connectionString: PG_TEST_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}_read" CASCADE`);
      await c.end();
    }
  });
});
