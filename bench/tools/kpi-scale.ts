/**
 * Diagnostic (not a figure of `npm run bench`): `GET /kpis` (`queryKpis` without knownAt) at the scale
 * of 1.35 M patents, simulated by filling the KPI counter tables directly (no events, no fact rows):
 * 40 institutions × 670 days of counters (day and month rows) and 220,000 first deals written with
 * the progress projection's own writer. Then the shapes of the bench's pool phase are timed in
 * rounds: province-wide, one supervising department, the largest institution, and province-wide
 * with the monthly series; p50 and p99 of each are printed. The medians answered are checked against
 * a direct count of the first deals filled (exit code 1 when one differs).
 *
 *   npx tsc -p bench/tsconfig.json && npx tsc-alias -p bench/tsconfig.json
 *   node dist/bench/bench/tools/kpi-scale.js [ROUNDS] [--pg postgres://127.0.0.1:5432/postgres]
 *
 * SQLite: a temporary file (removed afterwards). PostgreSQL: a schema of its own (dropped afterwards).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  obligationsProjection,
  PostgresReadModels,
  progressProjection,
  queryKpis,
  SqliteReadModels,
  DEFAULT_OBLIGATION_POLICY,
  type KpiQuery,
  type ReadModels,
} from '@patent-ledger/read-models';
import {
  counterWriter,
  Deltas,
  FirstDeals,
  OBLIGATION_COUNTER_TABLE,
  PROGRESS_COUNTER_TABLE,
} from '../../libs/read-models/src/projections/kpi-counters';
import { now, round, summarize, tempDir } from '../lib/common';
import { dropSchema } from '../lib/stores';

const INSTITUTIONS = 40;
const DAYS = 670;
const FIRST_DEALS = 220_000;
const START = Date.parse('2024-03-02T00:00:00Z');
const DEPARTMENTS = ['education', 'industry', 'health', 'science'];

const day = (i: number): string => new Date(START + i * 86_400_000).toISOString().slice(0, 10);
const identity = (name: string): string => name;

/** A small deterministic generator (mulberry32), so that every run fills the same rows. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The first deals filled: day index (0 … DAYS - 1) and days from admission, per institution. */
interface Filled {
  largest: string;
  deals: { institution: string; on: number; days: number }[];
}

async function fill(rm: ReadModels): Promise<Filled> {
  const d = rm.dialect;
  const rnd = random(7);
  // Institution i has weight i + 1: institution 39 is the largest.
  const weights = Array.from({ length: INSTITUTIONS }, (_, i) => i + 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const pick = (): number => {
    let x = rnd() * total;
    for (let i = 0; i < INSTITUTIONS; i++) if ((x -= weights[i]!) < 0) return i;
    return INSTITUTIONS - 1;
  };
  const id = (i: number): string => `inst-${String(i).padStart(2, '0')}`;
  const deals: Filled['deals'] = [];
  await rm.sql.transaction(async (tx) => {
    for (let i = 0; i < INSTITUTIONS; i++)
      await tx.run(
        `INSERT INTO progress_institutions (institution_id, name, kind, province, department, milestone_group,
           registered_on, registered_count, recorded_at) VALUES (?, ?, 'university', '山西', ?, 'key4', ?, ?, ?)`,
        [
          id(i),
          `院校 ${i}`,
          DEPARTMENTS[i % DEPARTMENTS.length],
          day(0),
          1000 * (i + 1),
          '2024-03-02T00:00:00Z',
        ],
      );
    // Counters: some of every column on every day of every institution.
    const progress = new Deltas(PROGRESS_COUNTER_TABLE);
    const obligations = new Deltas(OBLIGATION_COUNTER_TABLE);
    for (let i = 0; i < INSTITUTIONS; i++)
      for (let t = 0; t < DAYS; t++) {
        for (const c of PROGRESS_COUNTER_TABLE.columns)
          progress.add(id(i), day(t), c, 1 + Math.floor(rnd() * 40), 1);
        for (const c of OBLIGATION_COUNTER_TABLE.columns)
          obligations.add(id(i), day(t), c, 1 + Math.floor(rnd() * 5), 1);
      }
    await counterWriter(identity, d, PROGRESS_COUNTER_TABLE)(tx, progress);
    await counterWriter(identity, d, OBLIGATION_COUNTER_TABLE)(tx, obligations);
    // First deals: a date over the 670 days, its admission at any day before it.
    const firsts = new FirstDeals();
    for (let n = 0; n < FIRST_DEALS; n++) {
      const on = Math.floor(rnd() * DAYS);
      const days = Math.floor(rnd() * (on + 1));
      const institution = id(pick());
      deals.push({ institution, on, days });
      firsts.add(institution, day(on), days, 1);
    }
    await FirstDeals.writer(identity)(tx, firsts);
  });
  return { largest: id(INSTITUTIONS - 1), deals };
}

/** The median of the filled first deals up to day index `upTo`, counted directly. */
function recount(filled: Filled, upTo: number, institution?: string): number | null {
  const days = filled.deals
    .filter((x) => x.on <= upTo && (institution === undefined || x.institution === institution))
    .map((x) => x.days)
    .sort((a, b) => a - b);
  if (days.length === 0) return null;
  const mid = days.length >> 1;
  return days.length % 2 === 1 ? days[mid]! : (days[mid - 1]! + days[mid]!) / 2;
}

const indexOf = (d: string): number => Math.round((Date.parse(`${d}T00:00:00Z`) - START) / 86_400_000);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const pgAt = args.indexOf('--pg');
  const pg = pgAt >= 0 ? args[pgAt + 1] : undefined;
  const rounds = Number(args.find((a, i) => /^\d+$/.test(a) && !(pgAt >= 0 && i === pgAt + 1)) ?? 200);
  const projections = [progressProjection, obligationsProjection(DEFAULT_OBLIGATION_POLICY)];
  const schema = `kpi_scale_${process.pid}`;
  const dir = pg ? undefined : tempDir('kpi-scale');
  let rm: ReadModels;
  if (pg) {
    rm = await PostgresReadModels.open({ connectionString: pg, schema, poolSize: 4 }, projections);
  } else {
    rm = SqliteReadModels.open(join(dir!, 'read-models.sqlite'), projections);
  }
  try {
    await rm.init();
    const t0 = now();
    const filled = await fill(rm);
    const largest = filled.largest;
    console.log(
      `filled ${INSTITUTIONS} institutions × ${DAYS} days, ${FIRST_DEALS} first deals (${pg ? 'postgres' : 'sqlite'}) in ${round((now() - t0) / 1000, 1)} s`,
    );
    const asOf = day(DAYS - 1);
    const queries: [string, KpiQuery][] = [
      ['province-wide', { asOf }],
      ['department=education', { asOf, department: 'education' }],
      [`institutionId=${largest} (largest)`, { asOf, institutionId: largest }],
      ['province-wide, series=monthly', { asOf, series: 'monthly' }],
    ];
    const samples = new Map<string, number[]>(queries.map(([n]) => [n, []]));
    for (const [, q] of queries) await queryKpis(rm.sql, q);
    for (let i = 0; i < rounds; i++)
      for (const [name, q] of queries) {
        const t = now();
        await queryKpis(rm.sql, q);
        samples.get(name)!.push(now() - t);
      }
    // The medians answered equal a direct count of the filled first deals (province-wide, the largest
    // institution, each point of the series, and a mid-month date).
    const mid = day(DAYS - 20);
    const checks: [string, number | null, number | null][] = [];
    for (const d of [asOf, mid]) {
      const r = await queryKpis(rm.sql, { asOf: d });
      checks.push([`${d} province-wide`, r.medianDaysAdmissionToFirstDeal, recount(filled, indexOf(d))]);
      const one = r.byInstitution.find((i) => i.institutionId === largest)!;
      checks.push([
        `${d} ${largest}`,
        one.medianDaysAdmissionToFirstDeal,
        recount(filled, indexOf(d), largest),
      ]);
    }
    for (const p of (await queryKpis(rm.sql, { asOf, series: 'monthly', from: day(0) })).series!)
      checks.push([`series ${p.asOf}`, p.medianDaysAdmissionToFirstDeal, recount(filled, indexOf(p.asOf))]);
    const wrong = checks.filter(([, got, want]) => got !== want);
    console.log(
      `median days admission → first deal as of ${asOf}: ${checks[0]![1]}; ${checks.length - wrong.length}/${checks.length} medians equal a direct count`,
    );
    for (const [what, got, want] of wrong) console.log(`  ${what}: answered ${got}, counted ${want}`);
    if (wrong.length > 0) process.exitCode = 1;
    for (const [name] of queries) {
      const s = summarize(samples.get(name)!);
      console.log(`kpis ${name}: p50 ${round(s.p50, 2)} ms, p99 ${round(s.p99, 2)} ms (${s.n} samples)`);
    }
  } finally {
    await rm.close();
    if (pg) await dropSchema(pg, schema);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
