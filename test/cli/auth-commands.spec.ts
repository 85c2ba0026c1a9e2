/**
 * `patent-ledger token` and `patent-ledger users`, run as the executable runs them (runCli → main),
 * against the ledger of a running api (the e2e harness: same LEDGER_DB and LEDGER_TOKEN_KEY_FILE):
 * what the CLI prints is what the api accepts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { typescriptPrelude } from '@patent-ledger/eventsourcing';
import { ConfigError, loadConfig } from '../../apps/api/src/config';
import { runCli } from '../../apps/cli/src/main';
import { E2E_TOKEN_KEY_FILE, expectProblem, headPosition, startHarness, type Harness } from '../e2e/harness';

const ROOT = join(__dirname, '..', '..');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `patent-ledger ARGS` in-process; `stdin` is what standard input holds. */
async function cli(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<Ran> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = { stdout: '', stderr: '' };
  stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const io = { stdout, stderr, isTTY: false, stdin: Readable.from([Buffer.from(stdin)]) };
  const code = await runCli(args, env, io);
  return { code, ...out };
}

/** A failure: a non-zero exit code, nothing on stdout, one line on stderr (returned). */
function failure(r: Ran): string {
  expect({
    code: r.code === 0 ? 0 : 'non-zero',
    stdout: r.stdout,
    lines: r.stderr.split('\n').length,
  }).toEqual({
    code: 'non-zero',
    stdout: '',
    lines: 2,
  });
  expect(r.stderr).toMatch(/^patent-ledger: \S.*\n$/);
  return r.stderr;
}

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let h: Harness;
let env: NodeJS.ProcessEnv;
let scratch: string;

beforeAll(async () => {
  h = await startHarness();
  env = {
    LEDGER_DB: h.config.dbFile,
    LEDGER_READ_DB: h.config.readDbFile,
    LEDGER_TOKEN_KEY_FILE: E2E_TOKEN_KEY_FILE,
    LEDGER_LOG_LEVEL: 'error',
    LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL',
  };
  scratch = mkdtempSync(join(tmpdir(), 'patent-ledger-auth-cli-'));
});
afterAll(async () => {
  await h?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const me = (token: string) => h.anonymous().get('/auth/me').set('Authorization', `Bearer ${token}`);

describe('patent-ledger token', () => {
  it('prints exactly one line holding one token, which the api accepts', async () => {
    const r = await cli(['token', '--role', 'institution', '--org', 'tyut', '--user', 'tto-wang'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = r.stdout.trim();
    const res = await me(token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      principal: { role: 'institution', orgId: 'tyut', userId: 'tto-wang', admin: false, source: 'ledger' },
    });
    // 8 hours unless told otherwise.
    const c = claimsOf(token);
    expect(Number(c['exp']) - Number(c['iat'])).toBe(8 * 3600);
  });

  it('makes an ip-office admin with --admin, and a token of the lifetime --ttl says', async () => {
    const r = await cli(
      ['token', '--role=ip-office', '--org=sx-cnipa', '--user=cli-admin', '--admin', '--ttl', '90s'],
      env,
    );
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(Number(claimsOf(token)['exp']) - Number(claimsOf(token)['iat'])).toBe(90);
    expect((await me(token)).body.principal).toEqual(
      expect.objectContaining({ role: 'ip-office', admin: true }),
    );
    expect((await h.anonymous().get('/users').set('Authorization', `Bearer ${token}`)).status).toBe(200);
  });

  it('signs with the key LEDGER_TOKEN_KEY_FILE names: another key makes a token the api refuses', async () => {
    const otherKey = join(scratch, 'other', 'token-key.pem');
    const r = await cli(['token', '--role', 'institution', '--org', 'tyut', '--user', 'tto-wang'], {
      ...env,
      LEDGER_TOKEN_KEY_FILE: otherKey,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    // The key was created on first use, and said so on stderr (not stdout), in one line.
    expect(existsSync(otherKey)).toBe(true);
    expect(r.stderr).toMatch(
      new RegExp(`^patent-ledger: created a new token-signing key at ${otherKey} .*\\n$`),
    );
    expect(r.stderr.split('\n')).toHaveLength(2);
    const res = await me(r.stdout.trim());
    expectProblem(res, 401, 'AUTH.INVALID_TOKEN');
    expect(res.body.detail).toBe('the token signature is invalid');
  });

  it('refuses a bad role, a missing option, a bad lifetime, a bad id, with one line and a non-zero exit', async () => {
    const fresh = join(scratch, 'never', 'token-key.pem');
    const e = { ...env, LEDGER_TOKEN_KEY_FILE: fresh };
    const base = ['--role', 'institution', '--org', 'tyut', '--user', 'tto-wang'];
    const cases: [string[], RegExp][] = [
      [
        ['--role', 'root', '--org', 'tyut', '--user', 'u'],
        /--role must be one of institution, enterprise, ip-office, auditor, analyst, got "root"/,
      ],
      [['--org', 'tyut', '--user', 'u'], /--role is required/],
      [['--role', 'institution', '--user', 'u'], /--org is required/],
      [['--role', 'institution', '--org', 'tyut'], /--user is required/],
      [[...base, '--ttl', '8'], /--ttl: invalid lifetime "8"/],
      [[...base, '--ttl', '0s'], /--ttl: invalid lifetime "0s"/],
      [[...base, '--ttl', '400d'], /--ttl: invalid lifetime "400d": from 1s to 366d/],
      [[...base, '--ttl'], /--ttl needs a value/],
      [[...base, '--admin'], /--admin goes with --role ip-office only/],
      [
        ['--role', 'institution', '--org', 'tyut university', '--user', 'u'],
        /^patent-ledger: --org "tyut university" is invalid: 1-128 letters/,
      ],
      [['--role', 'institution', '--org', 'tyut', '--user', 'a/b'], /--user "a\/b" is invalid/],
      [[...base, '--rol', 'x'], /unknown option --rol/],
      [[...base, 'extra'], /unexpected argument extra/],
    ];
    for (const [args, reason] of cases) {
      const r = await cli(['token', ...args], e);
      expect({ args, stderr: r.stderr }).toEqual({ args, stderr: expect.stringMatching(/^[^\n]*\n$/) });
      expect({ args, line: failure(r) }).toEqual({ args, line: expect.stringMatching(reason) });
      expect(r.code).toBe(2);
    }
    // None of these created a key.
    expect(existsSync(fresh)).toBe(false);
  });

  it('as a process: stdout holds the token line and nothing else', async () => {
    const key = join(scratch, 'process', 'token-key.pem');
    const script = `${typescriptPrelude(join(ROOT, 'libs'))}
      require(${JSON.stringify(join(ROOT, 'apps', 'cli', 'src', 'main.ts'))}).runCli(process.argv.slice(1), process.env, {
        stdout: process.stdout, stderr: process.stderr, isTTY: false,
      }).then((code) => process.exit(code));`;
    const run = (args: string[]) =>
      new Promise<Ran>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', script, ...args], {
          env: { ...process.env, ...env, LEDGER_TOKEN_KEY_FILE: key, LEDGER_TOKEN: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const out = { stdout: '', stderr: '' };
        child.stdout.setEncoding('utf8').on('data', (c: string) => (out.stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (out.stderr += c));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, ...out }));
      });
    const ok = await run(['token', '--role', 'auditor', '--org', 'sx-audit', '--user', 'auditor-9']);
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({
      code: 0,
      stderr: expect.stringMatching(/^patent-ledger: created a new token-signing key at .*\n$/),
    });
    expect(ok.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const bad = await run(['token', '--role', 'auditor', '--org', 'sx-audit']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('patent-ledger: --user is required; see patent-ledger token --help\n');
  }, 60_000);
});

describe('patent-ledger users', () => {
  const PASSWORD = 'a passphrase read from stdin';

  it('add reads the password from standard input; POST /auth/login then signs in with it', async () => {
    const r = await cli(
      ['users', 'add', 'cli-wang', '--org', 'tyut', '--role', 'institution', '--name', '王老师'],
      env,
      `${PASSWORD}\n`,
    );
    expect(r).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^user-cli-wang: UserCreated, PasswordSet \(version \d+\)\n$/),
      stderr: '',
    });
    const login = await h.anonymous().post('/auth/login').send({ user: 'cli-wang', password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.principal).toEqual({
      role: 'institution',
      orgId: 'tyut',
      userId: 'cli-wang',
      admin: false,
      source: 'account',
    });
    // The operator who holds the token key is the actor.
    const minPosition = await headPosition(h);
    const events = await h
      .http()
      .get('/audit')
      .query({ actorOrg: 'ledger-operator', eventType: 'UserCreated', minPosition });
    expect((events.body.items as { streamName: string }[]).map((e) => e.streamName)).toContain(
      'user-cli-wang',
    );
    expect(JSON.stringify(events.body)).not.toContain(PASSWORD);

    const wrong = await h
      .anonymous()
      .post('/auth/login')
      .send({ user: 'cli-wang', password: `${PASSWORD}!` });
    expect(wrong.status).toBe(401);
  });

  it('refuses a short password or none on standard input, creating nothing', async () => {
    for (const stdin of ['short\n', '', '\nthe passphrase on line two\n']) {
      const r = await cli(
        ['users', 'add', 'cli-short', '--org', 'tyut', '--role', 'institution'],
        env,
        stdin,
      );
      expect(failure(r)).toMatch(
        /the password read from standard input is not accepted: a password needs at least 12 characters/,
      );
    }
    expect((await h.http().get('/users/cli-short')).status).toBe(404);
  });

  it('passwd and disable act on the account the api signs in', async () => {
    expect(
      (await cli(['users', 'add', 'cli-li', '--org', 'tyut', '--role', 'institution'], env, `${PASSWORD}\n`))
        .code,
    ).toBe(0);
    const signIn = await h.anonymous().post('/auth/login').send({ user: 'cli-li', password: PASSWORD });
    const token = signIn.body.token as string;
    expect((await me(token)).status).toBe(200);

    const passwd = await cli(['users', 'passwd', 'cli-li'], env, 'the second passphrase\n');
    expect(passwd.stdout).toMatch(/^user-cli-li: PasswordSet \(version \d+\)\n$/);
    expect(
      (await h.anonymous().post('/auth/login').send({ user: 'cli-li', password: PASSWORD })).status,
    ).toBe(401);
    expect(
      (await h.anonymous().post('/auth/login').send({ user: 'cli-li', password: 'the second passphrase' }))
        .status,
    ).toBe(200);
    // A write by another process: the api notices within its 2 s account cache.
    let status = 0;
    for (let i = 0; i < 40 && status !== 401; i++) {
      status = (await me(token)).status;
      if (status !== 401) await sleep(100);
    }
    expect(status).toBe(401);

    const disable = await cli(['users', 'disable', 'cli-li', '--reason', 'left'], env);
    expect(disable.stdout).toMatch(/^user-cli-li: UserDisabled \(version \d+\)\n$/);
    expect(
      (await h.anonymous().post('/auth/login').send({ user: 'cli-li', password: 'the second passphrase' }))
        .status,
    ).toBe(401);
    expect(failure(await cli(['users', 'disable', 'cli-li'], env))).toMatch(/--reason is required/);
    expect(failure(await cli(['users', 'passwd', 'nobody-here'], env, `${PASSWORD}\n`))).toMatch(
      /ACCOUNT\.NOT_FOUND/,
    );
  });

  it('lists the accounts', async () => {
    let r: Ran = { code: -1, stdout: '', stderr: '' };
    for (let i = 0; i < 50; i++) {
      r = await cli(['users', 'list'], env);
      if (r.stdout.includes('cli-li\t')) break;
      await sleep(100);
    }
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cli-wang\ttyut\tinstitution\tactive\t王老师$/m);
    expect(r.stdout).toMatch(/^cli-li\ttyut\tinstitution\tdisabled\tcli-li$/m);
  });

  it('is for ip-office admins: a token of anyone else is refused', async () => {
    const t = await cli(['token', '--role', 'ip-office', '--org', 'sx-cnipa', '--user', 'officer-2'], env);
    const r = await cli(
      ['users', 'add', 'cli-x', '--org', 'tyut', '--role', 'institution', '--token', t.stdout.trim()],
      env,
      `${PASSWORD}\n`,
    );
    expect(failure(r)).toMatch(/accounts are managed by an ip-office admin; the token is ip-office sx-cnipa/);
    const bogus = await cli(['users', 'enable', 'cli-li'], { ...env, LEDGER_TOKEN: 'not.a.token' });
    expect(failure(bogus)).toMatch(/the token is not accepted/);
    expect((await h.http().get('/users/cli-x')).status).toBe(404);
  });
});

describe('the token key and the data folder', () => {
  it('config refuses a token key inside the data folder, naming LEDGER_TOKEN_KEY_FILE', async () => {
    const data = join(scratch, 'ledger-data');
    const e = { LEDGER_DB: join(data, 'ledger.db') };
    for (const inside of [
      join(data, 'token-key.pem'),
      join(data, 'keys', 'token-key.pem'),
      `${data}/../ledger-data/k.pem`,
    ]) {
      let err: unknown;
      try {
        loadConfig({ ...e, LEDGER_TOKEN_KEY_FILE: inside });
      } catch (x) {
        err = x;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(
        /^LEDGER_TOKEN_KEY_FILE=\S+ is invalid: the token key must live outside the data folder /,
      );
    }
    // Beside the data folder is the default, and fine.
    expect(loadConfig(e).auth.tokenKeyFile).toBe(join(scratch, 'keys', 'token-key.pem'));
    expect(
      loadConfig({ ...e, LEDGER_TOKEN_KEY_FILE: join(scratch, 'elsewhere.pem') }).auth.tokenKeyFile,
    ).toBe(join(scratch, 'elsewhere.pem'));
    // Nor may it be the chain-signing key.
    expect(() =>
      loadConfig({
        ...e,
        LEDGER_TOKEN_KEY_FILE: join(scratch, 's.pem'),
        LEDGER_SIGNING_KEY_FILE: join(scratch, 's.pem'),
      }),
    ).toThrow(/LEDGER_TOKEN_KEY_FILE is invalid: it must not be the chain-signing key/);

    // The CLI says so in one line and creates no key.
    const inside = join(data, 'token-key.pem');
    const r = await cli(['token', '--role', 'institution', '--org', 'tyut', '--user', 'u'], {
      ...e,
      LEDGER_TOKEN_KEY_FILE: inside,
    });
    expect(failure(r)).toMatch(
      /LEDGER_TOKEN_KEY_FILE=.* is invalid: the token key must live outside the data folder/,
    );
    expect(r.code).toBe(1);
    expect(existsSync(inside)).toBe(false);
  });
});
