/**
 * Signing in and proving who you are over HTTP: POST /auth/login (token, cookie, CSRF secret), the
 * lock-out after failed sign-ins, disabled accounts and password resets, CSRF on cookie writes,
 * /auth/me, the public key set, the account endpoints of ip-office admins, and what the audit trail
 * keeps of passwords (nothing).
 */
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { EventStore } from '@patent-ledger/eventsourcing';
import { main } from '../../apps/cli/src/main';
import { Clock, EVENT_STORE } from '../../apps/api/src/ledger/tokens';
import {
  actors,
  applicationNumber,
  authAs,
  E2E_TOKEN_KEY_FILE,
  eventsOf,
  expectProblem,
  headPosition,
  inventoryBody,
  newKey,
  registerInstitution,
  startHarness,
  type Harness,
} from './harness';

/** The service's clock: real time, moved forward by the tests of the lock-out. */
class MovableClock extends Clock {
  offsetMs = 0;
  now(): string {
    return new Date(Date.now() + this.offsetMs).toISOString();
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

const PASSWORD = 'a long passphrase for wang';
const clock = new MovableClock();
let h: Harness;
let serial = 0;
/** A fresh account id (accounts are never deleted: each test makes its own). */
const uid = (name: string): string => `${name}-${++serial}`;

beforeAll(async () => {
  // Dozens of sign-ins from one address: the per-address limit of sign-ins is another suite's subject.
  h = await startHarness({ clock, env: { LEDGER_LOGIN_RATE_LIMIT: '0' } });
  await registerInstitution(h);
});
afterAll(async () => {
  await h?.close();
});

const store = (): EventStore => h.app().get<symbol, EventStore>(EVENT_STORE);

/** Creates an account as the harness's ip-office admin. */
async function createUser(userId: string, over: Record<string, unknown> = {}): Promise<void> {
  const res = await h
    .http()
    .post('/users')
    .send({
      userId,
      orgId: 'tyut',
      role: 'institution',
      displayName: `User ${userId}`,
      password: PASSWORD,
      ...over,
    });
  if (res.status !== 201) throw new Error(`create ${userId}: ${res.status} ${res.text}`);
}

const login = (user: string, password = PASSWORD) =>
  h.anonymous().post('/auth/login').send({ user, password });

async function signIn(
  user: string,
  password = PASSWORD,
): Promise<{ token: string; csrfToken: string; cookie: string }> {
  const res = await login(user, password);
  if (res.status !== 200) throw new Error(`login ${user}: ${res.status} ${res.text}`);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return { token: res.body.token, csrfToken: res.body.csrfToken, cookie: setCookie[0]!.split(';')[0]! };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const me = (headers: Record<string, string>) => h.anonymous().get('/auth/me').set(headers);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Repeats `probe` until it returns true or `ms` pass; returns its last answer. */
async function eventually(probe: () => Promise<boolean>, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > until) return false;
    await sleep(100);
  }
}

const eventTypes = async (userId: string) => (await store().readStream(`user-${userId}`)).map((e) => e.type);

describe('POST /auth/login', () => {
  it('signs in: a token, its expiry and a CSRF secret; an HttpOnly, SameSite=Strict session cookie', async () => {
    const wang = uid('wang');
    await createUser(wang);
    const before = Date.now();
    const res = await login(wang);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      tokenType: 'Bearer',
      expiresAt: expect.any(String),
      csrfToken: expect.stringMatching(/^[\w-]{32}$/),
      principal: { role: 'institution', orgId: 'tyut', userId: wang, admin: false, source: 'account' },
    });
    // One hour (LEDGER_LOGIN_TTL's default), from the service's clock.
    const ttl = Date.parse(res.body.expiresAt) - before - clock.offsetMs;
    expect(ttl).toBeGreaterThan(3_590_000);
    expect(ttl).toBeLessThanOrEqual(3_601_000);
    expect(res.headers['cache-control']).toBe('no-store');

    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(cookies).toHaveLength(1);
    const attrs = cookies[0]!.split(/;\s*/);
    expect(attrs[0]).toBe(`ledger_session=${res.body.token}`);
    expect(attrs).toEqual(
      expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=3600', 'Secure']),
    );

    expect((await me(bearer(res.body.token))).body).toEqual({ principal: res.body.principal });
  });

  it('refuses a wrong password and an unknown user alike (401, the same message), recording only the first', async () => {
    const wang = uid('wang');
    await createUser(wang);
    const wrong = await login(wang, 'not the password at all');
    const unknown = await login(uid('nobody'), PASSWORD);
    const noPassword = uid('nopass');
    await createUser(noPassword, { password: undefined });
    const passwordless = await login(noPassword, PASSWORD);
    for (const res of [wrong, unknown, passwordless]) {
      expectProblem(res, 401, 'AUTH.LOGIN_FAILED');
      expect(res.body.detail).toBe('the user or the password is wrong, or the account is disabled');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(await eventTypes(wang)).toEqual(['UserCreated', 'PasswordSet', 'LoginFailed']);
    expect(await eventTypes(`nobody-${serial - 1}`)).toEqual([]);
  });

  it('validates the request', async () => {
    expectProblem(await h.anonymous().post('/auth/login').send({ user: 'x' }), 400, 'VALIDATION.FAILED', [
      'password',
    ]);
    expectProblem(
      await h.anonymous().post('/auth/login').send({ user: 'bad user', password: PASSWORD, remember: true }),
      400,
      'VALIDATION.FAILED',
      ['user', 'remember'],
    );
  });

  it('slows an account down after five failed sign-ins in a row (429, Retry-After), doubling the wait', async () => {
    const slow = uid('slow');
    await createUser(slow);
    for (let i = 1; i <= 5; i++)
      expectProblem(await login(slow, `wrong password ${i}!!`), 401, 'AUTH.LOGIN_FAILED');
    const stream = await store().readStream(`user-${slow}`);
    expect(stream.map((e) => e.type)).toEqual([
      'UserCreated',
      'PasswordSet',
      ...Array(5).fill('LoginFailed'),
    ]);
    for (const e of stream.filter((x) => x.type === 'LoginFailed')) {
      expect(e.metadata.actor).toEqual({ role: 'anonymous', orgId: 'unauthenticated', userId: 'anonymous' });
    }

    // The right password is refused during the wait, and the refusal appends nothing.
    const head = await headPosition(h);
    const throttled = await login(slow);
    expectProblem(throttled, 429, 'AUTH.LOGIN_THROTTLED');
    const retry = Number(throttled.headers['retry-after']);
    expect(Number.isInteger(retry) && retry >= 1 && retry <= 30).toBe(true);
    expect(throttled.body.detail).toBe(`too many failed sign-ins for this account: try again in ${retry} s`);
    expect(throttled.headers['set-cookie']).toBeUndefined();
    expectProblem(await login(slow, 'still wrong, still waiting'), 429, 'AUTH.LOGIN_THROTTLED');
    expect(await headPosition(h)).toBe(head);

    // 30 s later a sixth failure makes the next wait 60 s.
    clock.advance(31);
    expectProblem(await login(slow, 'wrong once more!!'), 401, 'AUTH.LOGIN_FAILED');
    const longer = await login(slow);
    expectProblem(longer, 429, 'AUTH.LOGIN_THROTTLED');
    const retry2 = Number(longer.headers['retry-after']);
    expect(retry2 > 30 && retry2 <= 60).toBe(true);

    // After the wait the right password signs in and ends the run of failures.
    clock.advance(61);
    expect((await login(slow)).status).toBe(200);
    expect((await eventTypes(slow)).slice(-2)).toEqual(['LoginFailed', 'LoginSucceeded']);
    expectProblem(await login(slow, 'one wrong again!!'), 401, 'AUTH.LOGIN_FAILED');
    expect((await login(slow)).status).toBe(200);
  });

  it('counts failed sign-ins sent all at once: a burst of guesses gets five tries, not one per request', async () => {
    const burst = uid('burst');
    await createUser(burst);
    const guesses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(burst, `parallel guess ${i}!!`)),
    );
    const statuses = guesses.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(429)]);
    expect((await eventTypes(burst)).filter((t) => t === 'LoginFailed')).toHaveLength(5);
    // After the wait, the next burst gets one try again (and the one after it waits 60 s).
    clock.advance(31);
    const next = await Promise.all(Array.from({ length: 6 }, (_, i) => login(burst, `another guess ${i}!!`)));
    expect(next.map((r) => r.status).sort()).toEqual([401, 429, 429, 429, 429, 429]);
    expect((await eventTypes(burst)).filter((t) => t === 'LoginFailed')).toHaveLength(6);
  });

  it('does not slow down an account whose failures are not in a row', async () => {
    const steady = uid('steady');
    await createUser(steady);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++)
        expectProblem(await login(steady, `wrong password ${i}!!`), 401, 'AUTH.LOGIN_FAILED');
      expect((await login(steady)).status).toBe(200);
    }
  });
});

describe('disabled accounts and password resets', () => {
  it('refuses to sign in a disabled account, and its existing sign-in token stops working', async () => {
    const gone = uid('gone');
    await createUser(gone);
    const { token } = await signIn(gone);
    expect((await me(bearer(token))).status).toBe(200);

    const disabled = await h.http().post(`/users/${gone}/disable`).send({ reason: 'left the office' });
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe('disabled');

    // The guard trusts an account state it read for up to 2 s.
    expect(await eventually(async () => (await me(bearer(token))).status === 401)).toBe(true);
    const refused = await me(bearer(token));
    expectProblem(refused, 401, 'AUTH.INVALID_TOKEN');
    expect(refused.body.detail).toBe('the account is disabled or gone');
    const write = await h
      .anonymous()
      .post('/patents')
      .set(bearer(token))
      .set('Idempotency-Key', newKey())
      .send(inventoryBody(applicationNumber(2018, 1, 770001)));
    expectProblem(write, 401, 'AUTH.INVALID_TOKEN');

    const again = await login(gone);
    expectProblem(again, 401, 'AUTH.LOGIN_FAILED');
    expect(again.body.detail).toBe('the user or the password is wrong, or the account is disabled');
    // The right password of a disabled account is not a failure to count.
    expect((await eventTypes(gone)).filter((t) => t === 'LoginFailed')).toEqual([]);
  });

  it('does not bring back the tokens of before the disabling when the account is enabled again', async () => {
    const back = uid('back');
    await createUser(back);
    const { token: before } = await signIn(back);
    expect((await h.http().post(`/users/${back}/disable`).send({ reason: 'on leave' })).status).toBe(200);
    expect(await eventually(async () => (await me(bearer(before))).status === 401)).toBe(true);
    const enabled = await h.http().post(`/users/${back}/enable`).send();
    expect({ status: enabled.status, state: enabled.body.status }).toEqual({ status: 200, state: 'active' });

    await sleep(2100); // past the guard's 2 s account cache
    const revived = await me(bearer(before));
    expectProblem(revived, 401, 'AUTH.INVALID_TOKEN');
    expect(revived.body.detail).toBe('the account was disabled since the token was issued; sign in again');
    const { token: after } = await signIn(back);
    expect((await me(bearer(after))).status).toBe(200);
  });

  it('a password reset ends the sign-in tokens issued before it', async () => {
    const reset = uid('reset');
    await createUser(reset);
    const { token: old } = await signIn(reset);
    const changed = await h
      .http()
      .put(`/users/${reset}/password`)
      .send({ password: 'the brand new passphrase' });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual(expect.objectContaining({ passwordVersion: 2, hasPassword: true }));

    expect(await eventually(async () => (await me(bearer(old))).status === 401)).toBe(true);
    expect((await me(bearer(old))).body.detail).toBe(
      'the password changed since the token was issued; sign in again',
    );
    expectProblem(await login(reset, PASSWORD), 401, 'AUTH.LOGIN_FAILED');
    const { token: fresh } = await signIn(reset, 'the brand new passphrase');
    expect((await me(bearer(fresh))).status).toBe(200);
  });
});

describe('CSRF on writes authenticated by the session cookie', () => {
  let session: { token: string; csrfToken: string; cookie: string };
  let tto: string;
  beforeAll(async () => {
    tto = uid('tto');
    await createUser(tto);
    session = await signIn(tto);
  });

  const inventoryWithCookie = (number: string, headers: Record<string, string>) =>
    h
      .anonymous()
      .post('/patents')
      .set('Cookie', session.cookie)
      .set('Idempotency-Key', newKey())
      .set(headers)
      .send(inventoryBody(number));

  it('refuses a cookie write without the X-CSRF-Token, or with a wrong one (403 AUTH.CSRF), appending nothing', async () => {
    const number = applicationNumber(2018, 1, 770101);
    const head = await headPosition(h);
    const wrongs: Record<string, string>[] = [
      {},
      { 'X-CSRF-Token': 'x'.repeat(session.csrfToken.length) },
      { 'X-CSRF-Token': session.csrfToken.slice(1) },
      { 'X-CSRF-Token': '' },
      { 'X-CSRF-Token': session.token },
    ];
    for (const headers of wrongs) {
      const res = await inventoryWithCookie(number, headers);
      expectProblem(res, 403, 'AUTH.CSRF');
      expect(res.body.detail).toBe(
        'a write with the session cookie needs the X-CSRF-Token the sign-in returned',
      );
    }
    expect(await headPosition(h)).toBe(head);
    expect(await eventsOf(h, number)).toEqual([]);
  });

  it('accepts the cookie write with the right X-CSRF-Token, recording the signed-in user', async () => {
    const number = applicationNumber(2018, 1, 770102);
    const res = await inventoryWithCookie(number, { 'X-CSRF-Token': session.csrfToken });
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 201,
      body: expect.anything(),
    });
    const [created] = await eventsOf(h, number);
    expect(created!.metadata.actor).toEqual({ role: 'institution', orgId: 'tyut', userId: tto });
  });

  it('needs no CSRF token to read with the cookie, nor to write with the bearer header', async () => {
    const read = await h.anonymous().get('/auth/me').set('Cookie', session.cookie);
    expect(read.status).toBe(200);
    expect(read.body.principal.source).toBe('account');
    const number = applicationNumber(2018, 1, 770103);
    const res = await h
      .anonymous()
      .post('/patents')
      .set(bearer(session.token))
      .set('Idempotency-Key', newKey())
      .send(inventoryBody(number));
    expect(res.status).toBe(201);
  });

  it('refuses a cookie that carries a token without a CSRF secret (not a sign-in) for writes', async () => {
    const cliToken = (
      await authAs({ role: 'institution', orgId: 'tyut', userId: 'tto-wang' })
    ).Authorization.slice(7);
    const res = await h
      .anonymous()
      .post('/patents')
      .set('Cookie', `ledger_session=${cliToken}`)
      .set('X-CSRF-Token', 'anything')
      .set('Idempotency-Key', newKey())
      .send(inventoryBody(applicationNumber(2018, 1, 770104)));
    expectProblem(res, 403, 'AUTH.CSRF');
  });

  it('signs out: the cookie is cleared', async () => {
    const res = await h.anonymous().post('/auth/logout').set('Cookie', session.cookie);
    expect(res.status).toBe(204);
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0]!;
    expect(cookie.split(/;\s*/)).toEqual(
      expect.arrayContaining(['ledger_session=', 'Max-Age=0', 'HttpOnly', 'SameSite=Strict']),
    );
  });

  it('signs out: the session token is no longer honoured, neither as cookie nor as bearer; other sessions live on', async () => {
    const ended = await signIn(tto);
    const other = await signIn(tto);
    expect((await me(bearer(ended.token))).status).toBe(200);
    expect((await h.anonymous().post('/auth/logout').set('Cookie', ended.cookie)).status).toBe(204);
    expectProblem(await me(bearer(ended.token)), 401, 'AUTH.INVALID_TOKEN');
    expectProblem(await h.anonymous().get('/auth/me').set('Cookie', ended.cookie), 401, 'AUTH.INVALID_TOKEN');
    expect((await me(bearer(other.token))).status).toBe(200);
    expect(await eventTypes(tto)).toContain('SignedOut');
    // Signing out a bearer session works the same way, and twice is harmless.
    expect((await h.anonymous().post('/auth/logout').set(bearer(other.token))).status).toBe(204);
    expect((await h.anonymous().post('/auth/logout').set(bearer(other.token))).status).toBe(204);
    expectProblem(await me(bearer(other.token)), 401, 'AUTH.INVALID_TOKEN');
  });
});

describe('who the credential proves you are', () => {
  it('GET /auth/me answers the principal of a bearer token, and 401 without one', async () => {
    expect((await me(actors.ipOffice)).body).toEqual({
      principal: { role: 'ip-office', orgId: 'sx-cnipa', userId: 'officer-1', admin: true, source: 'ledger' },
    });
    const none = await h.anonymous().get('/auth/me');
    expectProblem(none, 401, 'AUTH.REQUIRED');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="patent-ledger"');
    expectProblem(await me({ Authorization: 'Basic dXNlcjpwdw==' }), 401, 'AUTH.INVALID_TOKEN');
    expectProblem(await me({ Authorization: 'Bearer not-a-jwt' }), 401, 'AUTH.INVALID_TOKEN');
  });

  it('publishes the public key set, which verifies a token printed by the CLI', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    const env = { LEDGER_DB: join(h.dir, 'ledger.db'), LEDGER_TOKEN_KEY_FILE: E2E_TOKEN_KEY_FILE };
    const code = await main(
      ['token', '--role', 'auditor', '--org', 'sx-audit', '--user', 'cli-auditor'],
      env,
      {
        stdout,
        stderr: new PassThrough(),
        isTTY: false,
      },
    );
    expect(code).toBe(0);
    const token = out.trim();

    const res = await h.anonymous().get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.body.keys).toHaveLength(1);
    for (const k of res.body.keys as Record<string, unknown>[]) expect(k).not.toHaveProperty('d');
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(res.body), {
      issuer: 'patent-ledger',
      audience: 'patent-ledger',
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader.kid).toBe(res.body.keys[0].kid);
    expect(payload).toEqual(
      expect.objectContaining({ sub: 'cli-auditor', org: 'sx-audit', role: 'auditor' }),
    );
    expect((await me(bearer(token))).body.principal).toEqual(
      expect.objectContaining({ role: 'auditor', orgId: 'sx-audit', userId: 'cli-auditor' }),
    );
  });
});

describe('the account endpoints', () => {
  it('let an ip-office admin create, list, read, reset, disable and enable an account (never showing a hash)', async () => {
    const li = uid('li');
    const created = await h.http().post('/users').send({
      userId: li,
      orgId: 'sx-coal-materials',
      role: 'enterprise',
      displayName: '李明',
      password: PASSWORD,
    });
    expect(created.status).toBe(201);
    expect(created.headers['location']).toBe(`/users/${li}`);
    expect(created.body).toEqual({
      status: 'active',
      userId: li,
      orgId: 'sx-coal-materials',
      role: 'enterprise',
      displayName: '李明',
      admin: false,
      passwordVersion: 1,
      failedInARow: 0,
      hasPassword: true,
      version: expect.any(Number),
    });
    expectProblem(
      await h
        .http()
        .post('/users')
        .send({ userId: li, orgId: 'tyut', role: 'institution', displayName: 'again' }),
      409,
      'ACCOUNT.EXISTS',
    );

    expect(
      await eventually(async () => {
        const list = await h.http().get('/users');
        return (list.body.items as { userId: string }[]).some((a) => a.userId === li);
      }),
    ).toBe(true);
    const list = await h.http().get('/users').query({ orgId: 'sx-coal-materials' });
    expect(list.body.items).toEqual([
      expect.objectContaining({
        userId: li,
        orgId: 'sx-coal-materials',
        role: 'enterprise',
        admin: false,
        disabled: false,
      }),
    ]);

    const got = await h.http().get(`/users/${li}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
    expect(JSON.stringify(got.body)).not.toMatch(/scrypt|passwordHash/);
    expectProblem(await h.http().get(`/users/${uid('nobody')}`), 404, 'ACCOUNT.NOT_FOUND');

    const reset = await h.http().put(`/users/${li}/password`).send({ password: 'another long passphrase' });
    expect(reset.body).toEqual(expect.objectContaining({ passwordVersion: 2, hasPassword: true }));
    expect(JSON.stringify(reset.body)).not.toMatch(/scrypt/);
    const disabled = await h.http().post(`/users/${li}/disable`).send({ reason: 'contract ended' });
    expect(disabled.body.status).toBe('disabled');
    const enabled = await h.http().post(`/users/${li}/enable`).send();
    expect(enabled.body.status).toBe('active');
    expect((await login(li, 'another long passphrase')).status).toBe(200);
    expect(await eventTypes(li)).toEqual([
      'UserCreated',
      'PasswordSet',
      'PasswordSet',
      'UserDisabled',
      'UserEnabled',
    ]);
  });

  it('validate what they are sent', async () => {
    const x = uid('x');
    const base = { userId: x, orgId: 'tyut', role: 'institution', displayName: 'X' };
    expectProblem(
      await h
        .http()
        .post('/users')
        .send({ ...base, password: 'short' }),
      400,
      'VALIDATION.FAILED',
      ['password'],
    );
    expectProblem(
      await h
        .http()
        .post('/users')
        .send({ ...base, passwordHash: 'scrypt$1$1$1$a$b' }),
      400,
      'VALIDATION.FAILED',
      ['passwordHash'],
    );
    expectProblem(
      await h
        .http()
        .post('/users')
        .send({ ...base, admin: true }),
      400,
      'ACCOUNT.ADMIN_NOT_IP_OFFICE',
    );
    expectProblem(
      await h
        .http()
        .post('/users')
        .send({ ...base, role: 'root' }),
      400,
      'FIELD.NOT_ALLOWED',
      ['role'],
    );
    expect(await eventTypes(x)).toEqual([]);
  });

  it('are for ip-office admins only: 403 for an ip-office officer who is not an admin, and other roles', async () => {
    const target = uid('target');
    await createUser(target);
    const officer = await authAs({ role: 'ip-office', orgId: 'sx-cnipa', userId: 'officer-2', admin: false });
    for (const who of [officer, actors.institution, actors.auditor]) {
      const calls = [
        h
          .anonymous()
          .post('/users')
          .set(who)
          .send({ userId: uid('y'), orgId: 'tyut', role: 'institution', displayName: 'Y' }),
        h.anonymous().get('/users').set(who),
        h.anonymous().get(`/users/${target}`).set(who),
        h.anonymous().put(`/users/${target}/password`).set(who).send({ password: 'an attacker passphrase' }),
        h.anonymous().post(`/users/${target}/disable`).set(who).send({ reason: 'x' }),
        h.anonymous().post(`/users/${target}/enable`).set(who).send(),
      ];
      for (const res of await Promise.all(calls)) expectProblem(res, 403, 'ACCESS.DENIED');
    }
    expect(await eventTypes(target)).toEqual(['UserCreated', 'PasswordSet']);
    expect((await login(target)).status).toBe(200);
  });
});

describe('the audit trail', () => {
  it('never contains a password hash (JSON or CSV)', async () => {
    const audited = uid('audited');
    await createUser(audited);
    await h.http().put(`/users/${audited}/password`).send({ password: 'yet another passphrase' });
    const hashes = (await store().readStream(`user-${audited}`))
      .filter((e) => e.type === 'PasswordSet')
      .map((e) => (e.data as { passwordHash: string }).passwordHash);
    expect(hashes).toHaveLength(2);
    for (const hash of hashes) expect(hash).toMatch(/^scrypt\$/);
    const minPosition = await headPosition(h);

    const json = await h.http().get('/audit').query({ eventType: 'PasswordSet', minPosition, limit: 500 });
    expect(json.status).toBe(200);
    const mine = (json.body.items as { streamName: string; data: Record<string, unknown> }[]).filter(
      (e) => e.streamName === `user-${audited}`,
    );
    expect(mine.map((e) => e.data)).toEqual([
      { userId: audited, passwordHash: '[redacted]', reset: false },
      { userId: audited, passwordHash: '[redacted]', reset: true },
    ]);
    const all = await h.http().get('/audit').query({ minPosition, limit: 500 });
    const csv = await h.http().get('/audit').query({ minPosition }).set('Accept', 'text/csv');
    expect(csv.status).toBe(200);
    expect(csv.text).toContain(`user-${audited}`);
    for (const text of [json.text, all.text, csv.text]) {
      expect(text).not.toContain('scrypt$');
      for (const hash of hashes) expect(text).not.toContain(hash.split('$')[5]);
    }
  });
});
