import { isIsoDate, type IsoDate } from '@patent-ledger/domain';
import { QueryError } from '../cursor';
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
 *   transfer, licence, open-licence taking or industrialization by asOf ÷ patents inventoried;
 * - `industrializationRate`: patents marked industrialized at inventory or industrialized by asOf ÷
 *   patents inventoried (the plan's §一 goals: 产业化率 and 实施率);
 * - `openLicenseTakings`, `medianDaysAdmissionToFirstDeal` (patents whose first transfer, licence or
 *   open-licence taking came on or after their first admission to the pool);
 * - `obligations`: on time, late, overdue, open, cancelled as of asOf.
 *
 * Percentages have 1 decimal (null when the denominator is 0). A contract later cancelled still
 * counts as a deal signed. `knownAt` keeps only the facts recorded by then (obligations: the log
 * prefix recorded by then).
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
  deals: Record<'transfer' | 'license' | 'open-license' | 'industrialization', { n: number; fen: number }>;
  daysToFirstDeal: number[];
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
    industrialization: { n: 0, fen: 0 },
  },
  daysToFirstDeal: [],
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
  into.daysToFirstDeal.push(...c.daysToFirstDeal);
  for (const k of Object.keys(into.obligations) as (keyof Counts['obligations'])[]) {
    into.obligations[k] += c.obligations[k];
  }
}

const percent = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part * 1000) / whole) / 10;
const yuan = (fen: number): string => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

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
      industrialization: { count: c.deals.industrialization.n },
    },
    implemented: c.implemented,
    implementationRate: percent(c.implemented, c.inventoried),
    industrialized: c.industrialized,
    industrializationRate: percent(c.industrialized, c.inventoried),
    openLicenseTakings: c.deals['open-license'].n,
    medianDaysAdmissionToFirstDeal: median(c.daysToFirstDeal),
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
                  OR ${dealExists(`'transfer', 'license', 'open-license', 'industrialization'`)} THEN 1 ELSE 0 END) AS impl,
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
          AND x.kind IN ('transfer', 'license', 'open-license') AND x.occurred_on <= @d AND x.recorded_at <= @k) AS deal
     FROM progress_patents p
     WHERE p.recorded_at <= @k AND ${pIn}
       AND EXISTS (SELECT 1 FROM progress_deals x WHERE x.application_number = p.application_number
                     AND x.kind IN ('transfer', 'license', 'open-license') AND x.occurred_on <= @d AND x.recorded_at <= @k)`,
    params,
  )) {
    const c = of(r.id);
    if (!c || r.admitted === null || r.deal === null || r.deal < r.admitted) continue;
    c.daysToFirstDeal.push(dayNumber(r.deal) - dayNumber(r.admitted));
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
      `SELECT s.institution_id AS id, s.name, s.province,
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
    const snap = await (
      req.knownAt !== undefined ? knownAtSnapshot(req.knownAt, obligationsCheckpoint) : obligationsCheckpoint
    )(tx);

    const total = (m: Map<string, Counts>): KpiFigures => {
      const sum = emptyCounts();
      for (const i of insts) addCounts(sum, m.get(i.id)!);
      return figuresOf(sum);
    };
    const at = await countsAt(tx, req.asOf, k, insts, filtered, snap);
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
      for (const d of monthEnds(req.from ?? `${req.asOf.slice(0, 4)}-01-01`, req.asOf)) {
        const m = d === req.asOf ? at : await countsAt(tx, d, k, insts, filtered, snap);
        series.push({ asOf: d, ...total(m) });
      }
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
