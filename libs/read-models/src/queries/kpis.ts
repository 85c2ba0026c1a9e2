import { isIsoDate, type IsoDate } from '@patent-ledger/domain';
import { QueryError } from '../cursor';
import {
  addEntries,
  addHistogram,
  DaysHistogram,
  DEAL_COLUMNS,
  GRAIN_DAY,
  GRAIN_MONTH,
  monthStart,
  OBLIGATION_COUNTER_TABLE,
  PROGRESS_COUNTER_TABLE,
  type CounterTable,
  type DealKind,
} from '../projections/kpi-counters';
import type { ReadModelDb, SqlTx } from '../sql';
import { knownAtBound } from './progress';
import type { SnapshotPosition } from './resource-pool';

/**
 * The programme's headline KPIs (issue 15), from the read models (the progress projection's facts and
 * the obligations ledger), as of a business date and as known at an instant:
 *
 * - `inventoryCoverage`: stock-cohort patents inventoried by asOf ÷ the institutions' stock counts;
 * - `poolAdmissionRate`: patents in the resource pool on asOf (latest tag admitted) ÷ patents inventoried;
 * - `evaluationCoverage`: pool patents with ≥ 1 enterprise evaluation ÷ pool patents;
 * - `deals`: transfers, licences, open-licence takings (count and contract value: price, royalty,
 *   the taking's payment) and industrializations, by the contract date (notification, start);
 * - `implementationRate` (已实施): patents marked implemented or industrialized at inventory, or with a
 *   transfer, licence, open-licence taking, equity contribution or industrialization by asOf ÷
 *   patents inventoried (促进科技成果转化法 Art. 16: the ways a result is put to use);
 * - `industrializationRate`: patents marked industrialized at inventory or industrialized by asOf ÷
 *   patents inventoried (the plan's §一 goals: 产业化率 and 实施率);
 * - `openLicenseTakings`, `medianDaysAdmissionToFirstDeal` (patents whose first transfer, licence,
 *   open-licence taking or equity contribution came on or after their first admission to the pool);
 * - `obligations`: on time, late, overdue, open, cancelled as of asOf.
 *
 * - `deals.equityContribution`: equity contributions (作价投资, count and valuation) by contract date;
 *   like a transfer they make a patent implemented and can be its first deal.
 *
 * Percentages have 1 decimal (null when the denominator is 0). A contract later cancelled still
 * counts as a deal signed. `knownAt` keeps only the facts recorded by then (obligations: the log
 * prefix recorded by then).
 *
 * Without `knownAt`, the figures are sums of the projections' pre-aggregated counters per
 * institution and day (kpi-counters.ts: progress_kpi_counters, obligation_kpi_counters), which equal
 * the row-based counts by construction: their cost grows with institutions × months, not with
 * patents; the median reads one histogram of days to first deal per institution (progress_kpi_days:
 * up to the month before asOf's, plus that month's first deals up to asOf). With `knownAt` they are
 * counted from the fact rows (`countsAt`), whose `recorded_at` the counters do not keep. Both are
 * exact, the median included.
 */
export interface KpiQuery {
  asOf: IsoDate;
  knownAt?: string;
  province?: string;
  department?: string;
  institutionId?: string;
  /** Also the same figures at the end of each month from `from` (default: January of asOf's year) to asOf. */
  series?: 'monthly';
  from?: IsoDate;
}

export interface DealFigures {
  count: number;
  /** Sum of the contract values in yuan (decimal string); absent for industrializations. */
  contractValue?: string;
}

export interface KpiFigures {
  institutions: number;
  stockPatentCount: number;
  inventoried: number;
  stockInventoried: number;
  inventoryCoverage: number | null;
  poolPatents: number;
  poolAdmissionRate: number | null;
  evaluatedPoolPatents: number;
  evaluationCoverage: number | null;
  deals: {
    transfer: DealFigures;
    license: DealFigures;
    openLicense: DealFigures;
    equityContribution: DealFigures;
    industrialization: DealFigures;
  };
  implemented: number;
  implementationRate: number | null;
  industrialized: number;
  industrializationRate: number | null;
  openLicenseTakings: number;
  medianDaysAdmissionToFirstDeal: number | null;
  obligations: { onTime: number; late: number; overdue: number; open: number; cancelled: number };
}

export interface KpiReport extends KpiFigures {
  asOf: IsoDate;
  knownAt?: string;
  filter: { province?: string; department?: string; institutionId?: string };
  byProvince: (KpiFigures & { province: string })[];
  byDepartment: (KpiFigures & { department: string })[];
  byInstitution: (KpiFigures & {
    institutionId: string;
    name: string;
    province: string;
    department: string;
  })[];
  series?: (KpiFigures & { asOf: IsoDate })[];
}

interface Inst {
  id: string;
  name: string;
  province: string;
  department: string;
  registered_count: number;
}

/** Per-institution counts at one date, summed into any grouping. */
interface Counts {
  institutions: number;
  stock: number;
  inventoried: number;
  stockInventoried: number;
  pool: number;
  evaluated: number;
  implemented: number;
  industrialized: number;
  deals: Record<DealKind, { n: number; fen: number }>;
  /** Days from admission to first deal → how many patents. */
  daysToFirstDeal: DaysHistogram;
  obligations: KpiFigures['obligations'];
}

const emptyCounts = (): Counts => ({
  institutions: 0,
  stock: 0,
  inventoried: 0,
  stockInventoried: 0,
  pool: 0,
  evaluated: 0,
  implemented: 0,
  industrialized: 0,
  deals: {
    transfer: { n: 0, fen: 0 },
    license: { n: 0, fen: 0 },
    'open-license': { n: 0, fen: 0 },
    'equity-contribution': { n: 0, fen: 0 },
    industrialization: { n: 0, fen: 0 },
  },
  daysToFirstDeal: new DaysHistogram(),
  obligations: { onTime: 0, late: 0, overdue: 0, open: 0, cancelled: 0 },
});

function addCounts(into: Counts, c: Counts): void {
  into.institutions += c.institutions;
  into.stock += c.stock;
  into.inventoried += c.inventoried;
  into.stockInventoried += c.stockInventoried;
  into.pool += c.pool;
  into.evaluated += c.evaluated;
  into.implemented += c.implemented;
  into.industrialized += c.industrialized;
  for (const k of Object.keys(into.deals) as (keyof Counts['deals'])[]) {
    into.deals[k].n += c.deals[k].n;
    into.deals[k].fen += c.deals[k].fen;
  }
  into.daysToFirstDeal.addAll(c.daysToFirstDeal);
  for (const k of Object.keys(into.obligations) as (keyof Counts['obligations'])[]) {
    into.obligations[k] += c.obligations[k];
  }
}

const percent = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part * 1000) / whole) / 10;
const yuan = (fen: number): string => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

function addDays(c: Counts, days: number, n: number): void {
  c.daysToFirstDeal.add(days, n);
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function figuresOf(c: Counts): KpiFigures {
  const deal = (k: keyof Counts['deals']): DealFigures => ({
    count: c.deals[k].n,
    contractValue: yuan(c.deals[k].fen),
  });
  return {
    institutions: c.institutions,
    stockPatentCount: c.stock,
    inventoried: c.inventoried,
    stockInventoried: c.stockInventoried,
    inventoryCoverage: percent(c.stockInventoried, c.stock),
    poolPatents: c.pool,
    poolAdmissionRate: percent(c.pool, c.inventoried),
    evaluatedPoolPatents: c.evaluated,
    evaluationCoverage: percent(c.evaluated, c.pool),
    deals: {
      transfer: deal('transfer'),
      license: deal('license'),
      openLicense: deal('open-license'),
      equityContribution: deal('equity-contribution'),
      industrialization: { count: c.deals.industrialization.n },
    },
    implemented: c.implemented,
    implementationRate: percent(c.implemented, c.inventoried),
    industrialized: c.industrialized,
    industrializationRate: percent(c.industrialized, c.inventoried),
    openLicenseTakings: c.deals['open-license'].n,
    medianDaysAdmissionToFirstDeal: c.daysToFirstDeal.median(),
    obligations: { ...c.obligations },
  };
}

const dayNumber = (d: string): number =>
  Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))) / 86_400_000;

/** Last day of each month from `from`'s month to `asOf`'s (asOf itself for the last). */
export function monthEnds(from: IsoDate, asOf: IsoDate): IsoDate[] {
  const out: IsoDate[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  for (;;) {
    const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
    if (last >= asOf) {
      out.push(asOf);
      return out;
    }
    out.push(last);
    m += 1;
    if (m === 13) {
      m = 1;
      y += 1;
    }
  }
}

/** The obligations projection's checkpoint (its newest applied position). */
export const obligationsCheckpoint: SnapshotPosition = async (tx) =>
  Number(
    (
      await tx.get<{ position: number }>(
        `SELECT position FROM projection_checkpoints WHERE name = 'obligations'`,
      )
    )?.position ?? Number.MAX_SAFE_INTEGER,
  );

/** The last log position recorded at or before `knownAt` (from the audit trail), for position-snapshot read models. */
export function knownAtSnapshot(knownAt: string, base: SnapshotPosition): SnapshotPosition {
  return async (tx) => {
    const checkpoint = await base(tx);
    const r = await tx.get<{ p: number | null }>(
      `SELECT MAX(position) AS p FROM audit_events WHERE recorded_at <= @k`,
      { k: knownAt },
    );
    return Math.min(checkpoint, Number(r?.p ?? 0));
  };
}

async function countsAt(
  tx: SqlTx,
  d: IsoDate,
  k: string,
  insts: Inst[],
  filtered: boolean,
  obligationSnap: number,
): Promise<Map<string, Counts>> {
  const by = new Map<string, Counts>(insts.map((i) => [i.id, { ...emptyCounts(), institutions: 1 }]));
  const params: Record<string, unknown> = { d, k, snap: obligationSnap };
  let inSet = '1 = 1';
  if (filtered) {
    inSet =
      insts.length === 0
        ? '1 = 0'
        : `institution_id IN (${insts
            .map((x, i) => {
              params[`s${i}`] = x.id;
              return `@s${i}`;
            })
            .join(', ')})`;
  }
  const pIn = inSet.replace('institution_id', 'p.institution_id');
  const of = (id: string): Counts | undefined => by.get(id);

  for (const r of await tx.all<{ id: string; count: number }>(
    `SELECT s.institution_id AS id,
       COALESCE((SELECT c.count FROM progress_stock_counts c WHERE c.institution_id = s.institution_id
                   AND c.occurred_on <= @d AND c.recorded_at <= @k
                 ORDER BY c.occurred_on DESC, c.position DESC LIMIT 1), s.registered_count) AS count
     FROM progress_institutions s WHERE s.recorded_at <= @k AND ${inSet.replace('institution_id', 's.institution_id')}`,
    params,
  )) {
    const c = of(r.id);
    if (c) c.stock = Number(r.count);
  }

  const dealExists = (kinds: string) =>
    `EXISTS (SELECT 1 FROM progress_deals x WHERE x.application_number = p.application_number
               AND x.occurred_on <= @d AND x.recorded_at <= @k AND x.kind IN (${kinds}))`;
  for (const r of await tx.all<{ id: string; n: number; stock: number; impl: number; ind: number }>(
    `SELECT p.institution_id AS id, COUNT(*) AS n,
       SUM(CASE WHEN p.cohort = 'stock' THEN 1 ELSE 0 END) AS stock,
       SUM(CASE WHEN p.implementation_status IN ('implemented', 'industrialized')
                  OR ${dealExists(`'transfer', 'license', 'open-license', 'equity-contribution', 'industrialization'`)} THEN 1 ELSE 0 END) AS impl,
       SUM(CASE WHEN p.implementation_status = 'industrialized' OR ${dealExists(`'industrialization'`)}
                THEN 1 ELSE 0 END) AS ind
     FROM progress_patents p
     WHERE p.inventoried_on <= @d AND p.recorded_at <= @k AND ${pIn}
     GROUP BY p.institution_id`,
    params,
  )) {
    const c = of(r.id);
    if (!c) continue;
    c.inventoried = Number(r.n);
    c.stockInventoried = Number(r.stock);
    c.implemented = Number(r.impl);
    c.industrialized = Number(r.ind);
  }

  for (const r of await tx.all<{ id: string; pool: number; evaluated: number }>(
    `SELECT p.institution_id AS id, COUNT(*) AS pool,
       SUM(CASE WHEN EXISTS (SELECT 1 FROM progress_evaluations v WHERE v.application_number = i.application_number
                               AND v.occurred_on <= @d AND v.recorded_at <= @k) THEN 1 ELSE 0 END) AS evaluated
     FROM progress_intents i JOIN progress_patents p ON p.application_number = i.application_number
     WHERE i.occurred_on <= @d AND i.recorded_at <= @k AND i.admitted = 1 AND ${pIn}
       AND NOT EXISTS (SELECT 1 FROM progress_intents j
                       WHERE j.application_number = i.application_number AND j.occurred_on <= @d AND j.recorded_at <= @k
                         AND (j.occurred_on > i.occurred_on OR (j.occurred_on = i.occurred_on AND j.position > i.position)))
     GROUP BY p.institution_id`,
    params,
  )) {
    const c = of(r.id);
    if (!c) continue;
    c.pool = Number(r.pool);
    c.evaluated = Number(r.evaluated);
  }

  for (const r of await tx.all<{ id: string; kind: keyof Counts['deals']; n: number; fen: number | null }>(
    `SELECT p.institution_id AS id, x.kind AS kind, COUNT(*) AS n, SUM(x.amount_fen) AS fen
     FROM progress_deals x JOIN progress_patents p ON p.application_number = x.application_number
     WHERE x.occurred_on <= @d AND x.recorded_at <= @k AND ${pIn}
     GROUP BY p.institution_id, x.kind`,
    params,
  )) {
    const c = of(r.id);
    if (c) c.deals[r.kind] = { n: Number(r.n), fen: Number(r.fen ?? 0) };
  }

  for (const r of await tx.all<{ id: string; admitted: string; deal: string }>(
    `SELECT p.institution_id AS id,
       (SELECT MIN(i.occurred_on) FROM progress_intents i WHERE i.application_number = p.application_number
          AND i.admitted = 1 AND i.occurred_on <= @d AND i.recorded_at <= @k) AS admitted,
       (SELECT MIN(x.occurred_on) FROM progress_deals x WHERE x.application_number = p.application_number
          AND x.kind IN ('transfer', 'license', 'open-license', 'equity-contribution') AND x.occurred_on <= @d AND x.recorded_at <= @k) AS deal
     FROM progress_patents p
     WHERE p.recorded_at <= @k AND ${pIn}
       AND EXISTS (SELECT 1 FROM progress_deals x WHERE x.application_number = p.application_number
                     AND x.kind IN ('transfer', 'license', 'open-license', 'equity-contribution') AND x.occurred_on <= @d AND x.recorded_at <= @k)`,
    params,
  )) {
    const c = of(r.id);
    if (!c || r.admitted === null || r.deal === null || r.deal < r.admitted) continue;
    addDays(c, dayNumber(r.deal) - dayNumber(r.admitted), 1);
  }

  const fulfilled = `(fulfilled_on IS NOT NULL AND fulfilled_on <= @d AND fulfilled_position <= @snap)`;
  const cancelled = `(NOT ${fulfilled} AND cancelled_on IS NOT NULL AND cancelled_on <= @d AND cancelled_position <= @snap)`;
  for (const r of await tx.all<{
    id: string;
    on_time: number;
    late: number;
    overdue: number;
    open: number;
    cancelled: number;
  }>(
    `SELECT institution_id AS id,
       SUM(CASE WHEN ${fulfilled} AND late = 0 THEN 1 ELSE 0 END) AS on_time,
       SUM(CASE WHEN ${fulfilled} AND late = 1 THEN 1 ELSE 0 END) AS late,
       SUM(CASE WHEN NOT ${fulfilled} AND NOT ${cancelled} AND due_date < @d THEN 1 ELSE 0 END) AS overdue,
       SUM(CASE WHEN NOT ${fulfilled} AND NOT ${cancelled} AND due_date >= @d THEN 1 ELSE 0 END) AS open,
       SUM(CASE WHEN ${cancelled} THEN 1 ELSE 0 END) AS cancelled
     FROM obligations
     WHERE trigger_date <= @d AND trigger_position <= @snap AND institution_id IS NOT NULL AND ${inSet}
     GROUP BY institution_id`,
    params,
  )) {
    const c = of(r.id);
    if (!c) continue;
    c.obligations = {
      onTime: Number(r.on_time),
      late: Number(r.late),
      overdue: Number(r.overdue),
      open: Number(r.open),
      cancelled: Number(r.cancelled),
    };
  }
  return by;
}

// ---------------------------------------------------------------------------------------------
// From the counters (no knownAt)

/** What a row of summed counter columns adds to the counts (kpi-counters.ts PROGRESS_COUNTERS, OBLIGATION_COUNTERS). */
function addCounters(c: Counts, r: Record<string, unknown>): void {
  const v = (column: string): number => Number(r[column] ?? 0);
  if ('inventoried' in r) {
    c.inventoried += v('inventoried');
    c.stockInventoried += v('stock_inventoried');
    c.pool += v('pool');
    c.evaluated += v('evaluated');
    c.implemented += v('implemented');
    c.industrialized += v('industrialized');
    for (const [kind, col] of Object.entries(DEAL_COLUMNS) as [DealKind, (typeof DEAL_COLUMNS)[DealKind]][]) {
      c.deals[kind].n += v(col.count);
      if (col.fen) c.deals[kind].fen += v(col.fen);
    }
  }
  if ('on_time' in r) {
    c.obligations.onTime += v('on_time');
    c.obligations.late += v('late');
    c.obligations.overdue += v('overdue');
    c.obligations.open += v('open');
    c.obligations.cancelled += v('cancelled');
  }
}

/** `SUM(a) AS a, SUM(b) AS b, …` of a counters table's columns. */
const sums = (table: CounterTable): string => table.columns.map((c) => `SUM(${c}) AS ${c}`).join(', ');

/** `institution_id IN (…)` for the report's institutions (bound into `params`); `open` when unfiltered. */
function institutionsIn(
  insts: Inst[],
  filtered: boolean,
  params: Record<string, unknown>,
  open: string,
): string {
  if (!filtered) return open;
  if (insts.length === 0) return '1 = 0';
  return `institution_id IN (${insts
    .map((x, i) => {
      params[`s${i}`] = x.id;
      return `@s${i}`;
    })
    .join(', ')})`;
}

/** The stock count of each institution at any date, from its whole history (one read). */
async function stockHistory(
  tx: SqlTx,
  insts: Inst[],
  filtered: boolean,
): Promise<(id: string, d: IsoDate) => number> {
  const params: Record<string, unknown> = {};
  const inSet = institutionsIn(insts, filtered, params, '1 = 1');
  const history = new Map<string, { on: string; count: number }[]>();
  for (const r of await tx.all<{ id: string; occurred_on: string; count: number }>(
    `SELECT institution_id AS id, occurred_on, count FROM progress_stock_counts WHERE ${inSet}
     ORDER BY institution_id, occurred_on, position`,
    params,
  )) {
    let h = history.get(r.id);
    if (!h) history.set(r.id, (h = []));
    h.push({ on: r.occurred_on, count: Number(r.count) });
  }
  const registered = new Map(insts.map((i) => [i.id, Number(i.registered_count)]));
  return (id, d) => {
    // The latest revision on or before d (the later in the log on a tie), else the registered count.
    let count: number | undefined;
    for (const x of history.get(id) ?? []) {
      if (x.on > d) break;
      count = x.count;
    }
    return count ?? registered.get(id) ?? 0;
  };
}

/** Rows of a counters table as of `d`: months before d's month, then days of d's month up to d. */
const asOfRows = (table: CounterTable, inSet: string): string => {
  const columns = ['institution_id', ...table.columns].join(', ');
  return `SELECT ${columns} FROM "${table.name}" WHERE grain = ${GRAIN_MONTH} AND day < @m AND ${inSet}
   UNION ALL
   SELECT ${columns} FROM "${table.name}" WHERE grain = ${GRAIN_DAY} AND day >= @m AND day <= @d AND ${inSet}`;
};

/**
 * Per institution of `inSet` (on `s`), its progress_kpi_days row of the latest month with first
 * deals `op` @m (`<=`: up to m's month; `<`: before it).
 */
const latestHistograms = (inSet: string, op: '<=' | '<'): string =>
  `SELECT h.institution_id AS id, h.month AS month, h.entries AS entries, h.histogram AS histogram
   FROM progress_institutions s JOIN progress_kpi_days h ON h.institution_id = s.institution_id
   WHERE ${inSet} AND h.month = (SELECT MAX(g.month) FROM progress_kpi_days g
                                 WHERE g.institution_id = s.institution_id AND g.month ${op} @m)`;

/** The counts of each institution as of `d`, from the counters. */
async function countsFromCounters(
  tx: SqlTx,
  d: IsoDate,
  insts: Inst[],
  filtered: boolean,
  stockAt: (id: string, d: IsoDate) => number,
): Promise<Map<string, Counts>> {
  const by = new Map<string, Counts>(
    insts.map((i) => [i.id, { ...emptyCounts(), institutions: 1, stock: stockAt(i.id, d) }]),
  );
  const params: Record<string, unknown> = { d, m: monthStart(d) };
  const inSet = institutionsIn(insts, filtered, params, '1 = 1');
  for (const table of [PROGRESS_COUNTER_TABLE, OBLIGATION_COUNTER_TABLE]) {
    for (const r of await tx.all<Record<string, unknown> & { id: string }>(
      `SELECT institution_id AS id, ${sums(table)} FROM (${asOfRows(table, inSet)}) x GROUP BY institution_id`,
      params,
    )) {
      const c = by.get(r.id);
      if (c) addCounters(c, r);
    }
  }
  // The median: each institution's histogram up to its latest month with first deals up to d's,
  // less that month's first deals after d when it is d's month.
  const dayOfMonth = Number(d.slice(8, 10));
  for (const r of await tx.all<{ id: string; month: string; entries: Uint8Array; histogram: Uint8Array }>(
    latestHistograms(inSet.replace('institution_id', 's.institution_id'), '<='),
    params,
  )) {
    const c = by.get(r.id);
    if (!c) continue;
    addHistogram(c.daysToFirstDeal, r.histogram);
    if (r.month === params['m']) addEntries(c.daysToFirstDeal, r.entries, -1, dayOfMonth);
  }
  return by;
}

/**
 * The totals at month ends before asOf's month, from the month rows of the counters: one read per
 * table, summed month by month.
 */
async function seriesFromCounters(
  tx: SqlTx,
  ends: IsoDate[],
  insts: Inst[],
  filtered: boolean,
  stockAt: (id: string, d: IsoDate) => number,
): Promise<(KpiFigures & { asOf: IsoDate })[]> {
  if (ends.length === 0) return [];
  const params: Record<string, unknown> = { last: monthStart(ends[ends.length - 1]!) };
  // Unfiltered, the report counts the registered institutions only (as `total` does).
  const inSet = institutionsIn(
    insts,
    filtered,
    params,
    'institution_id IN (SELECT institution_id FROM progress_institutions)',
  );
  const months = `grain = ${GRAIN_MONTH} AND day <= @last AND ${inSet}`;
  const rows: { day: string; apply: (c: Counts) => void }[] = [];
  for (const table of [PROGRESS_COUNTER_TABLE, OBLIGATION_COUNTER_TABLE]) {
    for (const r of await tx.all<Record<string, unknown> & { day: string }>(
      `SELECT day, ${sums(table)} FROM "${table.name}" WHERE ${months} GROUP BY day`,
      params,
    )) {
      rows.push({ day: r.day, apply: (c) => addCounters(c, r) });
    }
  }
  // The median: the histograms up to the month before the first point, then each month's first deals.
  const running = { ...emptyCounts(), institutions: insts.length };
  const first = monthStart(ends[0]!);
  const baseParams: Record<string, unknown> = { m: first };
  for (const r of await tx.all<{ histogram: Uint8Array }>(
    latestHistograms(
      institutionsIn(insts, filtered, baseParams, '1 = 1').replace('institution_id', 's.institution_id'),
      '<',
    ),
    baseParams,
  ))
    addHistogram(running.daysToFirstDeal, r.histogram);
  const monthly = new Map<string, Uint8Array[]>();
  for (const r of await tx.all<{ month: string; entries: Uint8Array }>(
    `SELECT month, entries FROM progress_kpi_days WHERE month >= @first AND month <= @last AND ${inSet}`,
    { ...params, first },
  )) {
    let list = monthly.get(r.month);
    if (!list) monthly.set(r.month, (list = []));
    list.push(r.entries);
  }
  rows.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const out: (KpiFigures & { asOf: IsoDate })[] = [];
  let next = 0;
  for (const end of ends) {
    const upTo = monthStart(end);
    while (next < rows.length && rows[next]!.day <= upTo) rows[next++]!.apply(running);
    for (const entries of monthly.get(upTo) ?? []) addEntries(running.daysToFirstDeal, entries, 1);
    running.stock = insts.reduce((n, i) => n + stockAt(i.id, end), 0);
    out.push({ asOf: end, ...figuresOf(running) });
  }
  return out;
}

/**
 * `GET /kpis`. Needs the progress and obligations projections (and the audit trail for `knownAt`'s
 * obligations snapshot) in the same read-model database.
 */
export async function queryKpis(db: ReadModelDb, req: KpiQuery): Promise<KpiReport> {
  const bad = (field: string, message: string) => new QueryError('QUERY.INVALID_PARAMETER', message, field);
  if (!isIsoDate(req.asOf))
    throw bad('asOf', `asOf must be an ISO date YYYY-MM-DD, got ${JSON.stringify(req.asOf)}`);
  if (req.from !== undefined && (!isIsoDate(req.from) || req.from > req.asOf)) {
    throw bad('from', `from must be an ISO date on or before asOf, got ${JSON.stringify(req.from)}`);
  }
  const k = knownAtBound(req.knownAt);
  const filtered =
    req.province !== undefined || req.department !== undefined || req.institutionId !== undefined;
  return db.transaction(async (tx): Promise<KpiReport> => {
    const all = await tx.all<Inst>(
      `SELECT s.institution_id AS id, s.name, s.province, s.registered_count,
         COALESCE((SELECT d.department FROM progress_departments d
                   WHERE d.institution_id = s.institution_id AND d.recorded_at <= @k
                   ORDER BY d.position DESC LIMIT 1), s.department) AS department
       FROM progress_institutions s
       WHERE s.recorded_at <= @k
         AND (CAST(@province AS TEXT) IS NULL OR s.province = @province)
         AND (CAST(@institutionId AS TEXT) IS NULL OR s.institution_id = @institutionId)
       ORDER BY s.institution_id`,
      { k, province: req.province ?? null, institutionId: req.institutionId ?? null },
    );
    const insts = req.department === undefined ? all : all.filter((i) => i.department === req.department);
    // Without knownAt, from the counters; as known at an instant, from the fact rows.
    const counted = req.knownAt === undefined;
    const snap = counted ? 0 : await knownAtSnapshot(req.knownAt!, obligationsCheckpoint)(tx);
    const stockAt = counted ? await stockHistory(tx, insts, filtered) : undefined;

    const total = (m: Map<string, Counts>): KpiFigures => {
      const sum = emptyCounts();
      for (const i of insts) addCounts(sum, m.get(i.id)!);
      return figuresOf(sum);
    };
    const at = stockAt
      ? await countsFromCounters(tx, req.asOf, insts, filtered, stockAt)
      : await countsAt(tx, req.asOf, k, insts, filtered, snap);
    /** Sums per key (province, department), in key order. */
    const grouped = (key: (i: Inst) => string): Map<string, Counts> => {
      const m = new Map<string, Counts>();
      for (const i of insts) {
        let c = m.get(key(i));
        if (!c) m.set(key(i), (c = emptyCounts()));
        addCounts(c, at.get(i.id)!);
      }
      return new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    };
    const series: KpiReport['series'] = [];
    if (req.series === 'monthly') {
      const ends = monthEnds(req.from ?? `${req.asOf.slice(0, 4)}-01-01`, req.asOf);
      if (stockAt)
        series.push(...(await seriesFromCounters(tx, ends.slice(0, -1), insts, filtered, stockAt)));
      else
        for (const d of ends.slice(0, -1))
          series.push({ asOf: d, ...total(await countsAt(tx, d, k, insts, filtered, snap)) });
      series.push({ asOf: req.asOf, ...total(at) });
    }
    return {
      asOf: req.asOf,
      ...(req.knownAt !== undefined ? { knownAt: req.knownAt } : {}),
      filter: {
        ...(req.province !== undefined ? { province: req.province } : {}),
        ...(req.department !== undefined ? { department: req.department } : {}),
        ...(req.institutionId !== undefined ? { institutionId: req.institutionId } : {}),
      },
      ...total(at),
      byProvince: [...grouped((i) => i.province)].map(([p, c]) => ({ province: p, ...figuresOf(c) })),
      byDepartment: [...grouped((i) => i.department)].map(([d, c]) => ({ department: d, ...figuresOf(c) })),
      byInstitution: insts.map((i) => ({
        institutionId: i.id,
        name: i.name,
        province: i.province,
        department: i.department,
        ...figuresOf(at.get(i.id)!),
      })),
      ...(req.series === 'monthly' ? { series } : {}),
    };
  }, 'read');
}
