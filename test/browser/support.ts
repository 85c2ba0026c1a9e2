/**
 * Browser end-to-end support: the real api (createApp, the harness's temporary SQLite file) on a
 * generated province, listening on a loopback port, serving the built console at `/`; accounts of
 * every role created through the admin API; headless Debian Chromium driven by playwright-core.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { applyProvince, generateProvince, type GeneratedProvince } from '@patent-ledger/bulk';
import type { EventStore } from '@patent-ledger/eventsourcing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { authAs, startHarness, type Harness } from '../e2e/harness';
import { EVENT_STORE } from '../../apps/api/src/ledger/tokens';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const ROOT = join(__dirname, '..', '..');
/**
 * Where the screens are photographed: the README's docs/screenshots when UPDATE_SCREENSHOTS=1
 * (`UPDATE_SCREENSHOTS=1 npx jest test/browser`), else a temporary folder, so a test run leaves the
 * committed pictures as they are.
 */
export const SCREENSHOTS =
  process.env['UPDATE_SCREENSHOTS'] === '1'
    ? join(ROOT, 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), 'patent-ledger-screens-'));
export const PASSWORD = 'console-password-1';

/** The headless flags that work on this closed network (no background connections, no GPU). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run "apt-get install -y chromium" (.ci/run does it when it is missing)`,
    );
  }
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  } catch (err) {
    throw new Error(`Chromium at ${CHROMIUM} could not start: ${(err as Error).message}`);
  }
}

export interface Account {
  user: string;
  orgId: string;
  role: 'institution' | 'enterprise' | 'ip-office' | 'auditor' | 'analyst';
  admin?: boolean;
}

export interface ConsoleWorld {
  harness: Harness;
  baseUrl: string;
  province: GeneratedProvince;
  accounts: Record<'office' | 'analyst' | 'auditor' | 'institution' | 'enterprise', Account>;
  /** A bearer header for direct API calls as the ip-office admin. */
  adminAuth: Record<string, string>;
  api<T>(path: string, headers?: Record<string, string>): Promise<T>;
  close(): Promise<void>;
}

export async function startConsoleWorld(
  options: { patents?: number; institutions?: number; seed?: number; env?: Record<string, string> } = {},
): Promise<ConsoleWorld> {
  // One thread: the suite shares 2 cores with the browser.
  const harness = await startHarness({
    env: {
      LEDGER_SQLITE_WRITER: 'inline',
      LEDGER_PROJECTOR: 'inline',
      LEDGER_COOKIE_SECURE: 'false',
      ...options.env,
    },
  });
  const app = harness.app();
  const store = app.get<EventStore>(EVENT_STORE);
  const province = generateProvince({
    patents: options.patents ?? 240,
    institutions: options.institutions ?? 12,
    seed: options.seed ?? 16,
    now: '2025-06-30T04:00:00Z',
  });
  const summary = await applyProvince(store, province, {});
  if (summary.errorCount > 0)
    throw new Error(`generate failed: ${JSON.stringify(summary.errors.slice(0, 3))}`);
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const adminAuth = await authAs({
    role: 'ip-office',
    orgId: 'sx-cnipa',
    userId: 'console-admin',
    admin: true,
  });
  const api = async <T>(path: string, headers: Record<string, string> = adminAuth): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, { headers: { Accept: 'application/json', ...headers } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  // Wait for the read models to catch up with the generated log.
  const head = await store.headPosition();
  for (let i = 0; ; i++) {
    const p = await api<{ projections: { name: string; position: number }[] }>('/projections');
    const list = p.projections;
    if (list.length > 0 && list.every((x) => x.position >= head)) break;
    if (i > 600) throw new Error(`projections did not catch up: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const institutionId = province.institutions[0]!.institutionId;
  const enterpriseId = province.enterprises[0]!.id;
  const accounts: ConsoleWorld['accounts'] = {
    office: { user: 'officer-zhang', orgId: 'sx-cnipa', role: 'ip-office', admin: true },
    analyst: { user: 'analyst-li', orgId: 'sx-stats', role: 'analyst' },
    auditor: { user: 'auditor-wu', orgId: 'sx-audit', role: 'auditor' },
    institution: { user: 'tto-wang', orgId: institutionId, role: 'institution' },
    enterprise: { user: 'ent-zhao', orgId: enterpriseId, role: 'enterprise' },
  };
  for (const a of Object.values(accounts)) {
    const res = await fetch(`${baseUrl}/users`, {
      method: 'POST',
      headers: { ...adminAuth, 'Content-Type': 'application/json', 'Idempotency-Key': `user-${a.user}` },
      body: JSON.stringify({
        userId: a.user,
        orgId: a.orgId,
        role: a.role,
        displayName: a.user,
        ...(a.admin ? { admin: true } : {}),
        password: PASSWORD,
      }),
    });
    if (res.status !== 201) throw new Error(`POST /users ${a.user}: ${res.status} ${await res.text()}`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    harness,
    baseUrl,
    province,
    accounts,
    adminAuth,
    api,
    close: () => harness.close(),
  };
}

/** Signs in through the console's form (Chinese labels). */
export async function signIn(page: Page, baseUrl: string, account: Account): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('用户名').fill(account.user);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('navigation', { name: '主导航' }).waitFor();
}

/** Builds the console (Vite) when its sources changed since the last build, as `npm start` does. */
export function ensureConsoleBuilt(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const script = require('../../scripts/build-if-stale.js') as {
    buildConsoleIfStale(o: { root: string; build: () => number }): { status: number };
  };
  const { status } = script.buildConsoleIfStale({
    root: ROOT,
    build: () =>
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('node:child_process') as typeof import('node:child_process')).spawnSync(
        'npm',
        ['run', '--silent', 'build:console'],
        { cwd: ROOT, stdio: 'inherit' },
      ).status ?? 1,
  });
  if (status !== 0) throw new Error('the console build (npm run build:console) failed');
}
