/**
 * GET /auth/config: what the console needs to offer its sign-in choices, public (no credential),
 * and nothing more than public facts (the issuer, the console's public client id, the audience).
 */
import { ConfigError, loadConfig } from '../../apps/api/src/config';
import { consoleOptions, securityHeaders } from '../../apps/api/src/console/console.module';
import { startHarness, type Harness } from './harness';

const ISSUER = 'https://sso.example.gov.cn/realms/sx';

describe('GET /auth/config', () => {
  let plain: Harness;
  let sso: Harness;
  beforeAll(async () => {
    plain = await startHarness();
    sso = await startHarness({
      env: {
        LEDGER_OIDC_ISSUER: ISSUER,
        LEDGER_OIDC_AUDIENCE: 'urn:patent-ledger',
        LEDGER_OIDC_CONSOLE_CLIENT_ID: 'patent-ledger-console',
      },
    });
  });
  afterAll(async () => {
    await plain?.close();
    await sso?.close();
  });

  it('offers only the password sign-in when no OpenID Connect provider is configured', async () => {
    const res = await plain.anonymous().get('/auth/config').expect(200);
    expect(res.body).toEqual({ password: true, oidc: null });
  });

  it('names the issuer, the console client id and the audience, to anyone, when single sign-on is configured', async () => {
    const res = await sso.anonymous().get('/auth/config').expect(200);
    expect(res.body).toEqual({
      password: true,
      oidc: {
        issuer: ISSUER,
        clientId: 'patent-ledger-console',
        audience: 'urn:patent-ledger',
        scope: 'openid',
      },
    });
  });

  it('offers no single sign-on for an issuer whose tokens are accepted but with no console client', async () => {
    const h = await startHarness({
      env: { LEDGER_OIDC_ISSUER: ISSUER, LEDGER_OIDC_AUDIENCE: 'urn:patent-ledger' },
    });
    try {
      expect((await h.anonymous().get('/auth/config').expect(200)).body.oidc).toBeNull();
    } finally {
      await h.close();
    }
  });

  it('refuses a console client id without an issuer, with a one-line reason', () => {
    expect(() => loadConfig({ LEDGER_OIDC_CONSOLE_CLIENT_ID: 'patent-ledger-console' })).toThrow(
      new ConfigError('LEDGER_OIDC_CONSOLE_CLIENT_ID is set but LEDGER_OIDC_ISSUER is not'),
    );
    expect(() =>
      loadConfig({
        LEDGER_OIDC_ISSUER: ISSUER,
        LEDGER_OIDC_AUDIENCE: 'urn:patent-ledger',
        LEDGER_OIDC_CONSOLE_CLIENT_ID: 'a client',
      }),
    ).toThrow(/LEDGER_OIDC_CONSOLE_CLIENT_ID=a client is invalid/);
  });

  it('lets the console page connect to the provider only when it offers single sign-on (CSP connect-src)', () => {
    const csp = (env: Record<string, string>) =>
      securityHeaders(consoleOptions(loadConfig(env)))['Content-Security-Policy'];
    expect(csp({})).toContain("connect-src 'self';");
    expect(csp({ LEDGER_OIDC_ISSUER: ISSUER, LEDGER_OIDC_AUDIENCE: 'urn:patent-ledger' })).toContain(
      "connect-src 'self';",
    );
    expect(
      csp({
        LEDGER_OIDC_ISSUER: ISSUER,
        LEDGER_OIDC_AUDIENCE: 'urn:patent-ledger',
        LEDGER_OIDC_CONSOLE_CLIENT_ID: 'patent-ledger-console',
      }),
    ).toContain("connect-src 'self' https://sso.example.gov.cn;");
  });
});
