import type { IsoDate } from '../dates';
import { invalid, rule } from '../errors';
import { MILESTONE_GROUPS, type MilestoneGroup } from '../institution/institution';
import { intIn, oneOf, requireDate, requireId, requireText, todayInChina } from '../validate';

/**
 * A programme plan as data (issue 15): the milestones an IP office's plan sets, loaded from a
 * versioned plan document that an ip-office admin publishes (`PUT /plans/{planId}`). The stream
 * `plan-<planId>` holds one `PlanPublished` per version; the plan in force on a business date D for a
 * province is the published version with the latest `effectiveFrom` ≤ D among that province's plans.
 */

/** What a milestone measures (domain.md §6). */
export type PlanMetric = 'inventory-coverage' | 'evaluation-coverage' | 'promotion-launched';
export const PLAN_METRICS: readonly PlanMetric[] = [
  'inventory-coverage',
  'evaluation-coverage',
  'promotion-launched',
];
/**
 * Which institutions a milestone applies to: those of a milestone group, a list, every institution
 * the plan covers (each must reach the target), or the province as one measure.
 */
export type MilestoneScope = 'group' | 'institutions' | 'all-institutions' | 'province';
export const MILESTONE_SCOPES: readonly MilestoneScope[] = [
  'group',
  'institutions',
  'all-institutions',
  'province',
];
/** 阶段性 (staged: progress on the way) or final. */
export type MilestoneStage = 'staged' | 'final';
export const MILESTONE_STAGES: readonly MilestoneStage[] = ['staged', 'final'];

export interface MilestoneAppliesTo {
  scope: MilestoneScope;
  /** scope `group` */
  group?: MilestoneGroup;
  /** scope `institutions` (or, for a province measure, only these institutions' patents) */
  institutions?: string[];
}

export interface PlanMilestone {
  id: string;
  description: string;
  metric: PlanMetric;
  /** percent for the coverages (0 < target ≤ 100); a count (≥ 1) for promotion-launched. */
  target: number;
  due: IsoDate;
  stage: MilestoneStage;
  appliesTo: MilestoneAppliesTo;
}

/** The plan document (JSON; its JSON Schema is PLAN_SCHEMA, shipped as docs/plans/plan.schema.json). */
export interface PlanDocument {
  planId: string;
  /** Increases with every publication of the plan. */
  version: number;
  title: string;
  /** The province whose institutions the plan covers (their `province`). */
  province: string;
  /** The business date from which this version is in force. */
  effectiveFrom: IsoDate;
  /** Origin of the on-track pro-rating of every milestone (the plan's issue date). */
  programmeStart: IsoDate;
  milestones: PlanMilestone[];
  /** Working days an institution has to answer an enterprise's need (plan §二(四)1); default 15. */
  needResponseWorkingDays?: number;
}

export interface PlanPublished {
  type: 'PlanPublished';
  data: PlanDocument & { publishedOn: IsoDate };
}

export type PlanEvent = PlanPublished;
export const PLAN_EVENT_TYPES: readonly PlanEvent['type'][] = ['PlanPublished'];

export interface PublishPlan {
  type: 'PublishPlan';
  data: PlanDocument;
  now: string;
}
export type PlanCommand = PublishPlan;

export type PlanState =
  | { status: 'none' }
  | { status: 'published'; current: PlanDocument; versions: { version: number; effectiveFrom: IsoDate }[] };

export const initialPlanState = (): PlanState => ({ status: 'none' });
export const planStream = (planId: string): string => `plan-${planId}`;

const PERCENT_METRICS: readonly PlanMetric[] = ['inventory-coverage', 'evaluation-coverage'];
const MAX_MILESTONES = 200;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The rules of a plan document beyond its JSON Schema (which the api checks first): unique milestone
 * ids, real calendar dates, targets in range, a group or a list where the scope needs one, due dates
 * on or after the programme start. Returns the normalised document; throws a DomainError naming the
 * field (`milestones[2].target`).
 */
export function validatePlanDocument(doc: unknown): PlanDocument {
  if (!isRecord(doc)) throw invalid('PLAN.INVALID', 'the plan must be a JSON object', 'plan');
  const planId = requireId(doc['planId'], 'planId');
  const version = doc['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > 1_000_000) {
    throw invalid('PLAN.INVALID', 'version must be an integer from 1 to 1000000', 'version');
  }
  const title = requireText(doc['title'], 'title', 500);
  const province = requireText(doc['province'], 'province', 50);
  const effectiveFrom = requireDate(doc['effectiveFrom'], 'effectiveFrom');
  const programmeStart = requireDate(doc['programmeStart'], 'programmeStart');
  const list = doc['milestones'];
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_MILESTONES) {
    throw invalid(
      'PLAN.INVALID',
      `milestones must be a list of 1 to ${MAX_MILESTONES} milestones`,
      'milestones',
    );
  }
  const seen = new Set<string>();
  const milestones = list.map((m: unknown, i): PlanMilestone => {
    const at = `milestones[${i}]`;
    if (!isRecord(m)) throw invalid('PLAN.INVALID', `${at} must be an object`, at);
    const id = requireId(m['id'], `${at}.id`);
    if (seen.has(id))
      throw invalid('PLAN.DUPLICATE_MILESTONE', `milestone id ${id} appears twice`, `${at}.id`);
    seen.add(id);
    const description = requireText(m['description'] ?? id, `${at}.description`, 500);
    const metric = oneOf(m['metric'], PLAN_METRICS, `${at}.metric`);
    const target = m['target'];
    if (PERCENT_METRICS.includes(metric)) {
      if (typeof target !== 'number' || !(target > 0 && target <= 100)) {
        throw invalid(
          'PLAN.INVALID',
          `${at}.target must be a percentage in (0, 100] for ${metric}`,
          `${at}.target`,
        );
      }
    } else if (typeof target !== 'number' || !Number.isInteger(target) || target < 1) {
      throw invalid('PLAN.INVALID', `${at}.target must be a whole count ≥ 1 for ${metric}`, `${at}.target`);
    }
    const due = requireDate(m['due'], `${at}.due`);
    if (due < programmeStart) {
      throw invalid(
        'PLAN.INVALID',
        `${at}.due ${due} is before programmeStart ${programmeStart}`,
        `${at}.due`,
      );
    }
    const stage = oneOf(m['stage'] ?? 'final', MILESTONE_STAGES, `${at}.stage`);
    const a = m['appliesTo'];
    if (!isRecord(a)) throw invalid('PLAN.INVALID', `${at}.appliesTo must be an object`, `${at}.appliesTo`);
    const scope = oneOf(a['scope'], MILESTONE_SCOPES, `${at}.appliesTo.scope`);
    const appliesTo: MilestoneAppliesTo = { scope };
    if (scope === 'group') {
      appliesTo.group = oneOf(a['group'], MILESTONE_GROUPS, `${at}.appliesTo.group`);
    } else if (a['group'] !== undefined) {
      throw invalid('PLAN.INVALID', `${at}.appliesTo.group is only for scope group`, `${at}.appliesTo.group`);
    }
    const institutions = a['institutions'];
    if (scope === 'institutions' || (scope === 'province' && institutions !== undefined)) {
      if (!Array.isArray(institutions) || institutions.length === 0) {
        throw invalid(
          'PLAN.INVALID',
          `${at}.appliesTo.institutions must list at least one institution id`,
          `${at}.appliesTo.institutions`,
        );
      }
      appliesTo.institutions = institutions.map((x: unknown, j) =>
        requireId(x, `${at}.appliesTo.institutions[${j}]`),
      );
    } else if (institutions !== undefined) {
      throw invalid(
        'PLAN.INVALID',
        `${at}.appliesTo.institutions is only for scope institutions or province`,
        `${at}.appliesTo.institutions`,
      );
    }
    if (PERCENT_METRICS.includes(metric) === false && scope !== 'province') {
      throw invalid(
        'PLAN.INVALID',
        `${at}: ${metric} is measured over the province (scope province)`,
        `${at}.appliesTo.scope`,
      );
    }
    if (metric === 'evaluation-coverage' && scope !== 'province') {
      throw invalid(
        'PLAN.INVALID',
        `${at}: evaluation-coverage is measured over the province's pool (scope province)`,
        `${at}.appliesTo.scope`,
      );
    }
    return { id, description, metric, target, due, stage, appliesTo };
  });
  const nrd = doc['needResponseWorkingDays'];
  const needResponseWorkingDays =
    nrd === undefined ? undefined : intIn(nrd, 1, 250, 'needResponseWorkingDays');
  return {
    planId,
    version,
    title,
    province,
    effectiveFrom,
    programmeStart,
    milestones,
    ...(needResponseWorkingDays !== undefined ? { needResponseWorkingDays } : {}),
  };
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    isRecord(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );

export function decidePlan(command: PlanCommand, state: PlanState): PlanEvent[] {
  switch (command.type) {
    case 'PublishPlan': {
      const doc = validatePlanDocument(command.data);
      const publishedOn = todayInChina(command.now);
      if (state.status === 'none') return [{ type: 'PlanPublished', data: { ...doc, publishedOn } }];
      const cur = state.current;
      if (doc.version === cur.version) {
        if (canonical(doc) === canonical(cur)) return [];
        throw rule(
          'PLAN.VERSION_EXISTS',
          `version ${doc.version} of plan ${doc.planId} is published with other content: publish it as version ${cur.version + 1}`,
          'version',
        );
      }
      if (doc.version < cur.version) {
        throw rule(
          'PLAN.VERSION_NOT_NEWER',
          `version ${doc.version} is older than the published version ${cur.version}`,
          'version',
        );
      }
      if (doc.province !== cur.province) {
        throw rule('PLAN.PROVINCE_FIXED', `plan ${doc.planId} is the plan of ${cur.province}`, 'province');
      }
      if (doc.effectiveFrom < cur.effectiveFrom) {
        throw rule(
          'PLAN.EFFECTIVE_BACKDATED',
          `effectiveFrom ${doc.effectiveFrom} is before ${cur.effectiveFrom}, from which version ${cur.version} is in force`,
          'effectiveFrom',
        );
      }
      return [{ type: 'PlanPublished', data: { ...doc, publishedOn } }];
    }
    default: {
      const unknown: never = command.type;
      throw invalid('COMMAND.UNKNOWN', `unknown command ${String(unknown)}`);
    }
  }
}

export function evolvePlan(state: PlanState, event: PlanEvent): PlanState {
  if (event.type !== 'PlanPublished') return state;
  const { publishedOn: _p, ...current } = event.data;
  const versions = state.status === 'none' ? [] : state.versions;
  return {
    status: 'published',
    current,
    versions: [...versions, { version: current.version, effectiveFrom: current.effectiveFrom }],
  };
}

export const planDecider = { decide: decidePlan, evolve: evolvePlan, initialState: initialPlanState };

/** The plan in force on `asOf` among published versions (latest effectiveFrom ≤ asOf, then latest published). */
export function planInForce<P extends { effectiveFrom: IsoDate }>(
  versions: readonly P[],
  asOf: IsoDate,
): P | undefined {
  let best: P | undefined;
  for (const v of versions)
    if (v.effectiveFrom <= asOf && (!best || v.effectiveFrom >= best.effectiveFrom)) best = v;
  return best;
}
