/** The `import` and `generate` commands, run in-process against a temporary SQLite ledger. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { run as generate } from '../../apps/cli/src/commands/generate';
import { run as importFile } from '../../apps/cli/src/commands/import';
import { token as tokenCommand } from '../../apps/cli/src/commands/token';

function io(isTTY = false) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = { stdout: '', stderr: '' };
  stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  return { io: { stdout, stderr, isTTY }, out };
}

/** A bearer token printed by `patent-ledger token` with these settings. */
async function tokenOf(
  env: NodeJS.ProcessEnv,
  role: string,
  org: string,
  user = 'cli-test',
): Promise<string> {
  const t = io();
  expect(await tokenCommand(['--role', role, '--org', org, '--user', user], env, t.io)).toBe(0);
  return t.out.stdout.trim();
}

/** The institution of each data row of a generated CSV (its second column). */
const institutionsOfCsv = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.split(',')[1]!);

describe('patent-ledger import and generate', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-cli-'));
    env = {
      LEDGER_STORE: 'sqlite',
      LEDGER_DB: join(dir, 'ledger.db'),
      LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL',
      LEDGER_TOKEN_KEY_FILE: `${dir}-token-key.pem`,
    };
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}-token-key.pem`, { force: true });
  });

  it('generates a file, rejects it before the institutions exist, then applies and finds it all present', async () => {
    const file = join(dir, 'province.csv');
    const g = io();
    expect(
      await generate(['--patents', '80', '--institutions', '6', '--seed', 's1', '--out', file], env, g.io),
    ).toBe(0);
    expect(g.out.stdout).toMatch(
      /^generated 80 patents \(\d+ stock, \d+ new\) of 6 institutions \(seed s1, now 2025-12-31T04:00:00Z\); wrote .*province\.csv in [\d.]+ s and its 6 institutions to .*province\.institutions\.csv\n$/,
    );
    expect(readFileSync(file, 'utf8').split('\r\n')).toHaveLength(82);

    // An institution imports its own rows of the province's file: the others' are skipped.
    const owners = institutionsOfCsv(file);
    const owner = owners[0]!;
    const own = owners.filter((i) => i === owner).length;
    expect(own).toBeGreaterThan(0);
    const ownerToken = await tokenOf(env, 'institution', owner);
    // No institution registered yet: every row is rejected, and the import fails.
    const first = io();
    expect(await importFile([file, '--token', ownerToken], env, first.io)).toBe(1);
    expect(first.out.stdout).toMatch(
      new RegExp(
        `: 0 imported, 0 already present, ${own} rejected of ${own} rows in [\\d.]+ s \\(\\d+ rows/s\\); ${80 - own} rows of other institutions skipped\\n$`,
      ),
    );
    expect(first.out.stderr).toMatch(
      / {2}row 1 \d{12}\.[\dX]: INSTITUTION\.NOT_REGISTERED institution \S+ is not registered/,
    );
    expect(first.out.stderr).toContain(`by reason: INSTITUTION.NOT_REGISTERED ${own}`);

    const applied = io();
    expect(
      await generate(['--patents=80', '--institutions=6', '--seed=s1', '--apply'], env, applied.io),
    ).toBe(0);
    expect(applied.out.stdout).toMatch(
      /applied: 6 institutions registered, 80 patents inventoried \(0 already present\), \d+ lifecycle commands \(0 already applied\), \d+ events in/,
    );

    const again = io(true);
    expect(await importFile([file, '--token', ownerToken, '--batch-size', '7'], env, again.io)).toBe(0);
    expect(again.out.stdout).toMatch(
      new RegExp(`: 0 imported, ${own} already present, 0 rejected of ${own} rows`),
    );
    // eslint-disable-next-line no-control-regex
    expect(again.out.stderr).toMatch(/\x1b\[1G\[[#.]{24}\] +\d+% /); // a bar drawn from the line's start
    expect(again.out.stderr.endsWith('\n')).toBe(true);

    const store = SqliteEventStore.open(env['LEDGER_DB']!);
    const head = await store.headPosition();
    await store.close();
    const twice = io();
    expect(
      await generate(['--patents', '80', '--institutions', '6', '--seed', 's1', '--apply'], env, twice.io),
    ).toBe(0);
    expect(twice.out.stdout).toMatch(
      /applied: 0 institutions registered, 0 patents inventoried \(80 already present\), 0 lifecycle commands/,
    );
    const after = SqliteEventStore.open(env['LEDGER_DB']!);
    expect(await after.headPosition()).toBe(head);
    await after.close();
  });

  it('records the principal of its token as the actor, and refuses rows of another institution', async () => {
    await generate(['--patents', '0', '--institutions', '5', '--apply'], env, io().io);
    const file = join(dir, 'one.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({
        applicationNumber: '201710601862.3',
        institutionId: 'tyut',
        title: '一种煤矸石基多孔陶瓷材料及其制备方法',
        kind: 'invention',
        filingDate: '2017-07-21',
        grantDate: '2020-03-10',
        inventors: ['王磊'],
        ipc: ['C04B 38/00'],
        fiscallyFunded: true,
        funding: { projectNumber: '2016YFB0601100', funder: '科学技术部' },
        declaration: { declaredOn: '2024-03-15' },
        implementationStatus: 'implemented',
        technologyReadiness: 5,
        selfAssessedGrade: 'A',
        occurredOn: '2024-03-15',
      })}\n`,
    );
    // An ip-office token may not inventory for an institution: the row is refused and nothing is stored.
    const office = io();
    const officeToken = await tokenOf(env, 'ip-office', 'sx-cnipa');
    expect(await importFile([file, '--token', officeToken], env, office.io)).toBe(1);
    expect(office.out.stderr).toContain('ACCESS.DENIED');
    const r = io();
    expect(
      await importFile([file, '--token', await tokenOf(env, 'institution', 'tyut', 'tto-01')], env, r.io),
    ).toBe(0);
    expect(r.out.stdout).toMatch(/1 imported/);
    const store = SqliteEventStore.open(env['LEDGER_DB']!);
    const [event] = await store.readStream('patent-201710601862.3');
    // The refusal is a recorded denial.
    const denials = (await store.readAll({ limit: 1000 })).filter((e) => e.type === 'AccessDenied');
    await store.close();
    expect(event!.metadata.actor).toEqual({ role: 'institution', orgId: 'tyut', userId: 'tto-01' });
    expect(denials).toHaveLength(1);
    expect(denials[0]!.metadata.actor).toEqual({ role: 'ip-office', orgId: 'sx-cnipa', userId: 'cli-test' });
  });

  it('fails with one line when the file or the configuration cannot be used', async () => {
    const missing = io();
    expect(await importFile([join(dir, 'none.csv')], env, missing.io)).toBe(1);
    expect(missing.out.stderr).toBe(`patent-ledger import: cannot read ${join(dir, 'none.csv')}: ENOENT\n`);
    expect(existsSync(env['LEDGER_DB']!)).toBe(false); // the ledger is not created for nothing

    const badHeader = join(dir, 'bad.csv');
    writeFileSync(badHeader, 'foo,bar\n1,2\n');
    // A write needs a credential: without one, a one-line reason (and nothing is created).
    await expect(importFile([badHeader], env, io().io)).rejects.toMatchObject({
      message: expect.stringMatching(/^this command writes to the ledger and needs a credential/),
      exitCode: 2,
    });
    expect(existsSync(env['LEDGER_DB']!)).toBe(false);
    env = { ...env, LEDGER_TOKEN: await tokenOf(env, 'institution', 'tyut') };
    const header = io();
    expect(await importFile([badHeader], env, header.io)).toBe(1);
    expect(header.out.stderr).toMatch(
      /^patent-ledger import: the header has no column for applicationNumber \(申请号\).*\n$/,
    );

    const config = io();
    expect(await importFile([badHeader], { ...env, LEDGER_SQLITE_SYNCHRONOUS: 'OFF' }, config.io)).toBe(1);
    expect(config.out.stderr).toBe(
      'patent-ledger import: LEDGER_SQLITE_SYNCHRONOUS=OFF is invalid: expected one of FULL, NORMAL\n',
    );
    const gen = io();
    expect(
      await generate(['--patents', '1', '--apply'], { ...env, LEDGER_SQLITE_SYNCHRONOUS: 'OFF' }, gen.io),
    ).toBe(1);
    expect(gen.out.stderr.split('\n')).toHaveLength(2);
  });

  it.each([
    [[], /import needs a FILE/],
    [['a.csv', 'b.csv'], /import takes one FILE/],
    [['a.csv', '--format', 'xml'], /--format must be csv, jsonl or national/],
    [['a.csv', '--batch-size', '0'], /--batch-size must be an integer from 1 to 10000/],
    [['a.csv', '--batch-size'], /--batch-size needs a value/],
    [['a.csv', '--actor-org', 'tyut'], /unknown option --actor-org/],
    [['a.csv', '--encoding', 'klingon'], /not a known text encoding/],
    [['a.csv', '--verbose'], /unknown option --verbose/],
  ])('import %j is bad usage (exit 2)', async (args, message) => {
    await expect(importFile(args as string[], env, io().io)).rejects.toMatchObject({
      message: expect.stringMatching(message),
      exitCode: 2,
    });
  });

  it.each([
    [[], /generate needs --patents N/],
    [['--patents', 'many'], /--patents must be an integer/],
    [['--patents', '5', '--out', 'x.xlsx'], /--out must name a .csv, .jsonl or .ndjson file/],
    [['--patents', '5', '--now', 'yesterday'], /--now must be an ISO date/],
    [['--patents', '5', '--now', '2023-01-01'], /2024-06-01 or later/],
    [['--patents', '5', 'extra'], /generate takes no argument "extra"/],
  ])('generate %j is bad usage (exit 2)', async (args, message) => {
    await expect(generate(args as string[], env, io().io)).rejects.toMatchObject({
      message: expect.stringMatching(message),
      exitCode: 2,
    });
  });

  it('prints its help', async () => {
    const a = io();
    expect(await importFile(['--help'], env, a.io)).toBe(0);
    expect(a.out.stdout).toContain('patent-ledger import FILE [options]');
    const b = io();
    expect(await generate(['--help'], env, b.io)).toBe(0);
    expect(b.out.stdout).toContain('patent-ledger generate --patents N [options]');
  });
});
