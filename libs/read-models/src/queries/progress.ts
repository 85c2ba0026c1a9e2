import {
  isIsoDate,
  planInForce,
  shanxiPlan2024,
  type IsoDate,
  type MilestoneGroup,
  type MilestoneScope,
  type MilestoneStage,
  type PlanDocument,
  type PlanMetric,
} from '@patent-ledger/domain';
import { QueryError } from '../cursor';
import { GRAIN_DAY, GRAIN_MONTH, monthStart } from '../projections/kpi-counters';
import type { ReadModelDb, SqlTx } from '../sql';
import { assertProgrammePolicy, DEFAULT_PROGRAMME_POLICY, type ProgrammePolicy } from '../policy';

/** A milestone id of a plan (the default plan's: tyut-100, key4-staged, evaluation-staged, key4-100, …). */
export type MilestoneId = string;
export type MilestoneStatus = 'met' | 'on-track' | 'at-risk' | 'missed';

/** A programme milestone as the progress report measures it (from a plan document's milestone). */
export interface MilestoneDefinition {
  id: MilestoneId;
  description: string;
  /**
   * `group`: every institution of `group` must reach the target; `institutions`: every listed
   * institution; `all-institutions`: every institution the plan covers; `province`: one
   * province-wide measure (over the listed institutions' patents when `institutions` is given).
   */
  scope: MilestoneScope;
  group?: MilestoneGroup;
  institutions?: string[];
  metric: PlanMetric;
  /** percent for the coverages; count for promotion-launched (target: at least 1). */
  unit: 'percent' | 'count';
  target: number;
  due: IsoDate;
  stage: MilestoneStage;
}

/** The measured definitions of a plan document's milestones. */
export function milestonesOfPlan(plan: PlanDocument): MilestoneDefinition[] {
  return plan.milestones.map((m) => ({
    id: m.id,
    description: m.description,
    scope: m.appliesTo.scope,
    ...(m.appliesTo.group !== undefined ? { group: m.appliesTo.group } : {}),
    ...(m.appliesTo.institutions !== undefined ? { institutions: m.appliesTo.institutions } : {}),
    metric: m.metric,
    unit: m.metric === 'promotion-launched' ? 'count' : 'percent',
    target: m.target,
    due: m.due,
    stage: m.stage,
  }));
}

/**
 * The default plan (the Shanxi 2024 plan, domain.md §6), with the policy's evaluation-basic target and
 * programme start: it applies to every institution whose province has no published plan in force.
 */
export function defaultPlan(policy: ProgrammePolicy = DEFAULT_PROGRAMME_POLICY): PlanDocument {
  return { ...shanxiPlan2024(policy.evaluationTargetPercent), programmeStart: policy.programmeStart };
}

/** The eight milestones of the default plan (§6); the evaluation-basic target comes from the policy. */
export function programmeMilestones(
  policy: ProgrammePolicy = DEFAULT_PROGRAMME_POLICY,
): MilestoneDefinition[] {
  return milestonesOfPlan(defaultPlan(policy));
}

const dayNumber = (d: IsoDate): number =>
  Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))) / 86_400_000;

/**
 * Share of the period from programme start to `due` that has elapsed at `asOf`, in [0, 1]. A due date
 * on or before the programme start counts as fully elapsed.
 */
export function elapsedFraction(asOf: IsoDate, due: IsoDate, programmeStart: IsoDate): number {
  const span = dayNumber(due) - dayNumber(programmeStart);
  if (span <= 0) return 1;
  return Math.min(1, Math.max(0, (dayNumber(asOf) - dayNumber(programmeStart)) / span));
}

/**
 * Status of one milestone as of `asOf`. The measure is taken at min(asOf, due) — the caller passes
 * that measurement (`reached`, and `value` in the target's unit, null when undefined).
 *
 * - asOf ≥ due: `met` if the target was reached by the due date, else `missed` (reaching it later does
 *   not turn a missed milestone into a met one).
 * - asOf < due: `met` if already reached; else `on-track` if value ≥ target × the elapsed fraction of
 *   the period from the programme start (2024-02-29) to the due date; else `at-risk`. An undefined
 *   value counts as 0.
 */
export function milestoneStatus(
  measured: { reached: boolean; value: number | null },
  target: number,
  due: IsoDate,
  asOf: IsoDate,
  programmeStart: IsoDate,
): MilestoneStatus {
  if (asOf >= due) return measured.reached ? 'met' : 'missed';
  if (measured.reached) return 'met';
  return (measured.value ?? 0) >= target * elapsedFraction(asOf, due, programmeStart)
    ? 'on-track'
    : 'at-risk';
}

const SEVERITY: Record<MilestoneStatus, number> = { met: 0, 'on-track': 1, 'at-risk': 2, missed: 3 };
const worst = (statuses: MilestoneStatus[]): MilestoneStatus =>
  statuses.reduce<MilestoneStatus>((w, s) => (SEVERITY[s] > SEVERITY[w] ? s : w), 'met');

export interface InstitutionMilestone {
  id: MilestoneId;
  target: number;
  due: IsoDate;
  /** min(asOf, due): the date the coverage below is measured at. */
  measuredOn: IsoDate;
  status: MilestoneStatus;
  /** Coverage at measuredOn, 1 decimal; null when the stock count is 0. */
  coveragePercent: number | null;
}

/** The plan a report row is measured against. */
export interface PlanRef {
  planId: string;
  version: number;
  /** true: the default plan (no plan of the institution's province is in force on asOf). */
  default: boolean;
}

export interface InstitutionProgress {
  institutionId: string;
  name: string;
  kind: string;
  province: string;
  /** Supervising department (主管部门); `unspecified` for an institution registered without one. */
  department: string;
  milestoneGroup: MilestoneGroup;
  /** The plan in force for its province on asOf (else the default plan). */
  plan: PlanRef;
  /** As of asOf: the latest count with occurredOn ≤ asOf, else the registration count. */
  stockPatentCount: number;
  /** Stock-cohort patents inventoried on or before asOf. */
  inventoried: number;
  /** inventoried ÷ stockPatentCount in percent, 1 decimal; null when stockPatentCount is 0 (see note). */
  coveragePercent: number | null;
  note?: string;
  /** The milestones of its plan that apply to it: its group's, its list's and the all-institution ones. */
  milestones: InstitutionMilestone[];
}

export interface ProvinceMilestone {
  id: MilestoneId;
  /** The plan the milestone belongs to. */
  planId: string;
  planVersion: number;
  description: string;
  scope: MilestoneDefinition['scope'];
  group?: MilestoneGroup;
  institutionIds?: string[];
  metric: MilestoneDefinition['metric'];
  unit: MilestoneDefinition['unit'];
  stage: MilestoneStage;
  target: number;
  due: IsoDate;
  measuredOn: IsoDate;
  status: MilestoneStatus;
  /**
   * The measured value at measuredOn: for coverage milestones the aggregate coverage of the
   * institutions concerned (1 decimal; null when their stock count is 0 or there are none); for
   * promotion-launched the number of promotions; for evaluation coverage the evaluated share of the
   * pool (1 decimal; null when the pool is empty).
   */
  value: number | null;
  /** Coverage milestones: how many of the institutions concerned met the target (per-institution status). */
  institutions?: { total: number; met: number };
  /** Evaluation coverage: the pool and how many of its patents were evaluated, at measuredOn. */
  pool?: { patents: number; evaluated: number };
}

/** Totals of a set of institutions (a province, a department). */
export interface ProgressTotals {
  institutions: number;
  stockPatentCount: number;
  inventoried: number;
  coveragePercent: number | null;
  /** The institutions' milestones (each institution × milestone once) by status. */
  milestones: Record<MilestoneStatus, number>;
}

export interface PlanProgress extends PlanRef {
  title: string;
  /** The province the plan names (the default plan: the provinces without a plan of their own). */
  province: string;
  effectiveFrom: IsoDate;
  institutions: number;
}

export interface ProgressReport {
  asOf: IsoDate;
  /** The province filter, when given. */
  provinceName?: string;
  /** The department and institution filters, when given. */
  department?: string;
  institutionId?: string;
  /** The knownAt bound, when given. */
  knownAt?: string;
  /** The plans in force on asOf for the institutions reported, each once. */
  plans: PlanProgress[];
  institutions: InstitutionProgress[];
  province: {
    institutions: number;
    stockPatentCount: number;
    inventoried: number;
    coveragePercent: number | null;
    /** New-cohort patents inventoried on or before asOf (they never count toward the stock milestones). */
    newCohortInventoried: number;
  };
  /** Per province and per supervising department of the institutions reported. */
  byProvince: (ProgressTotals & { province: string; plan: PlanRef })[];
  byDepartment: (ProgressTotals & { department: string })[];
  /** Every milestone of every plan in `plans`, measured over that plan's institutions. */
  milestones: ProvinceMilestone[];
}

export interface ProgressQuery {
  asOf: IsoDate;
  policy?: ProgrammePolicy;
  /** Only the institutions registered in this province (and, for province-level measures, their patents). */
  province?: string;
  /** Only the institutions of this supervising department. */
  department?: string;
  /** Only this institution. */
  institutionId?: string;
  /** As known at this instant (ISO UTC): only what the ledger had recorded by then. */
  knownAt?: string;
}

/** The knownAt bound of a query: an instant, or the end of time when none is given. */
export const knownAtBound = (knownAt: string | undefined): string => knownAt ?? '9999-12-31T23:59:59.999Z';

interface InstitutionRow {
  institution_id: string;
  name: string;
  kind: string;
  province: string;
  department: string;
  milestone_group: MilestoneGroup;
}

interface Coverage {
  count: number;
  inventoried: number;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const percentOf = (part: number, whole: number): number | null =>
  whole === 0 ? null : round1((part * 100) / whole);
const exactPercent = (part: number, whole: number): number | null =>
  whole === 0 ? null : (part * 100) / whole;
/** Coverage target reached. An institution with no stock patents has nothing to inventory: reached. */
const coverageReached = (c: Coverage, target: number): boolean =>
  c.count === 0 || c.inventoried * 100 >= target * c.count;

/** A published plan version, as the read model keeps it. */
export interface PublishedPlan {
  planId: string;
  version: number;
  province: string;
  effectiveFrom: IsoDate;
  publishedOn: IsoDate;
  /** When the ledger recorded the publication. */
  recordedAt: string;
  position: number;
  document: PlanDocument;
}

/** Every published plan version, by plan then version (the plans are few: read them whole). */
export async function readPublishedPlans(tx: SqlTx): Promise<PublishedPlan[]> {
  const rows = await tx.all<{
    plan_id: string;
    version: number;
    province: string;
    effective_from: string;
    published_on: string;
    recorded_at: string;
    position: number;
    document: string;
  }>(
    `SELECT plan_id, version, province, effective_from, published_on, recorded_at, position, document
     FROM progress_plans ORDER BY plan_id, version`,
  );
  return rows.map((r) => ({
    planId: r.plan_id,
    version: Number(r.version),
    province: r.province,
    effectiveFrom: r.effective_from,
    publishedOn: r.published_on,
    recordedAt: r.recorded_at,
    position: Number(r.position),
    document: JSON.parse(r.document) as PlanDocument,
  }));
}

/** `GET /plans`: every plan, its versions, and which is in force on asOf. */
export async function queryPlans(
  db: ReadModelDb,
  req: { asOf: IsoDate; policy?: ProgrammePolicy },
): Promise<{
  asOf: IsoDate;
  default: PlanDocument & { inForceFor: string };
  plans: (PublishedPlan & { inForce: boolean })[];
}> {
  if (!isIsoDate(req.asOf)) {
    throw new QueryError('QUERY.INVALID_PARAMETER', `asOf must be an ISO date YYYY-MM-DD`, 'asOf');
  }
  const all = await db.transaction((tx) => readPublishedPlans(tx), 'read');
  const inForce = new Set<PublishedPlan>();
  for (const province of new Set(all.map((p) => p.province))) {
    const p = inForceOf(all, province, req.asOf);
    if (p) inForce.add(p);
  }
  return {
    asOf: req.asOf,
    default: {
      ...defaultPlan(req.policy),
      inForceFor: 'every province without a published plan in force on asOf',
    },
    plans: all.map((p) => ({ ...p, inForce: inForce.has(p) })),
  };
}

/** The plan of `province` in force on `asOf`: the latest effectiveFrom ≤ asOf, then the later publication. */
function inForceOf(
  plans: readonly PublishedPlan[],
  province: string,
  asOf: IsoDate,
): PublishedPlan | undefined {
  const candidates = plans.filter((p) => p.province === province).sort((a, b) => a.position - b.position);
  return planInForce(candidates, asOf);
}

const noStatuses = (): Record<MilestoneStatus, number> => ({
  met: 0,
  'on-track': 0,
  'at-risk': 0,
  missed: 0,
});

/**
 * Programme progress as of a business date: each institution's stock count, inventory coverage and
 * milestones, province totals, per-province and per-department totals, and the status of each
 * milestone of the plans in force.
 *
 * Decisions:
 * - Plans are data (issue 15): each institution is measured against the plan of its province in force
 *   on asOf (`PUT /plans/{planId}`; the latest `effectiveFrom` ≤ asOf), else the default plan (the
 *   Shanxi 2024 plan), so a date before a new version is measured against the version then in force.
 * - Every registered institution is listed, whatever its registration date (the stock count before
 *   registration is the registration count): the programme covers institutions, not their paperwork.
 * - Coverage uses the exact ratio for milestones; the reported percentages are rounded to 1 decimal.
 *   An institution whose stock count is 0 has coverage null (with a note) and meets its coverage
 *   milestones vacuously. Coverage may exceed 100 % when the count was revised below the number of
 *   patents inventoried.
 * - Group, list and all-institution milestones: met only if every institution concerned met it;
 *   otherwise the worst institution status (missed > at-risk > on-track). A group with no registered
 *   institution has not met its milestone (value null; at-risk or missed per the status rule).
 * - Evaluation coverage with an empty pool is not reached (value null).
 * - Province-level measures count the patents of the plan's institutions (of the filter's, when one is
 *   given); with no filter and one plan for everyone, every patent in the ledger.
 * - Without `knownAt`, the inventories (stock cohort and all), the pool and its evaluated patents are
 *   sums of the progress projection's KPI counters per institution and day (kpi-counters.ts), which
 *   equal the counts of the fact rows; with `knownAt` they are counted from the rows (their
 *   `recorded_at`). Stock counts and promotions are read from their rows either way.
 */
export async function queryProgress(db: ReadModelDb, req: ProgressQuery): Promise<ProgressReport> {
  const { asOf } = req;
  if (!isIsoDate(asOf)) {
    throw new QueryError(
      'QUERY.INVALID_PARAMETER',
      `asOf must be an ISO date YYYY-MM-DD, got ${JSON.stringify(asOf)}`,
      'asOf',
    );
  }
  const policy = req.policy ?? DEFAULT_PROGRAMME_POLICY;
  assertProgrammePolicy(policy);
  const province = req.province ?? null;
  const department = req.department ?? null;
  const institutionId = req.institutionId ?? null;
  const filtered = province !== null || department !== null || institutionId !== null;
  const k = knownAtBound(req.knownAt);

  return db.transaction(async (tx): Promise<ProgressReport> => {
    const institutions = await tx.all<InstitutionRow>(
      `SELECT s.institution_id, s.name, s.kind, s.province, s.milestone_group,
         COALESCE((SELECT d.department FROM progress_departments d
                   WHERE d.institution_id = s.institution_id AND d.recorded_at <= @k
                   ORDER BY d.position DESC LIMIT 1), s.department) AS department
       FROM progress_institutions s
       WHERE (CAST(@province AS TEXT) IS NULL OR s.province = @province)
         AND (CAST(@institutionId AS TEXT) IS NULL OR s.institution_id = @institutionId)
         AND s.recorded_at <= @k
       ORDER BY CASE s.milestone_group WHEN 'tyut' THEN 0 WHEN 'key4' THEN 1 ELSE 2 END, s.institution_id`,
      { province, institutionId, k },
    );
    const members =
      department === null ? institutions : institutions.filter((s) => s.department === department);
    const ids = new Set(members.map((s) => s.institution_id));

    // The plan of each institution: its province's plan in force on asOf, else the default.
    const published = (await readPublishedPlans(tx)).filter((p) => p.recordedAt <= k);
    const fallback = defaultPlan(policy);
    const planOfProvince = new Map<string, { doc: PlanDocument; isDefault: boolean }>();
    const planFor = (p: string): { doc: PlanDocument; isDefault: boolean } => {
      let plan = planOfProvince.get(p);
      if (!plan) {
        const found = inForceOf(published, p, asOf);
        plan = found ? { doc: found.document, isDefault: false } : { doc: fallback, isDefault: true };
        planOfProvince.set(p, plan);
      }
      return plan;
    };
    const groups = new Map<string, { doc: PlanDocument; isDefault: boolean; members: InstitutionRow[] }>();
    for (const s of members) {
      const plan = planFor(s.province);
      const key = `${plan.isDefault ? 'default' : 'plan'}\0${plan.doc.planId}\0${plan.doc.version}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ...plan, members: [] }));
      g.members.push(s);
    }
    if (groups.size === 0) {
      // No institution: the plan of the province asked about (else the default) still lists its milestones.
      const plan = planFor(province ?? '');
      groups.set('empty', { ...plan, members: [] });
    }
    const refOf = (g: { doc: PlanDocument; isDefault: boolean }): PlanRef => ({
      planId: g.doc.planId,
      version: g.doc.version,
      default: g.isDefault,
    });

    // Without knownAt, what the KPI counters hold (kpi-counters.ts: per institution and day, the
    // steps of each patent's figures) is summed as of each date: stock-cohort inventories, the pool
    // and its evaluated patents, all cohorts' inventories. They are kept by the same rules as the
    // rows below: inventoried on or before D; in the pool when its latest tag on or before D (by
    // date, then log position) admitted it; evaluated when in the pool and evaluated on or before D.
    // As known at an instant, they are counted from the fact rows, whose recorded_at the counters
    // do not keep.
    const counted = req.knownAt === undefined;
    interface Counted {
      inventoried: number;
      stockInventoried: number;
      pool: number;
      evaluated: number;
    }
    const countersSql = (() => {
      const columns = 'institution_id, inventoried, stock_inventoried, pool, evaluated';
      return `SELECT institution_id AS id, SUM(inventoried) AS inventoried, SUM(stock_inventoried) AS stock,
           SUM(pool) AS pool, SUM(evaluated) AS evaluated
         FROM (SELECT ${columns} FROM progress_kpi_counters WHERE grain = ${GRAIN_MONTH} AND day < @m
               UNION ALL
               SELECT ${columns} FROM progress_kpi_counters
               WHERE grain = ${GRAIN_DAY} AND day >= @m AND day <= @d) x
         GROUP BY institution_id`;
    })();
    const countersCache = new Map<IsoDate, Map<string, Counted>>();
    /** Every institution's counters summed as of `d` (also those of patents of unregistered institutions). */
    const countersAt = async (d: IsoDate): Promise<Map<string, Counted>> => {
      let m = countersCache.get(d);
      if (!m) {
        const rows = await tx.all<{
          id: string;
          inventoried: number;
          stock: number;
          pool: number;
          evaluated: number;
        }>(countersSql, { d, m: monthStart(d) });
        m = new Map(
          rows.map((r) => [
            r.id,
            {
              inventoried: Number(r.inventoried),
              stockInventoried: Number(r.stock),
              pool: Number(r.pool),
              evaluated: Number(r.evaluated),
            },
          ]),
        );
        countersCache.set(d, m);
      }
      return m;
    };
    /** A counter summed over the institutions of `scope` (every institution when null). */
    const countedOver = async (
      d: IsoDate,
      scope: readonly string[] | null,
      figure: (c: Counted) => number,
    ): Promise<number> => {
      const m = await countersAt(d);
      let n = 0;
      if (scope === null) for (const c of m.values()) n += figure(c);
      else
        for (const id of new Set(scope)) {
          const c = m.get(id);
          if (c) n += figure(c);
        }
      return n;
    };

    const stockCountSql = `COALESCE(
           (SELECT c.count FROM progress_stock_counts c WHERE c.institution_id = s.institution_id AND c.occurred_on <= @d
              AND c.recorded_at <= @k
            ORDER BY c.occurred_on DESC, c.position DESC LIMIT 1),
           s.registered_count) AS count`;
    const coverageSql = `SELECT s.institution_id AS id,
         ${stockCountSql},
         ${
           counted
             ? '0'
             : `(SELECT COUNT(*) FROM progress_patents p
          WHERE p.institution_id = s.institution_id AND p.cohort = 'stock' AND p.inventoried_on <= @d
            AND p.recorded_at <= @k)`
         } AS inventoried
       FROM progress_institutions s
       WHERE (CAST(@province AS TEXT) IS NULL OR s.province = @province)
         AND (CAST(@institutionId AS TEXT) IS NULL OR s.institution_id = @institutionId)`;
    const coverageCache = new Map<IsoDate, Map<string, Coverage>>();
    const coverageAt = async (d: IsoDate): Promise<Map<string, Coverage>> => {
      let m = coverageCache.get(d);
      if (!m) {
        const rows = await tx.all<{ id: string } & Coverage>(coverageSql, {
          d,
          province,
          institutionId,
          k,
        });
        const inventories = counted ? await countersAt(d) : undefined;
        m = new Map(
          rows.map((r) => [
            r.id,
            {
              count: Number(r.count),
              inventoried: inventories
                ? (inventories.get(r.id)?.stockInventoried ?? 0)
                : Number(r.inventoried),
            },
          ]),
        );
        coverageCache.set(d, m);
      }
      return m;
    };
    const coverageOf = async (d: IsoDate, id: string): Promise<Coverage> =>
      (await coverageAt(d)).get(id) ?? { count: 0, inventoried: 0 };

    /**
     * Patents in scope of a province measure: all (no filter, one plan), or those of the given
     * institutions. The ids are bound as one JSON-free list of parameters.
     */
    const scoped = (
      column: string,
      scope: readonly string[] | null,
    ): { sql: string; params: Record<string, unknown> } => {
      if (scope === null) return { sql: '1 = 1', params: {} };
      if (scope.length === 0) return { sql: '1 = 0', params: {} };
      const params: Record<string, unknown> = {};
      const names = scope.map((id, i) => {
        params[`s${i}`] = id;
        return `@s${i}`;
      });
      return {
        sql: `${column} IN (SELECT p.application_number FROM progress_patents p WHERE p.institution_id IN (${names.join(', ')}))`,
        params,
      };
    };

    const promotionsAt = async (d: IsoDate, scope: readonly string[] | null): Promise<number> => {
      const w = scoped('application_number', scope);
      return Number(
        (await tx.get<{ n: number }>(
          `SELECT COUNT(*) AS n FROM progress_promotions WHERE occurred_on <= @d AND recorded_at <= @k AND ${w.sql}`,
          { d, k, ...w.params },
        ))!.n,
      );
    };

    const poolAt = async (
      d: IsoDate,
      scope: readonly string[] | null,
    ): Promise<{ patents: number; evaluated: number }> => {
      if (counted) {
        return {
          patents: await countedOver(d, scope, (c) => c.pool),
          evaluated: await countedOver(d, scope, (c) => c.evaluated),
        };
      }
      const w = scoped('i.application_number', scope);
      const r = await tx.get<{ patents: number; evaluated: number }>(
        `SELECT COUNT(*) AS patents,
             COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM progress_evaluations v
                                  WHERE v.application_number = i.application_number AND v.occurred_on <= @d
                                    AND v.recorded_at <= @k)
                          THEN 1 ELSE 0 END), 0) AS evaluated
           FROM progress_intents i
           WHERE i.occurred_on <= @d AND i.recorded_at <= @k AND i.admitted = 1 AND ${w.sql}
             AND NOT EXISTS (SELECT 1 FROM progress_intents j
                             WHERE j.application_number = i.application_number AND j.occurred_on <= @d
                               AND j.recorded_at <= @k
                               AND (j.occurred_on > i.occurred_on OR (j.occurred_on = i.occurred_on AND j.position > i.position)))`,
        { d, k, ...w.params },
      );
      return { patents: Number(r!.patents), evaluated: Number(r!.evaluated) };
    };

    const measuredOn = (due: IsoDate): IsoDate => (asOf < due ? asOf : due);
    const appliesTo = (m: MilestoneDefinition, s: InstitutionRow): boolean =>
      m.scope === 'all-institutions' ||
      (m.scope === 'group' && m.group === s.milestone_group) ||
      (m.scope === 'institutions' && (m.institutions ?? []).includes(s.institution_id));

    const institutionMilestone = async (
      m: MilestoneDefinition,
      id: string,
      start: IsoDate,
    ): Promise<InstitutionMilestone> => {
      const on = measuredOn(m.due);
      const c = await coverageOf(on, id);
      const status = milestoneStatus(
        { reached: coverageReached(c, m.target), value: exactPercent(c.inventoried, c.count) },
        m.target,
        m.due,
        asOf,
        start,
      );
      return {
        id: m.id,
        target: m.target,
        due: m.due,
        measuredOn: on,
        status,
        coveragePercent: percentOf(c.inventoried, c.count),
      };
    };

    const reportOf = new Map<string, InstitutionProgress>();
    const milestones: ProvinceMilestone[] = [];
    const plans: PlanProgress[] = [];
    for (const g of groups.values()) {
      const definitions = milestonesOfPlan(g.doc);
      const start = g.doc.programmeStart;
      const ref = refOf(g);
      plans.push({
        ...ref,
        title: g.doc.title,
        province: g.isDefault
          ? [...new Set(g.members.map((s) => s.province))].join(', ') || g.doc.province
          : g.doc.province,
        effectiveFrom: g.doc.effectiveFrom,
        institutions: g.members.length,
      });
      const groupReports: { row: InstitutionRow; report: InstitutionProgress }[] = [];
      for (const s of g.members) {
        const c = await coverageOf(asOf, s.institution_id);
        const own: InstitutionMilestone[] = [];
        for (const m of definitions.filter((x) => x.metric === 'inventory-coverage' && appliesTo(x, s))) {
          own.push(await institutionMilestone(m, s.institution_id, start));
        }
        const report: InstitutionProgress = {
          institutionId: s.institution_id,
          name: s.name,
          kind: s.kind,
          province: s.province,
          department: s.department,
          milestoneGroup: s.milestone_group,
          plan: ref,
          stockPatentCount: c.count,
          inventoried: c.inventoried,
          coveragePercent: percentOf(c.inventoried, c.count),
          ...(c.count === 0
            ? {
                note: 'stockPatentCount is 0: coverage is undefined (null) and coverage milestones are met vacuously',
              }
            : {}),
          milestones: own,
        };
        reportOf.set(s.institution_id, report);
        groupReports.push({ row: s, report });
      }
      // Province measures: every patent when one plan covers every institution and nothing is filtered.
      const everyone = !filtered && groups.size === 1;
      const groupScope = everyone ? null : g.members.map((s) => s.institution_id);
      for (const m of definitions) {
        const on = measuredOn(m.due);
        const base = {
          id: m.id,
          planId: g.doc.planId,
          planVersion: g.doc.version,
          description: m.description,
          scope: m.scope,
          ...(m.group !== undefined ? { group: m.group } : {}),
          ...(m.institutions !== undefined ? { institutionIds: m.institutions } : {}),
          metric: m.metric,
          unit: m.unit,
          stage: m.stage,
          target: m.target,
          due: m.due,
          measuredOn: on,
        };
        if (m.metric === 'inventory-coverage') {
          const concerned = groupReports.filter((r) => appliesTo(m, r.row));
          const statuses = concerned.map((r) => r.report.milestones.find((x) => x.id === m.id)!.status);
          let count = 0;
          let inventoried = 0;
          for (const r of concerned) {
            const c = await coverageOf(on, r.row.institution_id);
            count += c.count;
            inventoried += c.inventoried;
          }
          const status =
            concerned.length === 0
              ? milestoneStatus({ reached: false, value: null }, m.target, m.due, asOf, start)
              : worst(statuses);
          milestones.push({
            ...base,
            status,
            value: percentOf(inventoried, count),
            institutions: { total: concerned.length, met: statuses.filter((x) => x === 'met').length },
          });
          continue;
        }
        const scope =
          m.institutions === undefined
            ? groupScope
            : m.institutions.filter((id) => groupScope === null || groupScope.includes(id));
        if (m.metric === 'promotion-launched') {
          const n = await promotionsAt(on, scope);
          milestones.push({
            ...base,
            status: milestoneStatus({ reached: n >= m.target, value: n }, m.target, m.due, asOf, start),
            value: n,
          });
          continue;
        }
        const pool = await poolAt(on, scope);
        const share = exactPercent(pool.evaluated, pool.patents);
        const reached = pool.patents > 0 && pool.evaluated * 100 >= m.target * pool.patents;
        milestones.push({
          ...base,
          status: milestoneStatus({ reached, value: share }, m.target, m.due, asOf, start),
          value: percentOf(pool.evaluated, pool.patents),
          pool,
        });
      }
    }
    // Listed in the order of the query (group, then id), whatever plan each is measured against.
    const institutionReports = members.map((s) => reportOf.get(s.institution_id)!);

    const totalsOf = (rows: InstitutionProgress[]): ProgressTotals => {
      const count = rows.reduce((n, r) => n + r.stockPatentCount, 0);
      const inventoried = rows.reduce((n, r) => n + r.inventoried, 0);
      const statuses = noStatuses();
      for (const r of rows) for (const m of r.milestones) statuses[m.status] += 1;
      return {
        institutions: rows.length,
        stockPatentCount: count,
        inventoried,
        coveragePercent: percentOf(inventoried, count),
        milestones: statuses,
      };
    };
    const byKey = (key: (r: InstitutionProgress) => string): Map<string, InstitutionProgress[]> => {
      const m = new Map<string, InstitutionProgress[]>();
      for (const r of institutionReports) {
        const k = key(r);
        const list = m.get(k);
        if (list) list.push(r);
        else m.set(k, [r]);
      }
      return new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    };
    const byProvince = [...byKey((r) => r.province)].map(([p, rows]) => ({
      province: p,
      plan: rows[0]!.plan,
      ...totalsOf(rows),
    }));
    const byDepartment = [...byKey((r) => r.department)].map(([d, rows]) => ({
      department: d,
      ...totalsOf(rows),
    }));

    const totalCount = institutionReports.reduce((n, r) => n + r.stockPatentCount, 0);
    const totalInventoried = institutionReports.reduce((n, r) => n + r.inventoried, 0);
    const w = scoped('application_number', filtered ? [...ids] : null);
    // The cohorts are stock and new: the new cohort's inventories are all less the stock's.
    const newCohortInventoried = counted
      ? await countedOver(asOf, filtered ? [...ids] : null, (c) => c.inventoried - c.stockInventoried)
      : Number(
          (await tx.get<{ n: number }>(
            `SELECT COUNT(*) AS n FROM progress_patents
         WHERE cohort = 'new' AND inventoried_on <= @asOf AND recorded_at <= @k AND ${w.sql}`,
            { asOf, k, ...w.params },
          ))!.n,
        );

    return {
      asOf,
      ...(province !== null ? { provinceName: province } : {}),
      ...(department !== null ? { department } : {}),
      ...(institutionId !== null ? { institutionId } : {}),
      ...(req.knownAt !== undefined ? { knownAt: req.knownAt } : {}),
      plans,
      institutions: institutionReports,
      province: {
        institutions: institutionReports.length,
        stockPatentCount: totalCount,
        inventoried: totalInventoried,
        coveragePercent: percentOf(totalInventoried, totalCount),
        newCohortInventoried,
      },
      byProvince,
      byDepartment,
      milestones,
    };
  }, 'read');
}
