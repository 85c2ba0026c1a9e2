/**
 * The web console in a browser: the api built by `createApp` (as in production: the SQLite ledger
 * thread, the projector thread, FULL durability) on a generated province's ledger and its caught-up
 * read models, serving the built console at `/`; headless Debian Chromium driven by playwright-core,
 * signed in as an ip-office analyst (a bearer token minted with the api's token key, as the HTTP
 * phase mints them, kept for the tab as a single sign-on keeps it).
 *
 * - Dashboard: from navigation start to `performance.mark('dashboard-ready')`, which the console sets
 *   once the headline tiles, the GET /kpis tiles and the coverage chart with the milestones' deadlines
 *   are drawn with data; cold (a fresh browser context: empty cache) and warm (a reload) loads. Also
 *   First Contentful Paint (Paint Timing) and each request's duration as the page saw it
 *   (Resource Timing), to tell which request holds the dashboard up.
 * - Pool search: in the resource-pool screen, a title text (typed) and filters (chosen), submitted;
 *   from the submit to the frame that draws the new result, and the GET /resource-pool request's
 *   duration as the page saw it.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { LedgerTokens } from '@patent-ledger/identity';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { emit, log, now, peakRow, resetPeakRss, round, row, summarize, type Row } from '../lib/common';
import { storeLabel } from '../lib/stores';
import { createApp } from '../../apps/api/src/app.factory';
import { loadConfig } from '../../apps/api/src/config';
import { ReadModelsService } from '../../apps/api/src/read-models/read-models.service';
import { RemindersService } from '../../apps/api/src/events/reminders.service';
import { ChainService } from '../../apps/api/src/chain/chain.service';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** The headless flags of test/browser/support.ts (no background connections, no GPU). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
/** Where the console keeps a single sign-on's access token (apps/console/src/api.ts). */
const BEARER_KEY = 'patent-ledger.bearer';
const DASHBOARD_TARGET_MS = 2000;

/** The page's globals, inside page.evaluate callbacks (the bench compiles without the DOM library). */
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  click(): void;
  querySelector(selector: string): PageElement | null;
}
declare const document: {
  body: PageElement;
  querySelector(selector: string): PageElement | null;
  getElementById(id: string): PageElement | null;
};
declare const sessionStorage: { setItem(key: string, value: string): void };
declare const requestAnimationFrame: (f: () => void) => number;
declare class MutationObserver {
  constructor(f: () => void);
  observe(node: PageElement, options: object): void;
  disconnect(): void;
}
/** A PerformanceResourceTiming entry (the fields read here). */
interface ResourceEntry {
  name: string;
  initiatorType: string;
  startTime: number;
  requestStart: number;
  responseStart: number;
  responseEnd: number;
}

const SEARCH_TARGET_MS = 300;

export interface ConsoleArgs {
  /** Working folder (signing key). */
  dir: string;
  /** SQLite ledger (a generated province applied through the store). */
  ledger: string;
  /** SQLite read models of that ledger (caught up by the projection phase). */
  readModels: string;
  /** Generated patents of the ledger (for the rows' names). */
  patents: number;
  /** Cold loads, and as many warm ones. */
  loads: number;
  /** Pool searches. */
  searches: number;
}

/** Builds the console (Vite) when its sources changed since the last build, as `npm start` does. */
function ensureConsoleBuilt(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const script = require(join(ROOT, 'scripts', 'build-if-stale.js')) as {
    buildConsoleIfStale(o: { root: string; build: () => number; log?: (s: string) => void }): {
      status: number;
    };
  };
  const { status } = script.buildConsoleIfStale({
    root: ROOT,
    log,
    build: () =>
      spawnSync('npm', ['run', '--silent', 'build:console'], { cwd: ROOT, stdio: ['ignore', 2, 2] }).status ??
      1,
  });
  if (status !== 0) throw new Error('the console build (npm run build:console) failed');
}

interface RequestTiming {
  /** Path and query. */
  path: string;
  /** From navigation start, ms. */
  start: number;
  end: number;
  /** Waiting for the first byte (requestStart → responseStart), ms: the api's time plus the loopback. */
  wait: number;
}

interface LoadTiming {
  ready: number;
  fcp: number | null;
  requests: RequestTiming[];
}

/** Reads the marks and timings of the page's current document (navigation start = 0). */
async function loadTiming(page: Page): Promise<LoadTiming> {
  await page.waitForFunction(() => performance.getEntriesByName('dashboard-ready').length > 0, undefined, {
    timeout: 180_000,
    polling: 50,
  });
  return page.evaluate(() => {
    const ready = performance.getEntriesByName('dashboard-ready')[0]!.startTime;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null;
    const requests = (performance.getEntriesByType('resource') as unknown as ResourceEntry[])
      .filter((r) => r.initiatorType === 'fetch')
      .map((r) => {
        const u = new URL(r.name);
        return {
          path: `${u.pathname}${u.search}`,
          start: r.startTime,
          end: r.responseEnd,
          wait: r.responseStart - r.requestStart,
        };
      });
    return { ready, fcp, requests };
  });
}

/** A request's name without its query values that vary (`/progress?asOf=…` → `/progress`). */
const route = (path: string): string => path.split('?')[0]!;

/** Which requests ended last before the dashboard was ready: "path 812 ms (wait 790 ms)". */
function slowest(t: LoadTiming, n = 3): string {
  return [...t.requests]
    .filter((r) => r.end <= t.ready + 1)
    .sort((a, b) => b.end - b.start - (a.end - a.start))
    .slice(0, n)
    .map(
      (r) => `${decodeURIComponent(r.path)} ${Math.round(r.end - r.start)} ms (wait ${Math.round(r.wait)})`,
    )
    .join(', ');
}

interface RouteFigures {
  n: number;
  /** startTime → responseEnd (includes the browser's queue: 6 connections per host). */
  p50: number;
  max: number;
  /** requestStart → responseStart: the api's time, including its own queue. */
  waitP50: number;
  waitMax: number;
}

/** Per route: the requests' durations and waits over the loads. */
function byRoute(loads: LoadTiming[]): Record<string, RouteFigures> {
  const m = new Map<string, RequestTiming[]>();
  for (const l of loads)
    for (const r of l.requests) {
      const k = route(r.path);
      m.set(k, [...(m.get(k) ?? []), r]);
    }
  const out: Record<string, RouteFigures> = {};
  for (const [k, v] of m) {
    const d = v.map((r) => r.end - r.start);
    const w = v.map((r) => r.wait);
    out[k] = {
      n: v.length,
      p50: round(summarize(d).p50, 1),
      max: round(Math.max(...d), 1),
      waitP50: round(summarize(w).p50, 1),
      waitMax: round(Math.max(...w), 1),
    };
  }
  return out;
}

const fmtRoutes = (r: Record<string, RouteFigures>): string =>
  Object.entries(r)
    .sort((a, b) => b[1].max - a[1].max)
    .map(
      ([k, v]) =>
        `${k} ×${v.n} p50 ${v.p50} / max ${v.max} ms (first byte after ${v.waitP50} / ${v.waitMax} ms)`,
    )
    .join('; ');

/**
 * Each distinct request of a dashboard load, sent alone (one at a time, `repeat` times, the median):
 * what each costs the api without the others, and their sum: the api's time for the whole dashboard
 * when it answers them one after the other.
 */
async function alone(
  url: string,
  token: string,
  load: LoadTiming,
  repeat = 3,
): Promise<{ sum: number; each: { path: string; ms: number }[] }> {
  const paths = [...new Set(load.requests.map((r) => r.path))];
  const each: { path: string; ms: number }[] = [];
  for (const path of paths) {
    const ms: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      const res = await fetch(`${url}${path}`, {
        headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      ms.push(performance.now() - t0);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    }
    each.push({ path: decodeURIComponent(path), ms: round(summarize(ms).p50, 1) });
  }
  each.sort((a, b) => b.ms - a.ms);
  return {
    sum: round(
      each.reduce((a, b) => a + b.ms, 0),
      1,
    ),
    each,
  };
}

const fmtAlone = (a: Awaited<ReturnType<typeof alone>>, byRouteOnly = true): string => {
  if (!byRouteOnly) return a.each.map((e) => `${e.path} ${e.ms} ms`).join(', ');
  const m = new Map<string, number[]>();
  for (const e of a.each) m.set(route(e.path), [...(m.get(route(e.path)) ?? []), e.ms]);
  return [...m]
    .map(([k, v]) => [k, v, v.reduce((x, y) => x + y, 0)] as const)
    .sort((x, y) => y[2] - x[2])
    .map(
      ([k, v, sum]) =>
        `${k} ×${v.length} ${round(sum, 1)} ms (each ${round(Math.min(...v), 1)}–${round(Math.max(...v), 1)})`,
    )
    .join('; ');
};

/** The 20-odd searches: title words of pool entries, with filters and sorts in turn; all different. */
function searches(
  entries: { title: string; ipc: string[]; institutionId: string }[],
  count: number,
): Record<string, string>[] {
  const words = [
    ...new Set(
      entries.flatMap((e) => {
        const c = [...e.title];
        return [c.slice(0, 2).join(''), c.slice(2, 4).join(''), c.slice(4, 6).join('')];
      }),
    ),
  ].filter((w) => w.length === 2 && !/[\s（）()，,0-9]/.test(w));
  const ipcs = [...new Set(entries.flatMap((e) => e.ipc.map((c) => c.slice(0, 4))))];
  const institutions = [...new Set(entries.map((e) => e.institutionId))];
  const out: Record<string, string>[] = [];
  const seen = new Set<string>();
  for (let i = 0; out.length < count && i < count * 10; i++) {
    const s: Record<string, string> = {};
    // Mostly title text (typed), some IPC or institution listings without it.
    if (i % 5 === 4 && ipcs.length > 0) s['ipc'] = ipcs[i % ipcs.length]!;
    else if (i % 7 === 6 && institutions.length > 0)
      s['institutionId'] = institutions[i % institutions.length]!;
    else s['q'] = words[i % Math.max(1, words.length)] ?? '材料';
    if (i % 3 === 1) s['mode'] = 'license';
    if (i % 4 === 2) s['kind'] = 'invention';
    if (i % 6 === 3) s['minProspect'] = '3';
    if (i % 4 === 3) s['sort'] = 'prospect';
    if (i % 8 === 5) s['highValueFlag'] = 'strategicEmergingIndustry';
    const key = JSON.stringify(s);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}

interface SearchTiming {
  /** From the submit to the frame that draws the new result, ms. */
  rendered: number;
  /** The GET /resource-pool request, as the page saw it (startTime → responseEnd), ms. */
  request: number | null;
  wait: number | null;
  total: number | null;
  error: string | null;
}

/** Sets the form's fields (the title typed), submits it, and times the result's drawing. */
async function search(page: Page, s: Record<string, string>): Promise<SearchTiming> {
  const form = page.locator('form[role="search"]');
  for (const name of ['q', 'ipc', 'institutionId']) await form.locator(`[name="${name}"]`).fill('');
  if (s['q']) await form.locator('[name="q"]').pressSequentially(s['q']);
  if (s['ipc']) await form.locator('[name="ipc"]').fill(s['ipc']);
  if (s['institutionId']) await form.locator('[name="institutionId"]').fill(s['institutionId']);
  for (const name of ['kind', 'mode', 'highValueFlag', 'minProspect'])
    await form.locator(`[name="${name}"]`).selectOption(s[name] ?? '');
  await form.locator('[name="sort"]').selectOption(s['sort'] ?? 'recent');
  return page.evaluate(
    () =>
      new Promise<SearchTiming>((done, fail) => {
        const root = document.getElementById('main') ?? document.body;
        let loading = false;
        const timer = setTimeout(() => fail(new Error('no result within 60 s')), 60_000);
        const t0 = performance.now();
        const observer = new MutationObserver(() => {
          if (root.querySelector('[aria-busy="true"]')) {
            loading = true;
            return;
          }
          const total = root.querySelector('p.total[data-total]');
          const error = root.querySelector('[role="alert"]');
          if (!loading || (!total && !error)) return;
          observer.disconnect();
          clearTimeout(timer);
          // The frame that draws it.
          requestAnimationFrame(() => {
            const rendered = performance.now() - t0;
            const r = (performance.getEntriesByType('resource') as unknown as ResourceEntry[])
              .filter((e) => e.name.includes('/resource-pool') && e.startTime >= t0)
              .pop();
            done({
              rendered,
              request: r ? r.responseEnd - r.startTime : null,
              wait: r ? r.responseStart - r.requestStart : null,
              total: total ? Number(total.dataset['total']) : null,
              error: error ? (error.textContent ?? 'error') : null,
            });
          });
        });
        observer.observe(root, { childList: true, subtree: true, attributes: true });
        document.querySelector('form[role="search"] button[type="submit"]')!.click();
      }),
  );
}

export async function consolePhase(args: ConsoleArgs): Promise<void> {
  const label = storeLabel({ kind: 'sqlite', synchronous: 'FULL' });
  const size = `${args.patents.toLocaleString('en-US')} patents`;
  ensureConsoleBuilt();
  const tokenKeyFile = join(tmpdir(), `patent-ledger-bench-console-token-key-${process.pid}.pem`);
  const config = loadConfig({
    LEDGER_STORE: 'sqlite',
    LEDGER_DB: args.ledger,
    LEDGER_SQLITE_SYNCHRONOUS: 'FULL',
    LEDGER_READ_DB: args.readModels,
    LEDGER_SIGNING_KEY_FILE: join(args.dir, 'signing-key.pem'),
    // Token verification is on, as in production; the key lives outside the data folder.
    LEDGER_TOKEN_KEY_FILE: tokenKeyFile,
    LEDGER_LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    PORT: '0',
  });
  const app = await createApp(config, { logger: false });
  const rows: Row[] = [];
  let browser: Browser | undefined;
  try {
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const rm = app.get(ReadModelsService);
    const caughtUp = async () => {
      for (;;) {
        const status = await rm.status();
        if (status.length > 0 && status.every((s) => s.lag === 0)) return status[0]!.headPosition;
        if (status.some((s) => s.state === 'failed'))
          throw new Error(`projection failed: ${JSON.stringify(status)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const head0 = await caughtUp();
    // The api's first obligation-reminder run (5 s after start) records the reminders due by today
    // (the generated obligations fall due in the past: tens of thousands of ObligationOverdue the
    // first time): measured after it and its projection, as a running api would be.
    const reminders = app.get(RemindersService);
    if (reminders.enabled) {
      await new Promise((r) => setTimeout(r, 6000));
      const run = await reminders.run();
      log(
        `the api's obligation reminders: ${run.emitted.toLocaleString('en-US')} emitted, ${run.already.toLocaleString('en-US')} already there`,
      );
    }
    const head = await caughtUp();
    // The api's start-up check of the transparency log reads and hashes every event (seconds of its
    // thread at national scale, given way in slices meanwhile): measured once it is done, as a
    // running api is.
    const chain = app.get(ChainService);
    const checking = now();
    for (;;) {
      const state = chain.status().state;
      if (state === 'ok' || state === 'off') break;
      if (state === 'refused')
        throw new Error(`the transparency log refused the ledger: ${JSON.stringify(chain.status())}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    log(
      `api listening on ${url}, serving the console; projections caught up (${(head - head0).toLocaleString('en-US')} events since start); the log's start-up check done ${Math.round((now() - checking) / 1000)} s later`,
    );
    const issuer = await LedgerTokens.open(
      tokenKeyFile,
      { issuer: config.auth.tokenIssuer, audience: config.auth.tokenAudience },
      () => {},
    );
    const { token } = await issuer.issue(
      { role: 'ip-office', orgId: 'sx-cnipa', userId: 'bench-analyst', admin: false },
      { ttlSeconds: 3600 },
    );
    const apiGet = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${url}${path}`, {
        headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const sample = await apiGet<{
      items: { title: string; ipc: string[]; institutionId: string }[];
      total: number;
    }>('/resource-pool?limit=200&sort=prospect');
    if (sample.total === 0) throw new Error('the resource pool is empty');
    const terms = searches(sample.items, args.searches);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const signedIn = async (): Promise<BrowserContext> => {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript(([key, value]) => sessionStorage.setItem(key, value), [
        BEARER_KEY,
        token,
      ] as const);
      return context;
    };
    resetPeakRss();
    // Cold: a fresh context each time (no cache, no connection); warm: reloads of the last one.
    const cold: LoadTiming[] = [];
    const warm: LoadTiming[] = [];
    let context: BrowserContext | undefined;
    let page: Page | undefined;
    for (let i = 0; i < args.loads; i++) {
      await context?.close();
      context = await signedIn();
      page = await context.newPage();
      await page.goto(`${url}/#/dashboard`);
      const t = await loadTiming(page);
      cold.push(t);
      log(
        `dashboard cold ${i + 1}: ready ${Math.round(t.ready)} ms, FCP ${Math.round(t.fcp ?? NaN)} ms; slowest: ${slowest(t)}`,
      );
    }
    for (let i = 0; i < args.loads; i++) {
      await page!.reload();
      const t = await loadTiming(page!);
      warm.push(t);
      log(
        `dashboard warm ${i + 1}: ready ${Math.round(t.ready)} ms, FCP ${Math.round(t.fcp ?? NaN)} ms; slowest: ${slowest(t)}`,
      );
    }

    // Pool searches, in the warm context.
    await page!.goto(`${url}/#/pool`);
    await page!.locator('p.total[data-total]').waitFor({ timeout: 60_000 });
    const found: SearchTiming[] = [];
    for (const [i, s] of terms.entries()) {
      const r = await search(page!, s);
      found.push(r);
      log(
        `search ${i + 1} ${JSON.stringify(s)}: rendered ${Math.round(r.rendered)} ms, request ${Math.round(r.request ?? NaN)} ms (wait ${Math.round(r.wait ?? NaN)}), ${r.error ?? `${r.total} matching`}`,
      );
    }
    await context?.close();

    const routesCold = byRoute(cold);
    const routesWarm = byRoute(warm);
    log(`requests of the cold loads: ${fmtRoutes(routesCold)}`);
    log(`requests of the warm loads: ${fmtRoutes(routesWarm)}`);
    const apart = await alone(url, token, warm[warm.length - 1]!);
    log(
      `the dashboard's ${apart.each.length} requests one at a time: ${apart.sum} ms in all; ${fmtAlone(apart, false)}`,
    );
    const worst = (ls: LoadTiming[]) => ls.reduce((a, b) => (b.ready > a.ready ? b : a));
    const dashboardRows = (kind: 'cold' | 'warm', ls: LoadTiming[], routes: typeof routesCold) => {
      const s = summarize(ls.map((l) => l.ready));
      const fcp = summarize(ls.map((l) => l.fcp ?? NaN).filter((v) => !Number.isNaN(v)));
      const how =
        kind === 'cold'
          ? 'cold: a fresh browser context each (empty cache)'
          : 'warm: reloads (cached assets)';
      const name = `console dashboard ready (KPI tiles + coverage chart drawn), ${size}, ${how}, ${ls.length} loads`;
      return [
        row({ store: label, phase: 'console', name: `${name}: p50`, value: round(s.p50, 1), unit: 'ms' }),
        row({
          store: label,
          phase: 'console',
          name: `${name}: max`,
          value: round(Math.max(...ls.map((l) => l.ready)), 1),
          unit: 'ms',
          target: { kind: 'below', value: DASHBOARD_TARGET_MS },
          note: `from navigation start to performance.mark('dashboard-ready'); First Contentful Paint p50 ${round(fcp.p50, 1)} ms; slowest load's longest requests: ${slowest(worst(ls))}; requests (page's Resource Timing): ${fmtRoutes(routes)}; the same ${apart.each.length} requests sent one at a time take ${apart.sum} ms in all: ${fmtAlone(apart)}`,
        }),
      ];
    };
    const rendered = summarize(found.map((f) => f.rendered));
    const requests = summarize(found.map((f) => f.request ?? NaN).filter((v) => !Number.isNaN(v)));
    const failed = found.filter((f) => f.error !== null).length;
    const searchName = `console pool search (submit → result drawn), ${size}, ${found.length} searches (title text, IPC, institution, filters, sorts)`;
    rows.push(
      ...dashboardRows('cold', cold, routesCold),
      ...dashboardRows('warm', warm, routesWarm),
      row({
        store: label,
        phase: 'console',
        name: `${searchName}: p50`,
        value: round(rendered.p50, 1),
        unit: 'ms',
      }),
      row({
        store: label,
        phase: 'console',
        name: `${searchName}: p99`,
        value: round(rendered.p99, 1),
        unit: 'ms',
        target: { kind: 'below', value: SEARCH_TARGET_MS },
        ...(failed > 0 ? { non2xx: failed } : {}),
        note: `GET /resource-pool as the page saw it: p50 ${round(requests.p50, 1)} ms, p99 ${round(requests.p99, 1)} ms; ${failed} searches answered an error`,
      }),
      peakRow(label, 'console', 'api process serving the console (browser not counted)'),
    );
    process.stdout.write(
      `BENCH_DETAIL ${JSON.stringify({
        console: {
          patents: args.patents,
          cold: cold.map((l) => ({ ready: round(l.ready, 1), fcp: l.fcp === null ? null : round(l.fcp, 1) })),
          warm: warm.map((l) => ({ ready: round(l.ready, 1), fcp: l.fcp === null ? null : round(l.fcp, 1) })),
          requestsCold: routesCold,
          requestsWarm: routesWarm,
          requestsAlone: apart,
          searches: terms.map((s, i) => ({
            search: s,
            rendered: round(found[i]!.rendered, 1),
            request: found[i]!.request === null ? null : round(found[i]!.request!, 1),
            total: found[i]!.total,
          })),
        },
      })}\n`,
    );
  } finally {
    await browser?.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    rmSync(tokenKeyFile, { force: true });
  }
  emit(rows);
}
