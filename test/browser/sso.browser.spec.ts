/**
 * Single sign-on in the console, in headless Chromium, against a real OpenID Connect provider
 * (`oidc-provider`, its development sign-in pages) started in the test on a loopback port: the
 * sign-in screen offers the provider (GET /auth/config), the browser runs the authorization code
 * flow with PKCE (S256), and the console then calls the api with the provider's access token as its
 * bearer credential; an answer that does not match the sign-in started in the tab is refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page, Request } from 'playwright-core';
import {
  ensureConsoleBuilt,
  launchChromium,
  SCREENSHOTS,
  startConsoleWorld,
  type ConsoleWorld,
} from './support';

jest.setTimeout(300_000);

const AUDIENCE = 'urn:patent-ledger';
const CLIENT_ID = 'patent-ledger-console';
/** What the provider says about each person in the access tokens it issues. */
const accountClaims = (accountId: string): Record<string, unknown> => {
  switch (accountId) {
    case 'analyst-sso':
      return { ledger_role: 'analyst', ledger_org: 'sx-stats' };
    case 'enterprise-sso':
      return { ledger_role: 'enterprise', ledger_org: world.province.enterprises[0]!.id };
    default:
      return {};
  }
};

let server: Server;
let world: ConsoleWorld;
let browser: Browser;

beforeAll(async () => {
  ensureConsoleBuilt();
  // The provider's port first (the api must know the issuer), its configuration once the console's
  // address (the redirect URI) is known.
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sso`;
  world = await startConsoleWorld({
    patents: 60,
    institutions: 4,
    env: {
      LEDGER_OIDC_ISSUER: issuer,
      LEDGER_OIDC_AUDIENCE: AUDIENCE,
      LEDGER_OIDC_CONSOLE_CLIENT_ID: CLIENT_ID,
    },
  });
  const key = {
    ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Record<
      string,
      unknown
    >),
    kid: 'sso-1',
    alg: 'ES256',
    use: 'sig',
  };
  const { default: Provider } = await import('oidc-provider');
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [`${world.baseUrl}/`],
        post_logout_redirect_uris: [`${world.baseUrl}/`],
      },
    ],
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    jwks: { keys: [key] },
    cookies: { keys: ['cookie key of the test provider'] },
    // Anyone who signs in at the development pages is that account.
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Grant: 600,
      Interaction: 600,
      Session: 600,
    },
    // The console's origin may call the token endpoint from the browser.
    clientBasedCORS: (_ctx: unknown, origin: string) => origin === world.baseUrl,
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'openid',
          audience: resource,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    extraTokenClaims: (_ctx: unknown, token: { accountId?: string }) => accountClaims(token.accountId ?? ''),
  });
  const handle = provider.callback();
  server.on('request', (req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith('/sso/')) {
      res.writeHead(404).end();
      return;
    }
    (req as { originalUrl?: string }).originalUrl = url;
    req.url = url.slice('/sso'.length);
    handle(req, res);
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await world?.close();
  await new Promise((r) => server?.close(r));
});

/** Through the provider's own (development) pages: sign in, then consent. */
async function atProvider(page: Page, login: string): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password at the test provider');
  await page.locator('button[type="submit"]').click();
  await page.locator('button[type="submit"]').click();
  await page.getByRole('navigation', { name: '主导航' }).waitFor();
}

async function navLinks(page: Page): Promise<string[]> {
  return page
    .getByRole('navigation', { name: '主导航' })
    .locator('a[data-screen]')
    .evaluateAll((as) => as.map((a) => a.getAttribute('data-screen') ?? ''));
}

describe('single sign-on in the console', () => {
  it('signs in at the provider (authorization code + PKCE) and calls the api with its token as bearer', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    const requests: Request[] = [];
    page.on('request', (r) => requests.push(r));
    await page.goto(`${world.baseUrl}/`);
    const sso = page.getByRole('button', { name: '使用统一身份认证登录' });
    await sso.waitFor();
    await page.getByLabel('用户名').waitFor(); // the account sign-in stays offered
    const axe = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    expect(
      axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
    ).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'sign-in-sso.png') });
    await sso.click();

    await atProvider(page, 'analyst-sso');
    expect(await page.locator('.who').getAttribute('data-principal')).toBe('analyst:sx-stats');
    expect(await navLinks(page)).toEqual(['dashboard', 'pool', 'obligations']);
    await page.locator('#milestones tr[data-milestone]').first().waitFor();
    expect(new URL(page.url()).search).toBe(''); // the code is not left in the address bar

    const authorize = requests.find((r) => new URL(r.url()).pathname === '/sso/auth')!;
    const q = new URL(authorize.url()).searchParams;
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('client_id')).toBe(CLIENT_ID);
    const token = requests.find((r) => new URL(r.url()).pathname === '/sso/token')!;
    expect(new URLSearchParams(token.postData() ?? '').get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const progress = requests.filter((r) => new URL(r.url()).pathname === '/progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const r of progress) {
      const h = await r.allHeaders();
      expect(h['authorization']).toMatch(/^Bearer ey/);
    }
    // The same token, straight to the api: the principal the provider's claims name.
    const bearer = (await progress[0]!.allHeaders())['authorization']!;
    const me = await fetch(`${world.baseUrl}/auth/me`, { headers: { Authorization: bearer } });
    expect(((await me.json()) as { principal: { role: string; orgId: string } }).principal).toMatchObject({
      role: 'analyst',
      orgId: 'sx-stats',
    });
    await context.close();
  });

  it('signs out at the provider too (RP-initiated logout), so the next sign-on asks who you are again', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${world.baseUrl}/`);
    const sso = page.getByRole('button', { name: '使用统一身份认证登录' });
    await sso.click();
    await atProvider(page, 'analyst-sso');
    // The provider's end-session page, named by its discovery document, with the ID token as hint.
    const leaving = page.waitForRequest((r) => new URL(r.url()).pathname === '/sso/session/end');
    await page.getByRole('button', { name: '退出' }).click();
    const endSession = await leaving;
    const q = new URL(endSession.url()).searchParams;
    expect(q.get('client_id')).toBe(CLIENT_ID);
    expect(q.get('post_logout_redirect_uri')).toBe(`${world.baseUrl}/`);
    expect(q.get('id_token_hint')?.split('.')).toHaveLength(3);
    // Its confirmation form (the provider's own page), then back to the console's sign-in screen.
    await page.locator('button[autofocus], button[type="submit"]').first().click();
    await sso.waitFor();
    expect(new URL(page.url()).origin).toBe(world.baseUrl);
    // Nothing of the sign-on is left in the tab (no provider token, no ID token).
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual([]);
    // The provider's session is over: signing on again asks for the account at its sign-in page.
    await sso.click();
    await page.locator('input[name="login"]').waitFor();
    await atProvider(page, 'enterprise-sso');
    expect(await page.locator('.who').getAttribute('data-principal')).toBe(
      `enterprise:${world.province.enterprises[0]!.id}`,
    );
    await context.close();
  });

  it("shows another role's screens to the person the provider names with that role", async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${world.baseUrl}/`);
    await page.getByRole('button', { name: '使用统一身份认证登录' }).click();
    await atProvider(page, 'enterprise-sso');
    const enterprise = world.province.enterprises[0]!.id;
    expect(await page.locator('.who').getAttribute('data-principal')).toBe(`enterprise:${enterprise}`);
    expect(await navLinks(page)).toEqual(['enterprise', 'pool']);
    await page.locator('#post-need').waitFor();
    await page.locator('#my-deals').waitFor();
    await context.close();
  });

  it('refuses an answer that does not match a sign-in started in this tab (state)', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    const tokenCalls: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/sso/token') tokenCalls.push(r.url());
    });
    const alert = page.locator('main [role=alert]');
    // No sign-in started in this tab at all.
    await page.goto(`${world.baseUrl}/?code=forged-code&state=forged-state`);
    await alert.waitFor();
    expect(await alert.textContent()).toBe('登录失败: 本标签页未发起统一身份认证登录');
    // A sign-in started here, then an answer with another state.
    await page.getByRole('button', { name: '使用统一身份认证登录' }).click();
    await page.locator('input[name="login"]').waitFor();
    await page.goto(`${world.baseUrl}/?code=forged-code&state=forged-state`);
    await alert.waitFor();
    expect(await alert.textContent()).toBe('登录失败: 认证结果与本页发起的登录不符（state）');
    expect(await page.locator('nav').count()).toBe(0);
    expect(tokenCalls).toEqual([]); // the forged code was never exchanged
    expect(new URL(page.url()).search).toBe('');
    await context.close();
  });
});
