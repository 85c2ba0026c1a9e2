/**
 * Resource-pool queries (`queryResourcePool`, as `GET /resource-pool` calls it) on the read model the
 * projection phase built: a mix of the listing's sorts and filters, first pages and a next page.
 * Then the programme KPIs (`queryKpis`, as `GET /kpis` calls it) on the same read models: province-wide,
 * one supervising department, the largest institution, and province-wide with the monthly series.
 */
import {
  queryKpis,
  queryResourcePool,
  type KpiQuery,
  type PoolPageRequest,
  type ReadModelDb,
} from '@patent-ledger/read-models';
import { emit, log, now, peakRow, resetPeakRss, round, row, summarize, type Row } from '../lib/common';
import { openReadModels, readModelsLabel, type ReadModelsSpec } from '../lib/read-models';

export interface PoolArgs {
  readModels: ReadModelsSpec;
  /** Samples per query shape… */
  perQuery: number;
  /** …unless the shape has used this much time (at least 10 samples each). */
  maxSecondsPerShape: number;
}

export interface PoolDetail {
  query: string;
  p50: number;
  p99: number;
  total: number;
  samples: number;
}

export async function poolPhase(args: PoolArgs): Promise<void> {
  const label = readModelsLabel(args.readModels);
  const readModels = await openReadModels(args.readModels, false);
  const db = readModels.sql;
  const rows: Row[] = [];
  try {
    const get = <T>(sql: string) => db.transaction((tx) => tx.get<T>(sql), 'read');
    const pool = Number((await get<{ n: number }>('SELECT count(*) AS n FROM pool_rows'))?.n ?? 0);
    const byInstitution =
      'SELECT institution_id AS id FROM pool_rows GROUP BY institution_id ORDER BY count(*)';
    const topInstitution = (await get<{ id: string }>(`${byInstitution} DESC LIMIT 1`))?.id ?? 'tyut';
    const smallInstitution = (await get<{ id: string }>(`${byInstitution} ASC LIMIT 1`))?.id ?? 'tyut';
    // Two characters of a title (a word of the generated vocabulary).
    const title =
      (await get<{ title: string }>('SELECT title FROM pool_rows ORDER BY last_position LIMIT 1 OFFSET 1000'))
        ?.title ?? '材料';
    const word = [...title].slice(2, 4).join('');
    const ipc =
      (
        await get<{ c: string }>(
          'SELECT substr(code, 1, 4) AS c FROM pool_ipc GROUP BY substr(code, 1, 4) ORDER BY count(*) DESC LIMIT 1',
        )
      )?.c ?? 'H01M';
    const first = await queryResourcePool(db, {});
    const queries: [string, PoolPageRequest][] = [
      ['default listing (sort=recent, limit 50)', {}],
      ['sort=prospect', { sort: 'prospect' }],
      ['sort=evaluations', { sort: 'evaluations' }],
      [`institutionId=${topInstitution} (largest)`, { institutionId: topInstitution }],
      [`institutionId=${smallInstitution} (smallest)`, { institutionId: smallInstitution }],
      ['highValue=true', { highValue: true }],
      ['mode=license&status=available', { mode: 'license', status: 'available' }],
      ['tier=featured', { tier: 'featured' }],
      ['minProspect=4&sort=prospect', { minProspect: 4, sort: 'prospect' }],
      [`q=${word} (title text)`, { q: word }],
      [`ipc=${ipc}`, { ipc }],
      ['next page (cursor of the default listing)', first.nextCursor ? { cursor: first.nextCursor } : {}],
    ];
    // Warm-up, then rounds over the mix so every query sees the same conditions.
    for (const [, q] of queries) await queryResourcePool(db, q);
    resetPeakRss();
    const samples = new Map<string, number[]>(queries.map(([n]) => [n, []]));
    const totals = new Map<string, number>();
    const all: number[] = [];
    const spent = new Map<string, number>(queries.map(([n]) => [n, 0]));
    const budgetMs = args.maxSecondsPerShape * 1000;
    for (let i = 0; i < args.perQuery; i++) {
      for (const [name, q] of queries) {
        if (i >= 10 && spent.get(name)! > budgetMs) continue;
        const t0 = now();
        const page = await queryResourcePool(db, q);
        const ms = now() - t0;
        spent.set(name, spent.get(name)! + ms);
        samples.get(name)!.push(ms);
        all.push(ms);
        totals.set(name, page.total);
      }
    }
    const s = summarize(all);
    const details: PoolDetail[] = queries.map(([name]) => {
      const q = summarize(samples.get(name)!);
      return {
        query: name,
        p50: round(q.p50, 2),
        p99: round(q.p99, 2),
        total: totals.get(name) ?? 0,
        samples: q.n,
      };
    });
    for (const d of details) log(`pool ${d.query}: p50 ${d.p50} ms, p99 ${d.p99} ms (total ${d.total})`);
    const name = `resource-pool query, ${pool.toLocaleString('en-US')} pool patents (${queries.length} query shapes, ${s.n.toLocaleString('en-US')} queries)`;
    const slowest = [...details].sort((a, b) => b.p99 - a.p99)[0]!;
    rows.push(
      row({ store: label, phase: 'pool', name: `${name}: p50`, value: round(s.p50, 2), unit: 'ms' }),
      row({
        store: label,
        phase: 'pool',
        name: `${name}: p99`,
        value: round(s.p99, 2),
        unit: 'ms',
        target: { kind: 'below', value: 50 },
        note: `slowest shape: ${slowest.query} p99 ${slowest.p99} ms; up to ${args.perQuery} samples per shape, fewer (≥ 10) where a shape used ${args.maxSecondsPerShape} s`,
      }),
      peakRow(label, 'pool', 'pool queries'),
    );
    const kpis = await kpiQueries(db, label, args, topInstitution);
    rows.push(...kpis.rows);
    process.stdout.write(`BENCH_DETAIL ${JSON.stringify({ pool: details, kpis: kpis.details })}\n`);
  } finally {
    await readModels.close();
  }
  emit(rows);
}

/** `GET /kpis` shapes, timed in rounds like the pool's (at least 10 samples each, then a time budget). */
async function kpiQueries(
  db: ReadModelDb,
  label: string,
  args: PoolArgs,
  topInstitution: string,
): Promise<{ rows: Row[]; details: PoolDetail[] }> {
  const get = <T>(sql: string) => db.transaction((tx) => tx.get<T>(sql), 'read');
  const patents = Number((await get<{ n: number }>('SELECT count(*) AS n FROM progress_patents'))?.n ?? 0);
  const asOf =
    (await get<{ d: string }>('SELECT MAX(inventoried_on) AS d FROM progress_patents'))?.d ?? '2025-12-31';
  const queries: [string, KpiQuery][] = [
    ['province-wide', { asOf }],
    ['department=education', { asOf, department: 'education' }],
    [`institutionId=${topInstitution} (largest)`, { asOf, institutionId: topInstitution }],
    ['province-wide, series=monthly', { asOf, series: 'monthly' }],
  ];
  for (const [, q] of queries) await queryKpis(db, q);
  const samples = new Map<string, number[]>(queries.map(([n]) => [n, []]));
  const spent = new Map<string, number>(queries.map(([n]) => [n, 0]));
  const budgetMs = args.maxSecondsPerShape * 1000;
  for (let i = 0; i < args.perQuery; i++) {
    for (const [name, q] of queries) {
      if (i >= 10 && spent.get(name)! > budgetMs) continue;
      const t0 = now();
      await queryKpis(db, q);
      const ms = now() - t0;
      spent.set(name, spent.get(name)! + ms);
      samples.get(name)!.push(ms);
    }
  }
  const details: PoolDetail[] = queries.map(([name]) => {
    const q = summarize(samples.get(name)!);
    return {
      query: `kpis ${name}`,
      p50: round(q.p50, 2),
      p99: round(q.p99, 2),
      total: patents,
      samples: q.n,
    };
  });
  for (const d of details) log(`${d.query}: p50 ${d.p50} ms, p99 ${d.p99} ms (${d.samples} samples)`);
  const wide = summarize(samples.get('province-wide')!);
  const name = `GET /kpis (queryKpis) province-wide, asOf ${asOf}, ${patents.toLocaleString('en-US')} patents`;
  const others = details
    .slice(1)
    .map((d) => `${d.query.slice(5)} p50 ${d.p50} / p99 ${d.p99} ms`)
    .join('; ');
  return {
    details,
    rows: [
      row({ store: label, phase: 'pool', name: `${name}: p50`, value: round(wide.p50, 2), unit: 'ms' }),
      row({
        store: label,
        phase: 'pool',
        name: `${name}: p99`,
        value: round(wide.p99, 2),
        unit: 'ms',
        target: { kind: 'below', value: 100 },
        note: `the target is for 1.35 M patents; ${wide.n} samples; ${others}`,
      }),
    ],
  };
}
