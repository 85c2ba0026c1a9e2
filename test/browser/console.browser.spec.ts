/**
 * The web console in headless Debian Chromium (playwright-core), against the real api on a
 * generated province: every role sees only its screens and data, the dashboard shows the API's
 * figures and re-draws for another date, an upload shows its bad rows, a double-clicked form
 * appends once and a stale one is refused, validation messages appear at their field, axe-core
 * finds no serious violation on any screen. The README's screenshots are taken here.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { applicationNumber, authAs, inventoryBody, withWrongCheckDigit } from '../e2e/harness';
import {
  ensureConsoleBuilt,
  launchChromium,
  SCREENSHOTS,
  signIn,
  startConsoleWorld,
  type Account,
  type ConsoleWorld,
} from './support';

jest.setTimeout(300_000);

/** The page's document, inside page.evaluate callbacks (the root tsconfig has no DOM library). */
declare const document: {
  querySelector(
    selector: string,
  ): { getAttribute(n: string): string | null; hasAttribute(n: string): boolean } | null;
  activeElement: { className: string; getAttribute(n: string): string | null } | null;
};

let world: ConsoleWorld;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  browser = await launchChromium();
  world = await startConsoleWorld();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await world?.close();
});

async function pageAs(account: Account, viewport = { width: 1366, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport, acceptDownloads: true, locale: 'zh-CN' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => {
    throw err;
  });
  await signIn(page, world.baseUrl, account);
  return page;
}

async function navLinks(page: Page): Promise<string[]> {
  return page
    .getByRole('navigation', { name: '主导航' })
    .locator('a[data-screen]')
    .evaluateAll((as) => as.map((a) => a.getAttribute('data-screen') ?? ''));
}

/** axe-core on the page as it is: no serious or critical violation (WCAG 2.x A and AA rules). */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const serious = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${screen}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
  expect(serious).toEqual([]);
  expect(result.passes.length).toBeGreaterThan(0);
}

interface Totals {
  inventoried: number;
}
interface Progress {
  asOf: string;
  byProvince?: Totals[];
  byDepartment?: Totals[];
  province: {
    institutions: number;
    stockPatentCount: number;
    inventoried: number;
    coveragePercent: number | null;
    newCohortInventoried: number;
  };
  milestones: {
    id: string;
    status: string;
    value: number | null;
    unit: string;
    pool?: { patents: number; evaluated: number };
  }[];
  institutions: { institutionId: string; inventoried: number; coveragePercent: number | null }[];
}

const percent = (v: number | null) => (v === null ? '—' : `${v}%`);

interface KpiDeal {
  count: number;
}
interface KpiFigures {
  inventoryCoverage: number | null;
  poolPatents: number;
  poolAdmissionRate: number | null;
  evaluationCoverage: number | null;
  deals: { transfer: KpiDeal; license: KpiDeal; openLicense: KpiDeal; industrialization: KpiDeal };
  implementationRate: number | null;
  industrializationRate: number | null;
  openLicenseTakings: number;
  medianDaysAdmissionToFirstDeal: number | null;
  obligations: { onTime: number; late: number; overdue: number };
}

/** Every KPI tile shows the figure GET /kpis answers for that date, as the api states it. */
async function expectKpisEqualApi(page: Page, asOf: string): Promise<void> {
  const k = await world.api<KpiFigures>(`/kpis?asOf=${asOf}`);
  await page.locator(`#programme-kpis [data-kpis-as-of="${asOf}"]`).waitFor();
  const expected: Record<string, string> = {
    inventoryCoverage: percent(k.inventoryCoverage),
    poolPatents: String(k.poolPatents),
    poolAdmissionRate: percent(k.poolAdmissionRate),
    evaluationCoverage: percent(k.evaluationCoverage),
    'deals.transfer': String(k.deals.transfer.count),
    'deals.license': String(k.deals.license.count),
    openLicenseTakings: String(k.openLicenseTakings),
    'deals.industrialization': String(k.deals.industrialization.count),
    implementationRate: percent(k.implementationRate),
    industrializationRate: percent(k.industrializationRate),
    medianDaysAdmissionToFirstDeal:
      k.medianDaysAdmissionToFirstDeal === null ? '—' : String(k.medianDaysAdmissionToFirstDeal),
    'obligations.onTime': String(k.obligations.onTime),
    'obligations.late': String(k.obligations.late),
    'obligations.overdue': String(k.obligations.overdue),
  };
  const shown = Object.fromEntries(
    await page
      .locator('#programme-kpis [data-kpi]')
      .evaluateAll((ls) =>
        ls.map((l) => [l.getAttribute('data-kpi'), l.querySelector('.tile-value')?.textContent ?? '']),
      ),
  ) as Record<string, string>;
  expect(shown).toEqual(expected);
}

async function expectDashboardEqualsApi(page: Page, asOf: string): Promise<void> {
  const api = await world.api<Progress>(`/progress?asOf=${asOf}`);
  const tile = (id: string) => page.locator(`[data-kpi="${id}"] .tile-value`);
  await expect(tile('coverage')).toHaveTextLocator(percent(api.province.coveragePercent));
  expect(await tile('institutions').textContent()).toBe(String(api.province.institutions));
  expect(await tile('stock').textContent()).toBe(String(api.province.stockPatentCount));
  expect(await tile('inventoried').textContent()).toBe(String(api.province.inventoried));
  expect(await tile('new').textContent()).toBe(String(api.province.newCohortInventoried));
  // Per province and per supervising department, where the api reports them.
  for (const [key, id] of [
    ['byProvince', '#per-province'],
    ['byDepartment', '#per-department'],
  ] as const) {
    const totals = api[key];
    if (!totals) continue;
    const shown = await page.locator(`${id} tbody tr td:nth-child(4)`).allTextContents();
    expect(shown).toEqual(totals.map((r) => String(r.inventoried)));
  }
  // Every milestone, in the api's order, with its status and value.
  const rows = await page
    .locator('#milestones tr[data-milestone]')
    .evaluateAll((trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-milestone'),
        tr.querySelector('[data-status]')?.getAttribute('data-status'),
      ]),
    );
  expect(rows).toEqual(api.milestones.map((m) => [m.id, m.status]));
  for (const i of api.institutions) {
    const row = page.locator(`tr[data-institution="${i.institutionId}"]`);
    expect(await row.locator('[data-inventoried]').textContent()).toBe(String(i.inventoried));
    expect(await row.locator('[data-coverage]').textContent()).toBe(percent(i.coveragePercent));
  }
  // Coverage over time: what the chart's ECharts instance holds (data-drawn: its getOption) once it
  // has this date's points, equal to GET /kpis' monthly series from the programme's start.
  await page.waitForFunction((d) => {
    const el = document.querySelector('#coverage-chart [data-drawn]');
    const drawn = JSON.parse(el?.getAttribute('data-drawn') ?? '{}') as { x?: string[] };
    return (drawn.x ?? []).at(-1) === d;
  }, asOf);
  const drawn = JSON.parse(
    (await page.locator('#coverage-chart [data-drawn]').getAttribute('data-drawn')) ?? '{}',
  ) as { x: string[]; series: (number | null)[][] };
  const kpis = await world.api<KpiFigures & { series: { asOf: string; inventoryCoverage: number | null }[] }>(
    `/kpis?series=monthly&from=2024-02-29&asOf=${asOf}`,
  );
  expect(kpis.series.length).toBeGreaterThan(1);
  expect(drawn.x).toEqual(kpis.series.map((s) => s.asOf));
  expect(drawn.series[0]).toEqual(kpis.series.map((s) => s.inventoryCoverage));
  // The same figure as /progress' coverage at asOf (stock cohort inventoried ÷ stock counts).
  expect(drawn.series[0]!.at(-1)).toBe(api.province.coveragePercent);
  // The funnel: inventory and the evaluated pool as of that date (deals only for today).
  const funnel = JSON.parse(
    (await page.locator('#funnel [data-chart]').getAttribute('data-chart')) ?? '[]',
  ) as {
    value: number;
  }[];
  const evaluation = api.milestones.find((m) => m.id === 'evaluation-basic');
  expect(funnel.slice(0, 3).map((f) => f.value)).toEqual([
    api.province.inventoried + api.province.newCohortInventoried,
    evaluation!.pool!.patents,
    evaluation!.pool!.evaluated,
  ]);
  expect(funnel).toHaveLength(asOf === (await page.locator('#as-of').getAttribute('max')) ? 5 : 3);
  // The chart really drew (ECharts' SVG renderer, loaded after the first paint).
  await page.locator('#coverage-chart svg path').first().waitFor({ state: 'attached' });
  await page.locator('#funnel svg path').first().waitFor({ state: 'attached' });
}

// A tiny matcher helper: wait until a locator shows exactly this text.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toHaveTextLocator(text: string): Promise<R>;
    }
  }
}
expect.extend({
  async toHaveTextLocator(locator: import('playwright-core').Locator, text: string) {
    const deadline = Date.now() + 10_000;
    let last: string | null = null;
    while (Date.now() < deadline) {
      last = await locator
        .first()
        .textContent({ timeout: 10_000 })
        .catch(() => null);
      if (last === text) return { pass: true, message: () => `found "${text}"` };
      await new Promise((r) => setTimeout(r, 100));
    }
    return { pass: false, message: () => `expected "${text}", last saw "${last}"` };
  },
});

describe('the console', () => {
  it('is served at / to a browser, while / asked for JSON stays the API index', async () => {
    const html = await fetch(`${world.baseUrl}/`, {
      headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const body = await html.text();
    expect(body).toContain('/console/assets/');
    const asset = /\/console\/assets\/[^"]+\.js/.exec(body)![0];
    const js = await fetch(`${world.baseUrl}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    const json = await fetch(`${world.baseUrl}/`, { headers: { Accept: 'application/json' } });
    expect(json.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await json.json()) as { name: string }).name).toBe('patent-ledger');
    expect((await fetch(`${world.baseUrl}/console/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('signs in each role and shows only its screens and data', async () => {
    const expected: Record<string, string[]> = {
      office: ['dashboard', 'pool', 'obligations', 'admin'],
      analyst: ['dashboard', 'pool', 'obligations'],
      auditor: ['pool', 'obligations'],
      institution: ['institution', 'pool', 'obligations'],
      enterprise: ['enterprise', 'pool'],
    };
    for (const [name, screens] of Object.entries(expected)) {
      const account = world.accounts[name as keyof ConsoleWorld['accounts']];
      const page = await pageAs(account);
      expect(await navLinks(page)).toEqual(screens);
      expect(await page.locator('[data-principal]').getAttribute('data-principal')).toBe(
        `${account.role}:${account.orgId}`,
      );
      // A screen the role may not use is not shown even by its address.
      await page.goto(`${world.baseUrl}/#/admin`);
      await page.locator('main h1').waitFor();
      if (!screens.includes('admin'))
        expect(await page.locator('main h1').textContent()).not.toBe('系统管理');
      await page.context().close();
    }

    // An institution's obligations are its own: the list equals what the api returns to it.
    const tyut = await pageAs(world.accounts.institution);
    await tyut.goto(`${world.baseUrl}/#/obligations`);
    await tyut.getByLabel('状态').selectOption('all');
    const auth = await authAs({ role: 'institution', orgId: world.accounts.institution.orgId, userId: 'x' });
    const own = await world.api<{ total: number; items: { institutionId: string }[] }>(
      '/obligations?limit=500',
      auth,
    );
    expect(own.items.every((o) => o.institutionId === world.accounts.institution.orgId)).toBe(true);
    await expect(tyut.locator('.total')).toHaveTextLocator(`共 ${own.total} 条`);
    const all = await world.api<{ total: number }>('/obligations?limit=1');
    expect(all.total).toBeGreaterThan(own.total);

    // Deal money is left out for an analyst, shown to the ip-office.
    const analyst = await pageAs(world.accounts.analyst);
    await analyst.goto(`${world.baseUrl}/#/pool`);
    await analyst.locator('.patent-card').first().waitFor();
    expect(await analyst.locator('.patent-card dt', { hasText: '挂牌价' }).count()).toBe(0);
    const office = await pageAs(world.accounts.office);
    await office.goto(`${world.baseUrl}/#/pool`);
    await office.locator('.patent-card').first().waitFor();
    expect(await office.locator('.patent-card dt', { hasText: '挂牌价' }).count()).toBeGreaterThan(0);

    // An enterprise opening a patent sees its state, not the holder's records (the api says 403).
    const ent = await pageAs(world.accounts.enterprise);
    const id = (await world.api<{ items: { applicationNumber: string }[] }>('/resource-pool?limit=1'))
      .items[0]!.applicationNumber;
    await ent.goto(`${world.baseUrl}/#/patent/${id}`);
    await ent.locator('#timeline [role=alert]').waitFor();
    expect(await ent.locator('#timeline').textContent()).toContain('无权查看');
  });

  it("shows the API's figures on the dashboard and re-draws everything for another as-of date", async () => {
    const page = await pageAs(world.accounts.office);
    await page.locator('#milestones tr[data-milestone]').first().waitFor();
    const today = await page.locator('#as-of').inputValue();
    await expectDashboardEqualsApi(page, today);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });

    await page.locator('#as-of').fill('2024-05-31');
    await expect(page.locator('[data-kpi="coverage"] .tile-value')).toHaveTextLocator(
      percent((await world.api<Progress>('/progress?asOf=2024-05-31')).province.coveragePercent),
    );
    await page.locator('#milestones tr[data-milestone]').first().waitFor();
    await expectDashboardEqualsApi(page, '2024-05-31');
    const before = await world.api<Progress>(`/progress?asOf=${today}`);
    const after = await world.api<Progress>('/progress?asOf=2024-05-31');
    expect(after.province.inventoried).not.toBe(before.province.inventoried); // the date matters

    // Keyboard only: Tab past the skip link into the navigation, Enter opens the pool.
    await page.reload();
    await page.locator('#milestones tr[data-milestone]').first().waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-screen'))).toBe('dashboard');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-screen'))).toBe('pool');
    await page.keyboard.press('Enter');
    await expect(page.locator('main h1')).toHaveTextLocator('转化资源库');
    await page.goto(`${world.baseUrl}/#/dashboard`);
    await page.locator('#milestones tr[data-milestone]').first().waitFor();

    // English switch, and a tablet's screen.
    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.locator('h1')).toHaveTextLocator('Programme dashboard');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-tablet-en.png') });
    await page.getByRole('button', { name: '中文' }).click();
    await expect(page.locator('h1')).toHaveTextLocator('计划进度看板');
  });

  it('shows the KPI tiles of GET /kpis, equal to its figures, and re-draws them for another as-of date', async () => {
    const page = await pageAs(world.accounts.office);
    const today = await page.locator('#as-of').inputValue();
    await expectKpisEqualApi(page, today);
    await page.locator('#as-of').fill('2024-05-31');
    await expectKpisEqualApi(page, '2024-05-31');
    const now = await world.api<KpiFigures>(`/kpis?asOf=${today}`);
    const then = await world.api<KpiFigures>('/kpis?asOf=2024-05-31');
    expect(then.inventoryCoverage).not.toBe(now.inventoryCoverage); // the date matters
  });

  it('loads the dashboard with each request once, all sent together, and marks it ready', async () => {
    const page = await pageAs(world.accounts.office);
    await page.locator('#milestones tr[data-milestone]').first().waitFor();
    await page.reload();
    await page.waitForFunction(() => performance.getEntriesByName('dashboard-ready').length > 0);
    await page.locator('#funnel [data-drawn]').waitFor({ state: 'attached' });
    const requests = await page.evaluate(() =>
      (
        performance.getEntriesByType('resource') as unknown as {
          name: string;
          initiatorType: string;
          startTime: number;
          responseEnd: number;
        }[]
      )
        .filter((r) => r.initiatorType === 'fetch')
        .map((r) => {
          const u = new URL(r.name);
          return { path: `${u.pathname}${u.search}`, start: r.startTime, end: r.responseEnd };
        }),
    );
    const paths = requests.map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length); // none twice
    const route = (p: string) => p.split('?')[0]!;
    expect(paths.filter((p) => route(p) === '/progress')).toHaveLength(1);
    expect(paths.filter((p) => route(p) === '/kpis')).toEqual([
      expect.stringMatching(/^\/kpis\?series=monthly&from=2024-02-29&asOf=\d{4}-\d{2}-\d{2}$/),
    ]);
    // The dashboard's own requests (after the sign-in's) are all sent before any of them is answered.
    const own = requests.filter((r) => !r.path.startsWith('/auth/'));
    expect(own.length).toBeGreaterThan(2);
    expect(Math.max(...own.map((r) => r.start))).toBeLessThan(Math.min(...own.map((r) => r.end)));
    // Ready once the tiles, the KPI tiles and the coverage chart are drawn, and not before /kpis answered.
    const ready = await page.evaluate(() => performance.getEntriesByName('dashboard-ready')[0]!.startTime);
    const kpis = own.find((r) => route(r.path) === '/kpis')!;
    expect(ready).toBeGreaterThanOrEqual(kpis.end);
  });

  it('paints the dashboard in under 2 s and answers a pool search in under 300 ms (this small province)', async () => {
    const page = await pageAs(world.accounts.office);
    await page.locator('#milestones tr[data-milestone]').first().waitFor();
    const started = Date.now();
    await page.reload();
    await page.locator('#milestones tr[data-milestone]').first().waitFor();
    const paint = Date.now() - started;
    expect(paint).toBeLessThan(2000);
    await page.goto(`${world.baseUrl}/#/pool`);
    await page.locator('.patent-card').first().waitFor();
    await page.getByLabel('专利名称').fill('方法');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/resource-pool?') && r.url().includes('q=')),
      page.getByRole('button', { name: '检索', exact: true }).click(),
    ]);
    expect(response.status()).toBe(200);
    await response.finished();
    const timing = response.request().timing();
    expect(timing.responseEnd).toBeGreaterThan(0);
    expect(timing.responseEnd).toBeLessThan(300);
  });

  it('searches, sorts and pages the pool and exports CSV and xlsx', async () => {
    const page = await pageAs(world.accounts.office);
    await page.goto(`${world.baseUrl}/#/pool`);
    const total = (await world.api<{ total: number }>('/resource-pool?limit=1')).total;
    await expect(page.locator('.total')).toHaveTextLocator(`共 ${total} 条`);
    await page.getByLabel('专利类型').selectOption('invention');
    await page.getByLabel('排序').selectOption('prospect');
    await page.getByRole('button', { name: '检索', exact: true }).click();
    const api = await world.api<{ total: number; items: { applicationNumber: string }[] }>(
      '/resource-pool?kind=invention&sort=prospect&limit=20',
    );
    await expect(page.locator('.total')).toHaveTextLocator(`共 ${api.total} 条`);
    const shown = await page
      .locator('.patent-card')
      .evaluateAll((cs) => cs.map((c) => c.getAttribute('data-application-number')));
    expect(shown).toEqual(api.items.map((i) => i.applicationNumber));
    await page.screenshot({ path: join(SCREENSHOTS, 'pool.png'), fullPage: false });
    if (api.total > 20) {
      await page.getByRole('button', { name: '下一页' }).click();
      await page.waitForFunction(
        (first) => document.querySelector('.patent-card')?.getAttribute('data-application-number') !== first,
        shown[0],
      );
    }
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '导出 CSV' }).click(),
    ]);
    const csvText = readFileSync((await csv.path())!, 'utf8');
    expect(csvText.split('\n').filter((l) => l.trim()).length).toBe(api.total + 1);
    const [xlsx] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '导出 Excel' }).click(),
    ]);
    expect(xlsx.suggestedFilename()).toBe('resource-pool.xlsx');
    expect(
      readFileSync((await xlsx.path())!)
        .subarray(0, 2)
        .toString(),
    ).toBe('PK'); // a zip: an xlsx workbook
  });

  it('shows a patent: state, timeline, deals, provenance, a verify badge and its evidence bundle', async () => {
    const page = await pageAs(world.accounts.office);
    const deal = await world.api<{ items: { applicationNumber: string }[] }>(
      '/resource-pool?status=transferred&limit=1',
    );
    const id = deal.items[0]!.applicationNumber;
    await page.goto(`${world.baseUrl}/#/patent/${id}`);
    await page.locator('[data-verify]').waitFor();
    expect(await page.locator('[data-verify]').getAttribute('data-verify')).toBe('ok');
    const events = await world.api<{ events: unknown[] }>(`/patents/${id}/events`);
    expect(await page.locator('.timeline li').count()).toBe(events.events.length);
    // Every event shows its business date (and its recorded-at).
    expect(await page.locator('.timeline [data-business-date]').allTextContents()).not.toContain('—');
    expect(await page.locator('#deals').textContent()).toContain('transfer');
    expect(await page.locator('#provenance tbody tr').count()).toBeGreaterThan(5);
    await page.screenshot({ path: join(SCREENSHOTS, 'patent.png'), fullPage: true });
    const [bundle] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载证据包' }).click(),
    ]);
    const parsed = JSON.parse(readFileSync((await bundle.path())!, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(parsed).length).toBeGreaterThan(0);
  });

  it('lists obligations per responsible party, as a list and a calendar, with CSV', async () => {
    const page = await pageAs(world.accounts.office);
    await page.goto(`${world.baseUrl}/#/obligations`);
    const overdue = await world.api<{ total: number }>('/obligations?status=overdue&limit=1');
    await expect(page.locator('.total')).toHaveTextLocator(`共 ${overdue.total} 条`);
    expect(await page.locator('#per-party tbody tr').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'obligations.png') });
    await page.getByRole('button', { name: '日历' }).click();
    await page.locator('table.calendar').waitFor();
    expect(await page.locator('table.calendar .count').count()).toBeGreaterThan(0);
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '导出 CSV' }).click(),
    ]);
    expect(
      readFileSync((await csv.path())!, 'utf8')
        .split('\n')
        .filter((l) => l.trim()).length,
    ).toBe(overdue.total + 1);
  });

  it('uploads an inventory with bad rows: shows them, lets them be downloaded, and stores the good ones', async () => {
    const page = await pageAs(world.accounts.institution);
    const good = [
      applicationNumber(2019, 1, 990001),
      applicationNumber(2019, 1, 990002),
      applicationNumber(2019, 1, 990003),
    ];
    const lines = [
      inventoryBody(good[0]!),
      inventoryBody(withWrongCheckDigit(applicationNumber(2019, 1, 990004))),
      inventoryBody(good[1]!),
      inventoryBody(applicationNumber(2019, 1, 990005), { institutionId: 'sxu' }),
      inventoryBody(good[2]!),
    ].map((b) => JSON.stringify(b));
    const file = join(tmpdir(), `console-upload-${process.pid}.jsonl`);
    await writeFile(file, `${lines.join('\n')}\n`);
    await page.getByLabel('盘点文件（CSV 或 JSON Lines）').setInputFiles(file);
    await page.getByRole('button', { name: '开始上传' }).click();
    await page.locator('#rejects').waitFor();
    await page.waitForFunction(
      () => !document.querySelector('#upload button[type=submit]')?.hasAttribute('disabled'),
    );
    const counts = JSON.parse(
      (await page.locator('[data-upload-counts]').getAttribute('data-upload-counts'))!,
    ) as Record<string, number>;
    expect(counts).toEqual({ imported: 3, alreadyPresent: 0, rejected: 2 });
    expect(
      await page
        .locator('#rejects tbody tr')
        .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-reject-row'))),
    ).toEqual(['2', '4']);
    expect(await page.locator('progress#upload-bar').getAttribute('value')).toBe('5');
    await page.screenshot({ path: join(SCREENSHOTS, 'institution-upload.png'), fullPage: true });
    const [rejects] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载被拒绝的行' }).click(),
    ]);
    const text = readFileSync((await rejects.path())!, 'utf8');
    expect(text.split('\r\n').filter((l) => l.trim()).length).toBe(3);
    for (const n of good) {
      const p = await world.api<{ version: number }>(`/patents/${n}`);
      expect(p.version).toBe(1);
    }
  });

  it("shows the api's validation message at its field, and refuses a stale form (If-Match)", async () => {
    const page = await pageAs(world.accounts.institution);
    const id = applicationNumber(2019, 1, 990001); // inventoried by the upload above
    const intent = page.locator('#intent');
    await intent.getByLabel('申请号').fill(id);
    await intent.getByRole('button', { name: '载入' }).click();
    await intent.locator('[data-loaded-version="1"]').waitFor();
    await intent.getByLabel('挂牌价').fill('abc');
    await intent.getByRole('button', { name: '提交' }).click();
    await intent.locator('[data-field-error="askingPrice"]').waitFor();
    expect(await intent.getByLabel('挂牌价').getAttribute('aria-invalid')).toBe('true');
    expect((await world.api<{ version: number }>(`/patents/${id}`)).version).toBe(1);
    // The report form too: the api's message for the missing platform reference, at its field.
    const report = page.locator('#report');
    await report.getByLabel('申请号').fill(id);
    await report.getByLabel('交易编号').fill('no-such-deal');
    await report.getByRole('button', { name: '提交' }).click();
    await report.locator('[data-field-error="platformRef"]').waitFor();
    expect((await world.api<{ version: number }>(`/patents/${id}`)).version).toBe(1);
    await expectAccessible(page, 'institution workspace with field errors');

    // Someone else moves the patent on: the page's version is stale, the api answers 412.
    const res = await fetch(`${world.baseUrl}/patents/${id}/intent`, {
      method: 'POST',
      headers: {
        ...(await authAs({
          role: 'institution',
          orgId: world.accounts.institution.orgId,
          userId: 'colleague',
        })),
        'Content-Type': 'application/json',
        'Idempotency-Key': `colleague-${process.pid}`,
      },
      body: JSON.stringify({
        modes: ['license'],
        screening: { method: 'inventor-self', decision: 'declined' },
        occurredOn: '2025-06-01',
      }),
    });
    expect(res.status).toBe(201);
    await intent.getByLabel('挂牌价').fill('500000.00');
    await intent.getByRole('button', { name: '提交' }).click();
    await expect(intent.locator('[role=alert]')).toHaveTextLocator('出错了: 该专利已被他人修改，请重新载入');
    expect((await world.api<{ version: number }>(`/patents/${id}`)).version).toBe(2);
  });

  it('records a licence, its recordal, an open licence, a transfer registration and a lapse, with the api messages at their fields', async () => {
    const page = await pageAs(world.accounts.institution);
    const mine = (
      await world.api<{ items: { applicationNumber: string }[] }>(
        `/resource-pool?status=available&institutionId=${world.accounts.institution.orgId}&limit=2`,
      )
    ).items.map((i) => i.applicationNumber);
    expect(mine.length).toBe(2);
    const [id, lapsing] = mine as [string, string];
    const events = async (n: string) =>
      (await world.api<{ events: { type: string }[] }>(`/patents/${n}/events`)).events;
    const load = async (form: ReturnType<Page['locator']>, n: string) => {
      await form.getByLabel('申请号').fill(n);
      await form.getByRole('button', { name: '载入' }).click();
      await form.locator('[data-loaded-version]').waitFor();
    };
    const before = (await events(id)).length;

    // Licence (Licensed): a royalty that is not an amount is named at its field; nothing is appended.
    const license = page.locator('#license');
    await load(license, id);
    await license.getByLabel('被许可方编号').fill(world.accounts.enterprise.orgId);
    await license.getByLabel('被许可方名称').fill('沁水汇通光伏股份有限公司');
    await license.getByLabel('许可使用费（元）').fill('abc');
    await license.getByRole('button', { name: '提交' }).click();
    await license.locator('[data-field-error="royalty"]').waitFor();
    expect(await license.getByLabel('许可使用费（元）').getAttribute('aria-invalid')).toBe('true');
    expect((await events(id)).length).toBe(before);
    await license.getByLabel('交易编号').fill('li-console-1');
    await license.getByLabel('许可使用费（元）').fill('120000.00');
    const start = await license.getByLabel('合同日期').inputValue();
    await license.getByLabel('许可终止日').fill(`${Number(start.slice(0, 4)) + 1}${start.slice(4)}`);
    await license.getByRole('button', { name: '提交' }).click();
    await expect(license.locator('[data-outcome]')).toHaveTextLocator(`已保存 (版本 ${before + 1})`);
    expect((await events(id)).at(-1)!.type).toBe('Licensed');

    // Recordal (LicenseRecorded): the deal id is required before anything is sent.
    const recordal = page.locator('#license-recordal');
    await load(recordal, id);
    await recordal.getByLabel('备案号').fill('2025990000123');
    await recordal.getByRole('button', { name: '提交' }).click();
    await recordal.locator('[data-field-error="dealId"]').waitFor();
    await recordal.getByLabel('交易编号').fill('li-console-1');
    await recordal.getByRole('button', { name: '提交' }).click();
    await recordal.locator('[data-outcome]').waitFor();
    expect((await events(id)).at(-1)!.type).toBe('LicenseRecorded');

    // Open licence: a nested royalty member that is not an amount is shown at that member.
    const open = page.locator('#open-license');
    await load(open, id);
    await open.getByLabel('使用费金额（元）').fill('x');
    await open.getByRole('button', { name: '提交' }).click();
    await open.locator('[data-field-error="royalty.amount"]').waitFor();
    expect(await open.getByLabel('使用费金额（元）').getAttribute('aria-invalid')).toBe('true');

    // Transfer registration: a date that is not a calendar date, at its field.
    const registration = page.locator('#transfer-registration');
    await load(registration, id);
    await registration.getByLabel('交易编号').fill('tr-none');
    await registration.getByLabel('登记日期').fill('2025-02-30');
    await registration.getByLabel('公告号').fill('CN-2025-1');
    await registration.getByRole('button', { name: '提交' }).click();
    await registration.locator('[data-field-error="registeredOn"]').waitFor();
    const afterForms = (await events(id)).length;
    expect(afterForms).toBe(before + 2);

    // Lapse (PatentLapsed): a bad date at its field, then recorded.
    const lapse = page.locator('#lapse');
    await load(lapse, lapsing);
    const lapseBefore = (await events(lapsing)).length;
    await lapse.getByLabel('失效日期').fill('yesterday');
    await lapse.getByRole('button', { name: '提交' }).click();
    await lapse.locator('[data-field-error="effectiveOn"]').waitFor();
    expect((await events(lapsing)).length).toBe(lapseBefore);
    await lapse.getByLabel('失效日期').fill(start);
    await lapse.getByRole('button', { name: '提交' }).click();
    await lapse.locator('[data-outcome]').waitFor();
    expect((await events(lapsing)).at(-1)!.type).toBe('PatentLapsed');
    await expectAccessible(page, 'institution workspace forms');
    await page.screenshot({ path: join(SCREENSHOTS, 'institution-forms.png'), fullPage: true });
  });

  it('appends once when a form is double-clicked', async () => {
    const page = await pageAs(world.accounts.enterprise);
    const id = (
      await world.api<{ items: { applicationNumber: string; status: string }[] }>(
        '/resource-pool?status=available&limit=1',
      )
    ).items[0]!.applicationNumber;
    const before = (await world.api<{ events: { type: string }[] }>(`/patents/${id}/events`)).events;
    const form = page.locator('#evaluate');
    await form.getByLabel('申请号').fill(id);
    await form.getByRole('button', { name: '载入' }).click();
    await form.locator(`[data-loaded-version="${before.length}"]`).waitFor();
    await form.getByLabel('企业名称').fill('沁水汇通光伏股份有限公司');
    await form.getByRole('button', { name: '提交' }).dblclick();
    await form.locator('[data-outcome]').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'enterprise.png'), fullPage: true });
    // A third click on the same, unchanged submission replays it: still one event.
    await form.getByRole('button', { name: '提交' }).click();
    await expect(form.locator('[data-outcome]')).toHaveTextLocator('重复提交：未重复记录');
    const after = (await world.api<{ events: { type: string }[] }>(`/patents/${id}/events`)).events;
    expect(after.length - before.length).toBe(1);
    expect(after.at(-1)!.type).toBe('EnterpriseEvaluated');
  });

  it('posts a need, lists my needs, and follows the deals in which the enterprise owes obligations', async () => {
    const ent = world.accounts.enterprise;
    const entAuth = await authAs({ role: 'enterprise', orgId: ent.orgId, userId: ent.user });
    const instAuth = await authAs({
      role: 'institution',
      orgId: world.accounts.institution.orgId,
      userId: 'tto-colleague',
    });
    // Deals the enterprise owes obligations in: a licence to it, under which it industrializes the
    // patent (a density filing is due).
    const patent = (
      await world.api<{ items: { applicationNumber: string }[] }>(
        `/resource-pool?status=available&institutionId=${world.accounts.institution.orgId}&limit=3`,
      )
    ).items.at(-1)!.applicationNumber;
    const licensed = await fetch(`${world.baseUrl}/patents/${patent}/licenses`, {
      method: 'POST',
      headers: { ...instAuth, 'Content-Type': 'application/json', 'Idempotency-Key': `lic-${process.pid}` },
      body: JSON.stringify({
        dealId: 'li-console-ent',
        licenseeId: ent.orgId,
        licenseeName: ent.orgId,
        type: 'ordinary',
        contractDate: '2025-04-20',
        effectiveDate: '2025-04-25',
        endDate: '2027-04-24',
        royalty: '80000.00',
      }),
    });
    expect(`${licensed.status} ${await licensed.text()}`).toMatch(/^201 /);
    const industrialized = await fetch(`${world.baseUrl}/patents/${patent}/industrializations`, {
      method: 'POST',
      headers: { ...instAuth, 'Content-Type': 'application/json', 'Idempotency-Key': `ind-${process.pid}` },
      body: JSON.stringify({
        industrializationId: 'ind-console-1',
        enterpriseId: ent.orgId,
        productName: '光伏组件',
        startedOn: '2025-05-01',
      }),
    });
    expect(`${industrialized.status} ${await industrialized.text()}`).toMatch(/^201 /);

    const page = await pageAs(ent);
    const owed = await world.api<{ items: { ref: string; applicationNumber: string; status: string }[] }>(
      '/obligations?limit=500',
      entAuth,
    );
    expect(owed.items.length).toBeGreaterThan(0);
    await page.locator('#my-deals tr[data-deal]').first().waitFor();
    const deals = await page
      .locator('#my-deals tr[data-deal]')
      .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-deal')));
    expect(deals).toEqual([...new Set(owed.items.map((o) => o.ref))]);
    expect(deals).toContain('ind-console-1');
    expect(await page.locator('#owed tr[data-obligation]').count()).toBe(owed.items.length);
    // Each deal's open / overdue / fulfilled counts are the api's.
    for (const ref of deals) {
      const row = page.locator(`#my-deals tr[data-deal="${ref}"]`);
      const of = (status: string) =>
        String(owed.items.filter((o) => o.ref === ref && o.status === status).length);
      expect([
        await row.locator('[data-open]').textContent(),
        await row.locator('[data-overdue]').textContent(),
        await row.locator('[data-fulfilled]').textContent(),
      ]).toEqual([of('open'), of('overdue'), of('fulfilled')]);
    }

    // Post a need: a description left empty is the api's message at its field; then posted and listed.
    const form = page.locator('#post-need');
    await form.getByLabel('申请号').fill(patent);
    await form.getByLabel('需求类型').selectOption('improvement');
    await form.getByRole('button', { name: '提交' }).click();
    await form.locator('[data-field-error="description"]').waitFor();
    await form.getByLabel('需求描述').fill('需要提高组件在高海拔地区的转换效率');
    await form.getByRole('button', { name: '提交' }).click();
    await expect(form.locator('[data-outcome]')).toHaveTextLocator('需求已发布');
    await page.locator('#my-needs tr[data-need]').first().waitFor();
    const mine = await world.api<{ items: { needId: string }[] } | { needId: string }[]>('/needs', entAuth);
    const ids = (Array.isArray(mine) ? mine : mine.items).map((n) => n.needId);
    expect(
      await page
        .locator('#my-needs tr[data-need]')
        .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-need'))),
    ).toEqual(ids);
    expect(ids.length).toBe(1);
    // Awaiting the institution's answer, by the date the plan gives it.
    const need = await world.api<{ respondBy: string; status: string }>(`/needs/${ids[0]}`, entAuth);
    const row = page.locator(`#my-needs tr[data-need="${ids[0]}"]`);
    expect(await row.locator('[data-need-status]').getAttribute('data-need-status')).toBe(need.status);
    expect(need.status).toBe('open');
    expect(await row.textContent()).toContain(need.respondBy);
    await expectAccessible(page, 'enterprise workspace');
    await page.screenshot({ path: join(SCREENSHOTS, 'enterprise-needs.png'), fullPage: true });
  });

  it('lets an ip-office admin manage users and read the denied-access log', async () => {
    const page = await pageAs(world.accounts.office);
    await page.goto(`${world.baseUrl}/#/admin`);
    await page.locator('tr[data-user="tto-wang"]').waitFor();
    const form = page.getByRole('form', { name: '新增用户' });
    await form.getByLabel('用户名').fill('new-analyst');
    await form.getByLabel('机构/组织').fill('sx-stats');
    await form.getByLabel('角色').selectOption('analyst');
    await form.getByLabel('显示名称').fill('新分析员');
    await form.getByLabel('密码').fill('a-long-password-1');
    await form.getByRole('button', { name: '新增用户' }).dblclick();
    await Promise.race([
      page.locator('tr[data-user="new-analyst"]').waitFor(),
      form
        .locator('[role=alert]')
        .waitFor()
        .then(async () => {
          throw new Error(`add user failed: ${await form.locator('[role=alert]').textContent()}`);
        }),
    ]);
    expect(await page.locator('tr[data-user="new-analyst"]').count()).toBe(1);
    const created = await world.api<{ userId: string; role: string; orgId: string }>('/users/new-analyst');
    expect(created).toMatchObject({ userId: 'new-analyst', role: 'analyst', orgId: 'sx-stats' });
    // A denial (an analyst may not write) shows in the log.
    await fetch(`${world.baseUrl}/institutions/tyut`, {
      method: 'PUT',
      headers: {
        ...(await authAs({ role: 'analyst', orgId: 'sx-stats', userId: 'analyst-li' })),
        'Content-Type': 'application/json',
      },
      body: '{}',
    });
    await page.reload();
    await page.locator('tr[data-denial]').first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'admin.png'), fullPage: true });
  });

  it('lists the plans, opens one as JSON and publishes a new version, with the schema messages at their path', async () => {
    const page = await pageAs(world.accounts.office);
    await page.goto(`${world.baseUrl}/#/admin`);
    const plans = page.locator('#plans');
    await plans.locator('tr[data-plan="default"]').waitFor();
    const api = await world.api<{ default: { planId: string; version: number }; plans: unknown[] }>('/plans');
    expect(await plans.locator('tbody tr').count()).toBe(api.plans.length + 1);
    await plans.locator('tr[data-plan="default"]').getByRole('button').click();
    const editor = plans.getByLabel('计划文件（JSON）');
    const doc = JSON.parse(await editor.inputValue()) as Record<string, unknown> & {
      milestones: Record<string, unknown>[];
    };
    expect(doc['planId']).toBe(api.default.planId);

    // A milestone without its target, and a field no plan has: each message at its path.
    const bad = structuredClone(doc);
    delete bad.milestones[0]!['target'];
    bad['colour'] = 'red';
    await editor.fill(JSON.stringify(bad, null, 2));
    await plans.getByRole('button', { name: '发布' }).click();
    await plans.locator('[data-plan-error="milestones[0].target"]').waitFor();
    await plans.locator('[data-plan-error="colour"]').waitFor();
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    expect((await world.api<{ plans: unknown[] }>('/plans')).plans.length).toBe(api.plans.length);
    // Not JSON at all: said before anything is sent.
    await editor.fill('{ "planId": ');
    await plans.getByRole('button', { name: '发布' }).click();
    await plans.locator('[data-plan-error="plan"]').waitFor();

    // A new version, published, then listed.
    await editor.fill(
      JSON.stringify(
        { ...doc, version: api.default.version + 1, title: '山西省存量专利盘活计划（修订）' },
        null,
        2,
      ),
    );
    await plans.getByRole('button', { name: '发布' }).click();
    await expect(plans.locator('[data-outcome]')).toHaveTextLocator('已发布');
    await plans.locator(`tr[data-plan="${api.default.planId}@${api.default.version + 1}"]`).waitFor();
    const after = await world.api<{ plans: { planId: string; version: number }[] }>('/plans');
    expect(after.plans.map((p) => `${p.planId}@${p.version}`)).toContain(
      `${api.default.planId}@${api.default.version + 1}`,
    );
    await expectAccessible(page, 'plans editor');
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-plans.png'), fullPage: true });
  });

  it('has no serious accessibility violation on any screen (axe-core)', async () => {
    const anon = await browser.newContext();
    contexts.push(anon);
    const signInPage = await anon.newPage();
    await signInPage.goto(`${world.baseUrl}/`);
    await signInPage.getByLabel('用户名').waitFor();
    await expectAccessible(signInPage, 'sign-in');
    const poolId = (await world.api<{ items: { applicationNumber: string }[] }>('/resource-pool?limit=1'))
      .items[0]!.applicationNumber;
    const visits: [keyof ConsoleWorld['accounts'], string, string][] = [
      ['office', 'dashboard', '#milestones tr[data-milestone]'],
      ['office', 'dashboard', '#programme-kpis [data-kpis-as-of]'],
      ['office', 'pool', '.patent-card'],
      ['office', 'obligations', '#per-party'],
      ['office', 'admin', 'tr[data-user]'],
      ['office', `patent/${poolId}`, '[data-verify]'],
      ['institution', 'institution', '[data-own-progress]'],
      ['enterprise', 'enterprise', '#evaluate'],
    ];
    for (const [who, screen, ready] of visits) {
      const page = await pageAs(world.accounts[who]);
      await page.goto(`${world.baseUrl}/#/${screen}`);
      await page.locator(ready).first().waitFor();
      await expectAccessible(page, screen);
      // Keyboard: the first Tab reaches the skip link, then the navigation.
      await page.reload();
      await page.locator(ready).first().waitFor();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
      await page.context().close();
    }
  });
});
