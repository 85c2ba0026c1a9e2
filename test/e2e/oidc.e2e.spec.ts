/**
 * Single sign-on against a real OpenID Connect provider (`oidc-provider`) started inside the test
 * on a loopback port: machine clients get signed JWT access tokens (client_credentials grant with
 * resource indicators) whose claims carry the ledger role and organisation. The api verifies them
 * with jose (discovery, the provider's JWKS, refetched when an unknown key appears); nothing of
 * jose is mocked.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  actors,
  eventsOf,
  expectProblem,
  inventoryBody,
  registerInstitution,
  startHarness,
  applicationNumber,
  type Harness,
} from './harness';

const AUDIENCE = 'urn:patent-ledger';
const OTHER_AUDIENCE = 'urn:another-api';
const SECRET = 'a client secret of the test provider';

/** What the provider says about each machine client in its access tokens. */
const CLIENT_CLAIMS: Record<string, Record<string, unknown>> = {
  'tyut-tto-sync': { ledger_role: 'institution', ledger_org: 'tyut' },
  'cnipa-console': { ledger_role: ['ip-office', 'staff'], ledger_org: 'sx-cnipa', ledger_admin: true },
  'cnipa-viewer': { ledger_role: 'ip-office', ledger_org: 'sx-cnipa' },
  'tyut-admin-claim': { ledger_role: 'institution', ledger_org: 'tyut', ledger_admin: true },
  'no-role': { ledger_org: 'tyut' },
  'two-roles': { ledger_role: ['institution', 'enterprise'], ledger_org: 'tyut' },
  'bad-org': { ledger_role: 'institution', ledger_org: 'tyut university' },
  'stats-bureau': { ledger: { role: 'analyst', org: 'sx-stats', person: 'analyst-7' } },
};

type Jwk = Record<string, unknown> & { kid: string };
const signingKey = (kid: string): Jwk => ({
  ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Record<
    string,
    unknown
  >),
  kid,
  alg: 'ES256',
  use: 'sig',
});

/** A provider on a loopback port, and every request it answered (path, time). */
class TestProvider {
  readonly requests: { path: string; at: number }[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly issuer: string,
  ) {}

  /**
   * Starts a provider signing with `key`. `port` reuses a port (a restart); `issuer` makes it claim
   * another issuer than its own address (an impostor).
   */
  static async start(key: Jwk, options: { port?: number; issuer?: string } = {}): Promise<TestProvider> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const issuer = options.issuer ?? `http://127.0.0.1:${port}/sso`;
    const { default: Provider } = await import('oidc-provider');
    const provider = new Provider(issuer, {
      clients: Object.keys(CLIENT_CLAIMS).map((client_id) => ({
        client_id,
        client_secret: SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      })),
      clientDefaults: { id_token_signed_response_alg: 'ES256' },
      jwks: { keys: [key] },
      ttl: { ClientCredentials: 600 },
      cookies: { keys: ['cookie key of the test provider'] },
      // Not the default /jwks: the api can only find it by discovery (or LEDGER_OIDC_JWKS_URL).
      routes: { jwks: '/keys/signing' },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => AUDIENCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => ({
            scope: 'ledger',
            audience: resource,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          }),
        },
      },
      extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) =>
        CLIENT_CLAIMS[token.clientId ?? ''] ?? {},
    });
    const handle = provider.callback();
    const p = new TestProvider(server, port, issuer);
    // Mounted under the issuer's path, as an express app.use(path, provider.callback()) would.
    const mount = new URL(issuer).pathname.replace(/\/$/, '');
    server.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      p.requests.push({ path, at: Date.now() });
      if (!path.startsWith(`${mount}/`)) {
        res.writeHead(404).end();
        return;
      }
      const url = req.url ?? '/';
      (req as { originalUrl?: string }).originalUrl = url;
      req.url = url.slice(mount.length);
      handle(req, res);
    });
    return p;
  }

  /** How often `path` was asked for. */
  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  get jwksPath(): string {
    return new URL(this.issuer).pathname + '/keys/signing';
  }

  /** A signed JWT access token of this client for `resource`. */
  async token(clientId: string, resource = AUDIENCE): Promise<string> {
    // A connection of its own (no keep-alive pool): the provider restarts on the same port.
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'ledger',
      resource,
    }).toString();
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          path: `${new URL(this.issuer).pathname}/token`,
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}`,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const token = status === 200 ? (JSON.parse(text) as { access_token?: string }).access_token : undefined;
    if (!token) throw new Error(`token of ${clientId}: ${status} ${text}`);
    return token;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const kidOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// oidc-provider warns about its development defaults (and Node 20): not this suite's business.
const warn = console.warn.bind(console);
beforeAll(() => {
  jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).startsWith('oidc-provider WARNING')) warn(...args);
  });
});
afterAll(() => jest.restoreAllMocks());

describe('single sign-on with an OpenID Connect provider (discovery)', () => {
  let provider: TestProvider;
  let h: Harness;
  const firstKey = signingKey('sso-key-1');

  beforeAll(async () => {
    provider = await TestProvider.start(firstKey);
    h = await startHarness({
      env: {
        LEDGER_OIDC_ISSUER: provider.issuer,
        LEDGER_OIDC_AUDIENCE: AUDIENCE,
        LEDGER_OIDC_ADMIN_CLAIM: 'ledger_admin',
      },
    });
    await registerInstitution(h);
  });
  afterAll(async () => {
    await h?.close();
    await provider?.stop();
  });

  it('finds the key set by discovery and accepts a provider token; the events record its principal', async () => {
    expect(h.config.auth.oidc?.jwksUrl).toBeUndefined();
    const token = await provider.token('tyut-tto-sync');
    expect(claimsOf(token)).toEqual(
      expect.objectContaining({
        iss: provider.issuer,
        aud: AUDIENCE,
        sub: 'tyut-tto-sync',
        ledger_role: 'institution',
      }),
    );
    expect(provider.count(`${new URL(provider.issuer).pathname}/.well-known/openid-configuration`)).toBe(0);

    const me = await h.anonymous().get('/auth/me').set(bearer(token));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      principal: {
        role: 'institution',
        orgId: 'tyut',
        userId: 'tyut-tto-sync',
        admin: false,
        source: 'oidc',
      },
    });
    // The api asked the provider where its keys are, then fetched them from there.
    expect(provider.count(`${new URL(provider.issuer).pathname}/.well-known/openid-configuration`)).toBe(1);
    expect(provider.count(provider.jwksPath)).toBe(1);

    const mine = applicationNumber(2019, 1, 601002);
    const res = await h
      .anonymous()
      .post('/patents')
      .set(bearer(token))
      .set('Idempotency-Key', `sso-${mine}`)
      .send(inventoryBody(mine));
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 201,
      body: expect.anything(),
    });
    const [created] = await eventsOf(h, mine);
    expect(created!.metadata.actor).toEqual({ role: 'institution', orgId: 'tyut', userId: 'tyut-tto-sync' });
  });

  it('takes a list of roles when exactly one of them is a ledger role, and the admin claim for ip-office only', async () => {
    const admin = await provider.token('cnipa-console');
    const me = await h.anonymous().get('/auth/me').set(bearer(admin));
    expect(me.body).toEqual({
      principal: {
        role: 'ip-office',
        orgId: 'sx-cnipa',
        userId: 'cnipa-console',
        admin: true,
        source: 'oidc',
      },
    });
    expect((await h.anonymous().get('/users').set(bearer(admin))).status).toBe(200);

    const viewer = await provider.token('cnipa-viewer');
    expectProblem(await h.anonymous().get('/users').set(bearer(viewer)), 403, 'ACCESS.DENIED');

    const claimsAdmin = await provider.token('tyut-admin-claim');
    expect((await h.anonymous().get('/auth/me').set(bearer(claimsAdmin))).body.principal).toEqual(
      expect.objectContaining({ role: 'institution', admin: false }),
    );

    // Two ledger roles in the list: which one is meant is not for the ledger to guess.
    const two = await h
      .anonymous()
      .get('/auth/me')
      .set(bearer(await provider.token('two-roles')));
    expectProblem(two, 401, 'AUTH.INVALID_TOKEN');
  });

  it('refuses a token with no role claim, or with an invalid organisation (401)', async () => {
    const noRole = await provider.token('no-role');
    expect(claimsOf(noRole)).not.toHaveProperty('ledger_role');
    const res = await h.anonymous().get('/auth/me').set(bearer(noRole));
    expectProblem(res, 401, 'AUTH.INVALID_TOKEN');
    expect(res.body.detail).toBe('the token carries no valid ledger role');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="patent-ledger", error="invalid_token"/);

    const write = await h
      .anonymous()
      .put('/institutions/tyut')
      .set(bearer(noRole))
      .set('Idempotency-Key', 'sso-no-role')
      .send({});
    expectProblem(write, 401, 'AUTH.INVALID_TOKEN');

    const badOrg = await h
      .anonymous()
      .get('/auth/me')
      .set(bearer(await provider.token('bad-org')));
    expectProblem(badOrg, 401, 'AUTH.INVALID_TOKEN');
    expect(badOrg.body.detail).toBe('the token carries no valid organisation');
  });

  it('refuses a token for another audience', async () => {
    const other = await provider.token('tyut-tto-sync', OTHER_AUDIENCE);
    expect(claimsOf(other)['aud']).toBe(OTHER_AUDIENCE);
    const res = await h.anonymous().get('/auth/me').set(bearer(other));
    expectProblem(res, 401, 'AUTH.INVALID_TOKEN');
    expect(res.body.detail).toBe('the token has an unacceptable aud claim');
  });

  it('refuses a token of another provider, and of an impostor naming the configured issuer', async () => {
    const stranger = await TestProvider.start(signingKey('stranger-key'));
    const impostor = await TestProvider.start(signingKey(firstKey.kid), { issuer: provider.issuer });
    try {
      const s = await stranger.token('tyut-tto-sync');
      const res = await h.anonymous().get('/auth/me').set(bearer(s));
      expectProblem(res, 401, 'AUTH.INVALID_TOKEN');
      expect(res.body.detail).toBe(`tokens of issuer "${stranger.issuer}" are not accepted`);

      // Same issuer, same kid, another key: the signature does not verify against the real provider's key.
      const forged = await impostor.token('cnipa-console');
      expect(claimsOf(forged)['iss']).toBe(provider.issuer);
      expect(kidOf(forged)).toBe(firstKey.kid);
      const f = await h.anonymous().get('/auth/me').set(bearer(forged));
      expectProblem(f, 401, 'AUTH.INVALID_TOKEN');
      expect(f.body.detail).toBe('the token signature is invalid');
      expect(stranger.requests.filter((r) => r.path !== '/sso/token')).toEqual([]);
      expect(impostor.requests.filter((r) => r.path !== '/sso/token')).toEqual([]);
    } finally {
      await stranger.stop();
      await impostor.stop();
    }
  });

  it('follows a key rotation: a token signed with the new key is accepted without restarting the api', async () => {
    const before = await provider.token('tyut-tto-sync');
    expect(kidOf(before)).toBe('sso-key-1');
    expect((await h.anonymous().get('/auth/me').set(bearer(before))).status).toBe(200);
    const unused = await provider.token('cnipa-console'); // signed with the old key, never shown yet
    const app = h.app();

    // The provider restarts on the same address and issuer, signing with a new key only.
    const port = provider.port;
    await provider.stop();
    provider = await TestProvider.start(signingKey('sso-key-2'), { port });
    const after = await provider.token('tyut-tto-sync');
    expect(kidOf(after)).toBe('sso-key-2');
    expect(claimsOf(after)['iss']).toBe(claimsOf(before)['iss']);

    // jose refetches a key set at most once a second (cooldown): let a second pass since the last fetch.
    await sleep(1100);
    const res = await h.anonymous().get('/auth/me').set(bearer(after));
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 200,
      body: { principal: expect.objectContaining({ userId: 'tyut-tto-sync', source: 'oidc' }) },
    });
    expect(h.app()).toBe(app);
    expect(provider.count(provider.jwksPath)).toBe(1); // the refetch, from the restarted provider

    // The old key is gone from the provider's set: a token signed with it that the api never saw is refused.
    const old = await h.anonymous().get('/auth/me').set(bearer(unused));
    expectProblem(old, 401, 'AUTH.INVALID_TOKEN');
    expect(old.body.detail).toBe('the token is signed with an unknown key');
  });

  it('refuses provider tokens (401, not 500) while the provider is down, and recovers when it is back', async () => {
    const port = provider.port;
    const key = signingKey('sso-key-3');
    await provider.stop();
    // A token of a key the api has never seen: it must ask the provider, which does not answer.
    const standIn = await TestProvider.start(key, { issuer: provider.issuer });
    const token = await standIn.token('tyut-tto-sync');
    await standIn.stop();
    await sleep(1100);
    const down = await h.anonymous().get('/auth/me').set(bearer(token));
    expectProblem(down, 401, 'AUTH.INVALID_TOKEN');
    expect(down.body.detail).toMatch(/^the sign-on provider cannot be reached/);
    // The ledger's own tokens do not depend on the provider.
    expect((await h.http().get('/auth/me')).status).toBe(200);

    provider = await TestProvider.start(key, { port });
    await sleep(1100);
    expect((await h.anonymous().get('/auth/me').set(bearer(token))).status).toBe(200);
  });
});

describe('single sign-on with LEDGER_OIDC_JWKS_URL', () => {
  let provider: TestProvider;
  let h: Harness;

  beforeAll(async () => {
    provider = await TestProvider.start(signingKey('configured-key'));
    h = await startHarness({
      env: {
        LEDGER_OIDC_ISSUER: provider.issuer,
        LEDGER_OIDC_AUDIENCE: AUDIENCE,
        LEDGER_OIDC_JWKS_URL: `http://127.0.0.1:${provider.port}${provider.jwksPath}`,
        LEDGER_OIDC_ROLE_CLAIM: 'ledger.role',
        LEDGER_OIDC_ORG_CLAIM: 'ledger.org',
        LEDGER_OIDC_USER_CLAIM: 'ledger.person',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await provider?.stop();
  });

  it('takes the keys from the configured URL without discovery, and the claims from the configured (nested) paths', async () => {
    const res = await h
      .anonymous()
      .get('/auth/me')
      .set(bearer(await provider.token('stats-bureau')));
    expect(res.body).toEqual({
      principal: { role: 'analyst', orgId: 'sx-stats', userId: 'analyst-7', admin: false, source: 'oidc' },
    });
    // Claims under other names than the configured ones do not count.
    const flat = await h
      .anonymous()
      .get('/auth/me')
      .set(bearer(await provider.token('cnipa-console')));
    expectProblem(flat, 401, 'AUTH.INVALID_TOKEN');
    expect(flat.body.detail).toBe('the token carries no valid ledger role');
    expect(provider.count(provider.jwksPath)).toBe(1);
    expect(provider.requests.some((r) => r.path.endsWith('/.well-known/openid-configuration'))).toBe(false);
    // The ledger's own tokens keep working next to the provider's.
    expect((await h.anonymous().get('/auth/me').set(actors.institution)).body.principal.source).toBe(
      'ledger',
    );
  });
});
