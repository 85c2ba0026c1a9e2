import { isIsoDate, type IsoDate, type MilestoneGroup } from '@patent-ledger/domain';
import { QueryError } from '../cursor';
import type { ReadModelDb } from '../sql';
import { assertProgrammePolicy, DEFAULT_PROGRAMME_POLICY, type ProgrammePolicy } from '../policy';

export type MilestoneId =
  'tyut-100' | 'key4-100' | 'others-30' | 'all-100' | 'promotion-launch' | 'evaluation-basic';
export type MilestoneStatus = 'met' | 'on-track' | 'at-risk' | 'missed';

/** A programme milestone of the Shanxi plan (domain.md §6), as data. */
export interface MilestoneDefinition {
  id: MilestoneId;
  description: string;
  /**
   * `group`: every institution of `group` must reach the target; `all-institutions`: every
   * institution; `province`: one province-wide measure.
   */
  scope: 'group' | 'all-institutions' | 'province';
  group?: MilestoneGroup;
  metric: 'inventory-coverage' | 'promotions' | 'evaluated-pool-share';
  /** percent for coverage and the evaluated share; count for promotions (target: at least 1). */
  unit: 'percent' | 'count';
  target: number;
  due: IsoDate;
}

/** The six milestones of §6; the evaluation-basic target comes from the policy. */
export function programmeMilestones(
  policy: ProgrammePolicy = DEFAULT_PROGRAMME_POLICY,
): MilestoneDefinition[] {
  return [
    {
      id: 'tyut-100',
      description: '太原理工大学 inventories 100 % of its stock patents',
      scope: 'group',
      group: 'tyut',
      metric: 'inventory-coverage',
      unit: 'percent',
      target: 100,
      due: '2024-03-31',
    },
    {
      id: 'key4-100',
      description:
        'the four key universities (山西大学, 中北大学, 太原科技大学, 山西农业大学) inventory 100 %',
      scope: 'group',
      group: 'key4',
      metric: 'inventory-coverage',
      unit: 'percent',
      target: 100,
      due: '2024-06-30',
    },
    {
      id: 'others-30',
      description: 'every other institution inventories at least 30 %',
      scope: 'group',
      group: 'other',
      metric: 'inventory-coverage',
      unit: 'percent',
      target: 30,
      due: '2024-06-30',
    },
    {
      id: 'all-100',
      description: 'all institutions inventory 100 % of their stock patents',
      scope: 'all-institutions',
      metric: 'inventory-coverage',
      unit: 'percent',
      target: 100,
      due: '2024-12-31',
    },
    {
      id: 'promotion-launch',
      description: 'promotion has started: at least one Promoted',
      scope: 'province',
      metric: 'promotions',
      unit: 'count',
      target: 1,
      due: '2024-06-30',
    },
    {
      id: 'evaluation-basic',
      description: `enterprise evaluation basically complete: ≥ ${policy.evaluationTargetPercent} % of pool patents evaluated at least once`,
      scope: 'province',
      metric: 'evaluated-pool-share',
      unit: 'percent',
      target: policy.evaluationTargetPercent,
      due: '2024-12-31',
    },
  ];
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

export interface InstitutionProgress {
  institutionId: string;
  name: string;
  kind: string;
  province: string;
  milestoneGroup: MilestoneGroup;
  /** As of asOf: the latest count with occurredOn ≤ asOf, else the registration count. */
  stockPatentCount: number;
  /** Stock-cohort patents inventoried on or before asOf. */
  inventoried: number;
  /** inventoried ÷ stockPatentCount in percent, 1 decimal; null when stockPatentCount is 0 (see note). */
  coveragePercent: number | null;
  note?: string;
  /** The milestones that apply: its group's and all-100. */
  milestones: InstitutionMilestone[];
}

export interface ProvinceMilestone {
  id: MilestoneId;
  description: string;
  scope: MilestoneDefinition['scope'];
  group?: MilestoneGroup;
  metric: MilestoneDefinition['metric'];
  unit: MilestoneDefinition['unit'];
  target: number;
  due: IsoDate;
  measuredOn: IsoDate;
  status: MilestoneStatus;
  /**
   * The measured value at measuredOn: for coverage milestones the aggregate coverage of the
   * institutions concerned (1 decimal; null when their stock count is 0 or there are none); for
   * promotion-launch the number of promotions; for evaluation-basic the evaluated share of the pool
   * (1 decimal; null when the pool is empty).
   */
  value: number | null;
  /** Coverage milestones: how many of the institutions concerned met the target (per-institution status). */
  institutions?: { total: number; met: number };
  /** evaluation-basic: the pool and how many of its patents were evaluated, at measuredOn. */
  pool?: { patents: number; evaluated: number };
}

export interface ProgressReport {
  asOf: IsoDate;
  /** The province filter, when given. */
  provinceName?: string;
  institutions: InstitutionProgress[];
  province: {
    institutions: number;
    stockPatentCount: number;
    inventoried: number;
    coveragePercent: number | null;
    /** New-cohort patents inventoried on or before asOf (they never count toward the stock milestones). */
    newCohortInventoried: number;
  };
  milestones: ProvinceMilestone[];
}

export interface ProgressQuery {
  asOf: IsoDate;
  policy?: ProgrammePolicy;
  /** Only the institutions registered in this province (and, for province-level measures, their patents). */
  province?: string;
}

interface InstitutionRow {
  institution_id: string;
  name: string;
  kind: string;
  province: string;
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

/**
 * Programme progress as of a business date: each institution's stock count, inventory coverage and
 * milestones, province totals, and the status of the six milestones of §6.
 *
 * Decisions:
 * - Every registered institution is listed, whatever its registration date (the stock count before
 *   registration is the registration count): the programme covers institutions, not their paperwork.
 * - Coverage uses the exact ratio for milestones; the reported percentages are rounded to 1 decimal.
 *   An institution whose stock count is 0 has coverage null (with a note) and meets its coverage
 *   milestones vacuously. Coverage may exceed 100 % when the count was revised below the number of
 *   patents inventoried.
 * - Group and all-institution milestones: met only if every institution concerned met it; otherwise
 *   the worst institution status (missed > at-risk > on-track). A group with no registered institution
 *   has not met its milestone (value null; at-risk or missed per the status rule).
 * - evaluation-basic with an empty pool is not reached (value null).
 * - Without a province filter, province-level measures count every patent in the ledger; with one,
 *   only patents of institutions registered in that province.
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
  const start = policy.programmeStart;

  return db.transaction(async (tx): Promise<ProgressReport> => {
    const institutions = await tx.all<InstitutionRow>(
      `SELECT institution_id, name, kind, province, milestone_group FROM progress_institutions
       WHERE CAST(@province AS TEXT) IS NULL OR province = @province
       ORDER BY CASE milestone_group WHEN 'tyut' THEN 0 WHEN 'key4' THEN 1 ELSE 2 END, institution_id`,
      { province },
    );

    const coverageSql = `SELECT s.institution_id AS id,
         COALESCE(
           (SELECT c.count FROM progress_stock_counts c WHERE c.institution_id = s.institution_id AND c.occurred_on <= @d
            ORDER BY c.occurred_on DESC, c.position DESC LIMIT 1),
           s.registered_count) AS count,
         (SELECT COUNT(*) FROM progress_patents p
          WHERE p.institution_id = s.institution_id AND p.cohort = 'stock' AND p.inventoried_on <= @d) AS inventoried
       FROM progress_institutions s WHERE CAST(@province AS TEXT) IS NULL OR s.province = @province`;
    const coverageCache = new Map<IsoDate, Map<string, Coverage>>();
    const coverageAt = async (d: IsoDate): Promise<Map<string, Coverage>> => {
      let m = coverageCache.get(d);
      if (!m) {
        const rows = await tx.all<{ id: string } & Coverage>(coverageSql, { d, province });
        m = new Map(rows.map((r) => [r.id, { count: r.count, inventoried: r.inventoried }]));
        coverageCache.set(d, m);
      }
      return m;
    };
    const coverageOf = async (d: IsoDate, id: string): Promise<Coverage> =>
      (await coverageAt(d)).get(id) ?? { count: 0, inventoried: 0 };

    /** Patents in scope: all, or those of the province's institutions. */
    const scoped = (column: string): string =>
      province === null
        ? '1 = 1'
        : `${column} IN (SELECT p.application_number FROM progress_patents p
             JOIN progress_institutions s ON s.institution_id = p.institution_id WHERE s.province = @province)`;

    const promotionsAt = async (d: IsoDate): Promise<number> =>
      (await tx.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM progress_promotions WHERE occurred_on <= @d AND ${scoped('application_number')}`,
        { d, province },
      ))!.n;

    const poolAt = async (d: IsoDate): Promise<{ patents: number; evaluated: number }> => {
      const r = await tx.get<{ patents: number; evaluated: number }>(
        `SELECT COUNT(*) AS patents,
             COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM progress_evaluations v
                                  WHERE v.application_number = i.application_number AND v.occurred_on <= @d)
                          THEN 1 ELSE 0 END), 0) AS evaluated
           FROM progress_intents i
           WHERE i.occurred_on <= @d AND i.admitted = 1 AND ${scoped('i.application_number')}
             AND NOT EXISTS (SELECT 1 FROM progress_intents j
                             WHERE j.application_number = i.application_number AND j.occurred_on <= @d
                               AND (j.occurred_on > i.occurred_on OR (j.occurred_on = i.occurred_on AND j.position > i.position)))`,
        { d, province },
      );
      return r!;
    };

    const definitions = programmeMilestones(policy);
    const measuredOn = (due: IsoDate): IsoDate => (asOf < due ? asOf : due);
    const appliesTo = (m: MilestoneDefinition, group: MilestoneGroup): boolean =>
      m.scope === 'all-institutions' || (m.scope === 'group' && m.group === group);

    const institutionMilestone = async (
      m: MilestoneDefinition,
      id: string,
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

    const institutionReports: InstitutionProgress[] = [];
    for (const s of institutions) {
      const c = await coverageOf(asOf, s.institution_id);
      const milestones: InstitutionMilestone[] = [];
      for (const m of definitions.filter((x) => appliesTo(x, s.milestone_group))) {
        milestones.push(await institutionMilestone(m, s.institution_id));
      }
      institutionReports.push({
        institutionId: s.institution_id,
        name: s.name,
        kind: s.kind,
        province: s.province,
        milestoneGroup: s.milestone_group,
        stockPatentCount: c.count,
        inventoried: c.inventoried,
        coveragePercent: percentOf(c.inventoried, c.count),
        ...(c.count === 0
          ? {
              note: 'stockPatentCount is 0: coverage is undefined (null) and coverage milestones are met vacuously',
            }
          : {}),
        milestones,
      });
    }

    const milestones: ProvinceMilestone[] = [];
    for (const m of definitions) milestones.push(await provinceMilestone(m));
    async function provinceMilestone(m: MilestoneDefinition): Promise<ProvinceMilestone> {
      const on = measuredOn(m.due);
      const base = {
        id: m.id,
        description: m.description,
        scope: m.scope,
        ...(m.group !== undefined ? { group: m.group } : {}),
        metric: m.metric,
        unit: m.unit,
        target: m.target,
        due: m.due,
        measuredOn: on,
      };
      if (m.metric === 'inventory-coverage') {
        const members = institutionReports.filter((r) => appliesTo(m, r.milestoneGroup));
        const statuses = members.map((r) => r.milestones.find((x) => x.id === m.id)!.status);
        let count = 0;
        let inventoried = 0;
        for (const r of members) {
          const c = await coverageOf(on, r.institutionId);
          count += c.count;
          inventoried += c.inventoried;
        }
        const status =
          members.length === 0
            ? milestoneStatus({ reached: false, value: null }, m.target, m.due, asOf, start)
            : worst(statuses);
        return {
          ...base,
          status,
          value: percentOf(inventoried, count),
          institutions: { total: members.length, met: statuses.filter((s) => s === 'met').length },
        };
      }
      if (m.metric === 'promotions') {
        const n = await promotionsAt(on);
        return {
          ...base,
          status: milestoneStatus({ reached: n >= m.target, value: n }, m.target, m.due, asOf, start),
          value: n,
        };
      }
      const pool = await poolAt(on);
      const share = exactPercent(pool.evaluated, pool.patents);
      const reached = pool.patents > 0 && pool.evaluated * 100 >= m.target * pool.patents;
      return {
        ...base,
        status: milestoneStatus({ reached, value: share }, m.target, m.due, asOf, start),
        value: percentOf(pool.evaluated, pool.patents),
        pool,
      };
    }

    const totalCount = institutionReports.reduce((n, r) => n + r.stockPatentCount, 0);
    const totalInventoried = institutionReports.reduce((n, r) => n + r.inventoried, 0);
    const newCohortInventoried = (await tx.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM progress_patents
       WHERE cohort = 'new' AND inventoried_on <= @asOf
         AND (CAST(@province AS TEXT) IS NULL OR institution_id IN (SELECT institution_id FROM progress_institutions WHERE province = @province))`,
      { asOf, province },
    ))!.n;

    return {
      asOf,
      ...(province !== null ? { provinceName: province } : {}),
      institutions: institutionReports,
      province: {
        institutions: institutionReports.length,
        stockPatentCount: totalCount,
        inventoried: totalInventoried,
        coveragePercent: percentOf(totalInventoried, totalCount),
        newCohortInventoried,
      },
      milestones,
    };
  }, 'read');
}
