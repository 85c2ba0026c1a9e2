/**
 * Every command and subcommand has `--help` with its options and an example; an unknown option or
 * command names the closest valid one (commander).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { COMMAND_NAMES, COMMAND_SPECS, main } from '../../apps/cli/src/main';
import { USERS_SPECS } from '../../apps/cli/src/commands/users';

async function cli(args: string[], env: NodeJS.ProcessEnv) {
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
  dir = mkdtempSync(join(tmpdir(), 'patent-ledger-help-'));
  env = { LEDGER_DB: join(dir, 'data', 'ledger.db'), LEDGER_TOKEN_KEY_FILE: join(dir, 'token-key.pem') };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ALL = [
  ...COMMAND_NAMES.filter((n) => n !== 'users').map((n) => [n, COMMAND_SPECS[n]!] as const),
  ...Object.entries(USERS_SPECS).map(([sub, spec]) => [`users ${sub}`, spec] as const),
];

describe('--help', () => {
  it('lists every command, including the subcommands of users', async () => {
    const r = await cli(['--help'], env);
    expect(r.code).toBe(0);
    for (const name of COMMAND_NAMES) expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(COMMAND_NAMES).toEqual(
      expect.arrayContaining([
        'import',
        'generate',
        'institutions',
        'verify',
        'replay',
        'export',
        'verify-bundle',
        'keygen',
        'rebuild',
        'project',
        'projections',
        'migrate',
        'token',
        'users',
      ]),
    );
    const users = await cli(['users', '--help'], env);
    expect(users.code).toBe(0);
    for (const sub of ['add', 'passwd', 'disable', 'enable', 'list'])
      expect(users.stdout).toContain(`  users ${sub} `);
  });

  it.each(ALL)('%s --help shows its usage, every option and an example', async (name, spec) => {
    const r = await cli([...name.split(' '), '--help'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`Usage: patent-ledger ${name} `);
    for (const o of spec.options) expect(r.stdout).toContain(o.flags);
    expect(r.stdout).toContain('-h, --help');
    expect(r.stdout).toMatch(/\nExamples?:\n {2}\S/);
    expect(spec.examples.length).toBeGreaterThan(0);
    // help COMMAND says the same
    expect((await cli(['help', ...name.split(' ')], env)).stdout).toBe(r.stdout);
  });
});

describe('unknown options and commands', () => {
  it.each([
    [['import', 'a.csv', '--batch-sise', '5'], 'unknown option --batch-sise (did you mean --batch-size?)'],
    [['generate', '--patent', '5'], 'unknown option --patent (did you mean --patents?)'],
    [['replay', '201710601862.3', '--asof', '2024-01-01'], 'unknown option --asof (did you mean --as-of?)'],
    [['verify', '--jsno'], 'unknown option --jsno (did you mean --json?)'],
    [['token', '--rol', 'ip-office'], 'unknown option --rol (did you mean --role?)'],
    [['users', 'add', 'x', '--orgs', 'y'], 'unknown option --orgs (did you mean --org?)'],
    [['improt', 'a.csv'], 'unknown command improt (did you mean import?)'],
    [['users', 'ad', 'x'], 'unknown command ad (did you mean add?)'],
  ])('%j names the closest valid one (exit 2, one line)', async (args, message) => {
    const r = await cli(args, env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toContain(message);
  });

  it('a value may follow its option or be joined with =', async () => {
    const a = await cli(['token', '--role', 'analyst', '--org', 'sx-stats', '--user', 'a1'], env);
    const b = await cli(['token', '--role=analyst', '--org=sx-stats', '--user=a1', '--ttl=15m'], env);
    expect([a.code, b.code, b.stderr]).toEqual([0, 0, '']);
    expect(b.stdout.trim().split('.')).toHaveLength(3);
    const missing = await cli(['token', '--role'], env);
    expect(missing.stderr).toContain('--role needs a value');
    expect(missing.code).toBe(2);
  });
});
