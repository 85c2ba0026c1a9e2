/** /metrics (Prometheus text format, read with a parser), the probes and the correlation id of every answer. */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import {
  actors,
  applicationNumber,
  inventory,
  inventoryBody,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from '../e2e/harness';
import { eventually } from '../events/support';

describe('operations: /metrics and the probes', () => {
  let h: Harness;
  const scrapeToken = randomBytes(24).toString('hex');

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patent-ledger-metrics-'));
    writeFileSync(join(dir, 'scrape-token'), `${scrapeToken}\n`, { mode: 0o600 });
    h = await startHarness({
      env: { LEDGER_METRICS_TOKEN_FILE: join(dir, 'scrape-token'), LEDGER_REMINDER_DAYS: 'off' },
    });
    await registerInstitution(h);
  });
  afterAll(() => h.close());

  let lastText = '';
  /** Every line through the parser (it throws on one that is not the text format). */
  const scrape = async (): Promise<PrometheusFamily[]> => {
    const res = await h.http().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    lastText = res.text;
    return parsePrometheusTextFormat(res.text);
  };
  /**
   * The observation count of a histogram's series. (parse-prometheus-text-format folds the series of a
   * labelled histogram into one, so its `_count` lines are read from the text it validated.)
   */
  const count = (_fs: PrometheusFamily[], name: string, labels: Record<string, string> = {}): number =>
    lastText
      .split('\n')
      .filter((l) => l.startsWith(`${name}_count`))
      .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const family = (fs: PrometheusFamily[], name: string): PrometheusFamily => {
    const f = fs.find((x) => x.name === name);
    if (!f) throw new Error(`no metric ${name}`);
    return f;
  };
  const value = (fs: PrometheusFamily[], name: string, labels: Record<string, string>): number => {
    const m = family(fs, name).metrics.find((x) =>
      Object.entries(labels).every(([k, v]) => x.labels?.[k] === v),
    );
    return m ? Number(m.value ?? m.count) : 0;
  };

  it('parses as the Prometheus text format and moves when commands run', async () => {
    const before = await scrape();
    const ok = value(before, 'ledger_commands_total', { command: 'InventoryPatent', outcome: 'ok' });
    const rejected = value(before, 'ledger_commands_total', {
      command: 'InventoryPatent',
      outcome: 'rejected',
    });
    const appends = count(before, 'ledger_append_duration_seconds');
    const commits = count(before, 'ledger_commit_fsync_duration_seconds');

    const AN = applicationNumber(2017, 1, 9301);
    await inventory(h, AN);
    await inventory(h, applicationNumber(2017, 1, 9302));
    const again = await send(h, 'post', '/patents', inventoryBody(AN), { headers: actors.institution });
    expect(again.status).toBe(409);

    await eventually(
      'the ledger thread reported its commits',
      async () => count(await scrape(), 'ledger_commit_fsync_duration_seconds') >= commits + 2,
      10_000,
    );
    const after = await scrape();
    expect(value(after, 'ledger_commands_total', { command: 'InventoryPatent', outcome: 'ok' })).toBe(ok + 2);
    expect(value(after, 'ledger_commands_total', { command: 'InventoryPatent', outcome: 'rejected' })).toBe(
      rejected + 1,
    );
    expect(count(after, 'ledger_append_duration_seconds')).toBe(appends + 2);
    expect(family(after, 'ledger_append_duration_seconds').type).toBe('HISTOGRAM');
    expect(
      count(after, 'http_request_duration_seconds', { method: 'POST', route: '/patents', status: '201' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      count(after, 'http_request_duration_seconds', { method: 'POST', route: '/patents', status: '409' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      family(after, 'ledger_projection_lag_events')
        .metrics.map((m) => m.labels?.['projection'])
        .sort(),
    ).toEqual(expect.arrayContaining(['audit', 'obligations', 'progress', 'resource-pool']));
    expect(value(after, 'ledger_log_head_position', {})).toBeGreaterThanOrEqual(3);
    for (const name of [
      'ledger_publisher_lag_events',
      'ledger_subscription_lag_events',
      'ledger_webhook_dead_letters',
      'process_cpu_seconds_total',
    ])
      expect(family(after, name)).toBeDefined();
  });

  it('answers the scrape token or an ip-office admin only', async () => {
    expect((await h.anonymous().get('/metrics')).status).toBe(401);
    expect((await h.anonymous().get('/metrics').set('Authorization', 'Bearer not-the-token')).status).toBe(
      401,
    );
    expect((await h.anonymous().get('/metrics').set(actors.institution)).status).toBe(403);
    expect((await h.anonymous().get('/metrics').set(actors.auditor)).status).toBe(403);
    const res = await h.anonymous().get('/metrics').set('Authorization', `Bearer ${scrapeToken}`);
    expect(res.status).toBe(200);
    expect(parsePrometheusTextFormat(res.text).length).toBeGreaterThan(10);
  });

  it('/health/live and /health/ready apart, public, naming only what is up; /health as before', async () => {
    const live = await h.anonymous().get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await h.anonymous().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { store: 'up', readModels: 'up', disk: 'ok', shutdown: 'no' },
    });
    const health = await h.anonymous().get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual(
      expect.objectContaining({ status: 'ok', store: expect.objectContaining({ ready: true }) }),
    );
  });

  it('answers every request with its correlation id (the caller’s, else a new one)', async () => {
    const given = await h.anonymous().get('/health/live').set('X-Correlation-Id', 'campaign-2026-12');
    expect(given.headers['x-correlation-id']).toBe('campaign-2026-12');
    const fresh = await h.anonymous().get('/health/live');
    expect(fresh.headers['x-correlation-id']).toMatch(/^req-[0-9a-f-]{36}$/);
  });
});
