/**
 * What a newcomer and an auditor meet in their first hour with the command line: read-only commands
 * on a ledger that is not there, dates and instants, the demo data and its import path.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { Client } from 'pg';
import { PG_TEST_URL, postgresUnavailable } from '../support/postgres';
import { main } from '../../apps/cli/src/main';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `patent-ledger ARGS` in-process as the executable does: exit code, failures as one line on stderr. */
async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = { stdout: '', stderr: '' };
  stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  let code: number;
  try {
    code = await main(args, env, { stdout, stderr, isTTY: false });
  } catch (err) {
    out.stderr += `patent-ledger: ${(err as Error).message}\n`;
    code = (err as { exitCode?: number }).exitCode ?? 1;
  }
  return { code, ...out };
}

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patent-ledger-first-hour-'));
  env = {
    LEDGER_STORE: 'sqlite',
    LEDGER_DB: join(dir, 'data', 'ledger.db'),
    LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL',
    LEDGER_LOG_LEVEL: 'error',
    LEDGER_TOKEN_KEY_FILE: join(dir, 'token-key.pem'),
  };
});

/** An empty ledger at LEDGER_DB (as the api creates on its first start). */
async function createLedger(): Promise<void> {
  await SqliteEventStore.open(env['LEDGER_DB']!).close();
}

/** A credential of a party, from `patent-ledger token`. */
async function tokenOf(role: string, org: string, user: string): Promise<string> {
  const r = await cli(['token', '--role', role, '--org', org, '--user', user], env);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a read-only command on a ledger that is not there', () => {
  it.each([
    ['verify', []],
    ['verify', ['--patent', '201710601862.3']],
    ['replay', ['201710601862.3']],
    ['export', ['201710601862.3', '--out', 'bundle.json']],
    ['projections', []],
  ])('%s %j fails naming the path and creates nothing', async (command, args) => {
    const r = await cli([command, ...args], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `patent-ledger: no ledger at ${env['LEDGER_DB']} (LEDGER_DB); run the command where the ledger's data folder is, or set LEDGER_DB\n`,
    );
    expect(readdirSync(dir)).toEqual([]); // no ./data, no ledger.db, no read-models.db
  });

  it('projections on a ledger without read models reports them at 0 and creates none', async () => {
    await createLedger();
    const r = await cli(['projections'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^resource-pool\tposition 0\tlag 0\n/);
    expect(r.stdout).toContain(
      '(the read models are not built yet: the api or "patent-ledger project" builds them)\n',
    );
    expect(existsSync(join(dir, 'data', 'read-models.db'))).toBe(false);
  });
});

(postgresUnavailable() ? describe.skip : describe)('a read-only command on PostgreSQL', () => {
  it('names the schema it looked for and creates none', async () => {
    const schema = `first_hour_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const pg = { ...env, LEDGER_STORE: 'postgres', LEDGER_PG_URL: PG_TEST_URL, LEDGER_PG_SCHEMA: schema };
    const r = await cli(['verify'], pg);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^patent-ledger: no ledger in schema ${schema} \\(LEDGER_PG_SCHEMA\\) at LEDGER_PG_URL=`),
    );
    const client = new Client({ connectionString: PG_TEST_URL });
    await client.connect();
    try {
      const { rowCount } = await client.query(
        'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1',
        [schema],
      );
      expect(rowCount).toBe(0);
    } finally {
      await client.end();
    }
  });
});

describe('CLI dates and instants are validated like the api validates them', () => {
  beforeEach(createLedger);

  it.each([
    [['--as-of', '2024-13-45'], '--as-of takes a calendar date YYYY-MM-DD, got "2024-13-45"'],
    [['--as-of', '2024-02-30'], '--as-of takes a calendar date YYYY-MM-DD, got "2024-02-30"'],
    [['--as-of', '2023-02-29'], '--as-of takes a calendar date YYYY-MM-DD, got "2023-02-29"'],
    [['--known-at', '2024-02-30T00:00:00Z'], '--known-at takes an ISO instant'],
    [['--known-at', '2024-02-29T24:00:00Z'], '--known-at takes an ISO instant'],
    [['--known-at', '2024-02-29T10:00:00'], '--known-at takes an ISO instant'], // no zone: whose local time?
    [['--known-at', 'yesterday'], '--known-at takes an ISO instant'],
  ])('replay %j is refused (exit 2) with one line', async (args, message) => {
    const r = await cli(['replay', '201710601862.3', ...args], env);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
  });

  it.each([['2024-02-30'], ['2025-02-29T04:00:00Z'], ['2025-06-01T04:61:00Z']])(
    'generate --now %s is refused (exit 2)',
    async (now) => {
      const r = await cli(['generate', '--patents', '1', '--now', now], env);
      expect(r.stderr).toContain(`--now must be an ISO date or instant, got "${now}"`);
      expect(r.code).toBe(2);
    },
  );

  it('a valid date and instant are accepted', async () => {
    const r = await cli(
      ['replay', '201710601862.3', '--as-of', '2024-02-29', '--known-at', '2026-01-01T08:00:00+08:00'],
      env,
    );
    // The ledger does not hold this number: the command got past its options.
    expect(r.stderr).toBe('patent-ledger: patent 201710601862.3 has not been inventoried\n');
    expect(r.code).toBe(1);
  });
});

describe('the generated demo files work per party on a fresh ledger', () => {
  it('generate --out writes the institutions too; the IP office registers them, each institution imports its own', async () => {
    const file = join(dir, 'province.csv');
    const g = await cli(
      ['generate', '--patents', '60', '--institutions', '6', '--seed', 's1', '--out', file],
      env,
    );
    expect(g.code).toBe(0);
    const institutionsFile = join(dir, 'province.institutions.csv');
    expect(g.stdout).toContain(`and its 6 institutions to ${institutionsFile}`);
    const registrations = readFileSync(institutionsFile, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(registrations[0]).toBe(
      'institutionId,name,kind,province,milestoneGroup,stockPatentCount,department,occurredOn,reason',
    );
    expect(registrations).toHaveLength(7);
    const tyutRows = readFileSync(file, 'utf8')
      .split('\r\n')
      .filter((l) => l.includes(',tyut,')).length;
    expect(tyutRows).toBeGreaterThan(0);

    const tyut = { ...env, LEDGER_TOKEN: await tokenOf('institution', 'tyut', 'tto-wang') };
    const office = { ...env, LEDGER_TOKEN: await tokenOf('ip-office', 'sx-cnipa', 'officer-1') };

    // Before the institutions are registered every row is rejected: a failure, and it says what to do.
    const early = await cli(['import', file], tyut);
    expect(early.code).toBe(1);
    expect(early.stdout).toMatch(
      new RegExp(`: 0 imported, 0 already present, ${tyutRows} rejected of ${tyutRows} rows`),
    );
    expect(early.stderr).toContain(
      `patent-ledger import: every row of ${file} was rejected (institutions not registered: the IP office registers them first, e.g. "patent-ledger institutions ${institutionsFile}")\n`,
    );

    // Registering institutions is the IP office's.
    const refused = await cli(['institutions', institutionsFile], tyut);
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')).toHaveLength(2);
    const registered = await cli(['institutions', institutionsFile], office);
    expect(registered.stdout).toBe(
      `institutions ${institutionsFile}: 6 registered, 0 revised, 0 unchanged, 0 rejected of 6 rows\n`,
    );
    expect(registered.code).toBe(0);
    expect((await cli(['institutions', institutionsFile], office)).stdout).toContain(
      ': 0 registered, 0 revised, 6 unchanged, 0 rejected of 6 rows',
    );

    // Each institution imports its own rows of the province's file; the others' are skipped.
    const own = await cli(['import', file], tyut);
    expect(own.stdout).toMatch(
      new RegExp(
        `: ${tyutRows} imported, 0 already present, 0 rejected of ${tyutRows} rows .*; ${60 - tyutRows} rows of other institutions skipped\n$`,
      ),
    );
    expect(own.code).toBe(0);
    const sxu = { ...env, LEDGER_TOKEN: await tokenOf('institution', 'sxu', 'tto-li') };
    const second = await cli(['import', file], sxu);
    expect(second.stdout).toMatch(/: [1-9]\d* imported, 0 already present, 0 rejected/);
    expect(second.code).toBe(0);
    // The same file again: nothing new, not a failure.
    const again = await cli(['import', file], tyut);
    expect(again.stdout).toMatch(new RegExp(`: 0 imported, ${tyutRows} already present, 0 rejected`));
    expect(again.code).toBe(0);
  });

  it('the institutions file can be JSON Lines, and a rejected row is named', async () => {
    const file = join(dir, 'small.jsonl');
    expect((await cli(['generate', '--patents', '5', '--institutions', '2', '--out', file], env)).code).toBe(
      0,
    );
    const office = { ...env, LEDGER_TOKEN: await tokenOf('ip-office', 'sx-cnipa', 'officer-1') };
    const r = await cli(['institutions', join(dir, 'small.institutions.jsonl')], office);
    expect(r.stdout).toContain(': 2 registered, 0 revised, 0 unchanged, 0 rejected of 2 rows');
    const bad = join(dir, 'bad.csv');
    writeFileSync(
      bad,
      'institutionId,name,kind,province,milestoneGroup,stockPatentCount\nx1,某大学,school,山西,other,10\n',
    );
    const b = await cli(['institutions', bad], office);
    expect(b.stderr).toMatch(/^rejected 1 rows \(first 1 below\):\n {2}row 1 x1: \S+ kind/);
    expect(b.stderr).toContain(`patent-ledger institutions: every row of ${bad} was rejected\n`);
    expect(b.code).toBe(1);
  });
});
