/**
 * The same tamperings as tamper.spec.ts, on the PostgreSQL adapter: each on a fresh schema holding
 * the same ledger, by raw SQL on the store's pool, verified with verifyLedger and with
 * `patent-ledger verify` / `verify --patent` (LEDGER_STORE=postgres, LEDGER_PG_SCHEMA).
 *
 * Runs against PG_URL, else the local server (postgres://postgres@127.0.0.1:5432/test) when it
 * answers; otherwise the suite is skipped with one line saying why.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { analyseStream, type SigningKey } from '@patent-ledger/eventsourcing';
import { PostgresEventStore } from '@patent-ledger/store-postgres';
import {
  brokenLine,
  buildLedger,
  postgresRaw,
  runCli,
  SCENARIOS,
  verifyStore,
  writeSigningKeyBeside,
  removeKeysBeside,
  type BuiltLedger,
} from './ledger-fixture';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

function localServerAnswers(): boolean {
  const probe = spawnSync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432', '-t', '3']);
  if (!probe.error) return probe.status === 0;
  const script = `require('node:net').connect(5432, '127.0.0.1').on('connect', () => process.exit(0))
    .on('error', () => process.exit(1)).setTimeout(3000, () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', script]).status === 0;
}

const url = process.env['PG_URL'] || (localServerAnswers() ? DEFAULT_URL : undefined);
if (!url)
  process.stderr.write(
    'PostgreSQL tamper tests skipped: PG_URL is unset and nothing answers at 127.0.0.1:5432\n',
  );
const describePg = url ? describe : describe.skip;

describePg('tamper evidence on PostgreSQL', () => {
  let dir: string;
  let key: SigningKey;
  let keyFile: string;
  let admin: Pool;
  let schemas = 0;
  const opened: { store: PostgresEventStore; schema: string }[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-tamper-pg-'));
    ({ key, keyFile } = writeSigningKeyBeside(dir));
    admin = new Pool({ connectionString: url, max: 2 });
  });

  afterEach(async () => {
    for (const { store, schema } of opened.splice(0)) {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

  afterAll(async () => {
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
    removeKeysBeside(dir);
  });

  /** The CLI's environment for one schema. */
  const env = (schema: string): NodeJS.ProcessEnv => ({
    LEDGER_STORE: 'postgres',
    LEDGER_PG_URL: url,
    LEDGER_PG_SCHEMA: schema,
    LEDGER_SIGNING_KEY_FILE: keyFile,
    LEDGER_DB: join(dir, 'unused.db'),
    LEDGER_READ_DB: join(dir, 'read-models.db'),
  });

  /** A fresh schema holding the ledger of the SQLite suite (same commands, same signed heads). */
  async function freshLedger(): Promise<{ store: PostgresEventStore; schema: string; ledger: BuiltLedger }> {
    const schema = `pl_audit_${process.pid}_${++schemas}`;
    const store = await PostgresEventStore.open({ connectionString: url!, schema, poolSize: 3 });
    opened.push({ store, schema });
    const ledger = await buildLedger(store, { heads: store, key, every: 5 });
    return { store, schema, ledger };
  }

  it('an untouched ledger verifies: OK with the exact counts', async () => {
    const { store, schema, ledger } = await freshLedger();
    expect((await store.readChainHeads()).map((h) => h.position)).toEqual([5, 9, 13, 17, 21, 24, 25, 26]);
    expect(await verifyStore(store, { publicKey: key.publicKey })).toEqual({
      ok: true,
      events: 26,
      streams: 5,
      signedHeads: { checked: 8, lastPosition: 26, keyIds: [key.keyId] },
      uncoveredEvents: 0,
      issues: [],
    });
    for (const p of ledger.patents) {
      expect(
        analyseStream(await store.readStream(p.streamName), (await store.streamHeads()).get(p.streamName)),
      ).toBeUndefined();
    }
    const cli = await runCli(['verify'], env(schema));
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(
      new RegExp(`^OK 26 events in 5 streams; 8 signed heads \\(key ${key.keyId}\\) up to position 26 `),
    );
  });

  it.each(SCENARIOS)('$name: found and named', async (scenario) => {
    const { store, schema, ledger } = await freshLedger();
    const expected = await scenario.apply(postgresRaw(store.pool, schema), ledger);
    const report = await verifyStore(store, { publicKey: key.publicKey });
    expect(report.ok).toBe(false);
    expect(report.firstIssue).toEqual({ ...expected.first, detail: expect.any(String) });
    expect(report.issues.map((i) => i.kind).sort()).toEqual([...expected.kinds].sort());

    const withoutHeads = await verifyStore(store, { withHeads: false });
    if (scenario.withoutSignedHeads === 'ok') expect(withoutHeads.issues).toEqual([]);
    else expect(withoutHeads.firstIssue?.kind).toBe(scenario.withoutSignedHeads);

    const p = ledger.patents[scenario.patent.index]!;
    const issue = analyseStream(
      await store.readStream(p.streamName),
      (await store.streamHeads()).get(p.streamName),
    );
    expect(issue?.kind ?? 'ok').toBe(scenario.patent.finds);

    const cli = await runCli(['verify'], env(schema));
    expect(cli.code).toBe(1);
    expect(cli.stdout.startsWith(brokenLine(expected.first))).toBe(true);
    const one = await runCli(['verify', '--patent', p.applicationNumber], env(schema));
    expect(one.code).toBe(scenario.patent.finds === 'ok' ? 0 : 1);
  });
});
