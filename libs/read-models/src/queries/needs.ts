import {
  DEFAULT_NEED_RESPONSE_WORKING_DAYS,
  planInForce,
  type IsoDate,
  type NeedAnswer,
  type NeedKind,
  type NeedStatus,
  type ProjectKind,
  type ProjectOutcome,
} from '@patent-ledger/domain';
import type { ReadModelDb } from '../sql';
import { readPublishedPlans } from './progress';

/** Who a listing is for: everyone's, an enterprise's own, or those on an institution's patents. */
export type DemandScope =
  { kind: 'all' } | { kind: 'institution'; orgId: string } | { kind: 'enterprise'; orgId: string };

export interface NeedEntry {
  needId: string;
  applicationNumber: string;
  institutionId: string;
  enterpriseId: string;
  kind: NeedKind;
  description: string;
  postedOn: IsoDate;
  respondBy: IsoDate;
  responseWorkingDays: number;
  status: NeedStatus;
  answer?: { answer: NeedAnswer; text: string; answeredOn: IsoDate };
  withdrawnOn?: IsoDate;
  version: number;
}

export interface ProjectEntry {
  projectId: string;
  kind: ProjectKind;
  enterpriseId: string;
  institutionId: string;
  applicationNumbers: string[];
  needId?: string;
  startedOn: IsoDate;
  status: 'open' | 'closed';
  closed?: { closedOn: IsoDate; outcome: ProjectOutcome; notes?: string };
  /** Patents inventoried later that name the project (PatentInventoried.projectId). */
  resultingPatents: { applicationNumber: string; title: string; inventoriedOn: IsoDate }[];
  version: number;
}

const scopeSql = (scope: DemandScope): { sql: string; org: string | null } =>
  scope.kind === 'institution'
    ? { sql: 'institution_id = @org', org: scope.orgId }
    : scope.kind === 'enterprise'
      ? { sql: 'enterprise_id = @org', org: scope.orgId }
      : { sql: '1 = 1', org: null };

type Row = Record<string, unknown>;
const opt = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

function needOf(r: Row): NeedEntry {
  const answeredOn = opt(r['answered_on']);
  const withdrawnOn = opt(r['withdrawn_on']);
  return {
    needId: String(r['need_id']),
    applicationNumber: String(r['application_number']),
    institutionId: String(r['institution_id']),
    enterpriseId: String(r['enterprise_id']),
    kind: String(r['kind']) as NeedKind,
    description: String(r['description']),
    postedOn: String(r['posted_on']),
    respondBy: String(r['respond_by']),
    responseWorkingDays: Number(r['response_working_days']),
    status: String(r['status']) as NeedStatus,
    ...(answeredOn !== undefined
      ? {
          answer: {
            answer: String(r['answer']) as NeedAnswer,
            text: String(r['answer_text']),
            answeredOn,
          },
        }
      : {}),
    ...(withdrawnOn !== undefined ? { withdrawnOn } : {}),
    version: Number(r['version']),
  };
}

/** `GET /needs`: the needs in scope, by id; filters status and applicationNumber. */
export async function listNeeds(
  db: ReadModelDb,
  q: { scope: DemandScope; status?: string; applicationNumber?: string },
): Promise<NeedEntry[]> {
  const s = scopeSql(q.scope);
  const rows = await db.transaction(
    (tx) =>
      tx.all<Row>(
        `SELECT * FROM needs WHERE ${s.sql}
           AND (CAST(@status AS TEXT) IS NULL OR status = @status)
           AND (CAST(@an AS TEXT) IS NULL OR application_number = @an)
         ORDER BY need_id`,
        { org: s.org, status: q.status ?? null, an: q.applicationNumber ?? null },
      ),
    'read',
  );
  return rows.map(needOf);
}

export async function getNeed(db: ReadModelDb, needId: string): Promise<NeedEntry | undefined> {
  const r = await db.transaction(
    (tx) => tx.get<Row>(`SELECT * FROM needs WHERE need_id = @id`, { id: needId }),
    'read',
  );
  return r ? needOf(r) : undefined;
}

function projectOf(r: Row, patents: Row[]): ProjectEntry {
  const closedOn = opt(r['closed_on']);
  const needId = opt(r['need_id']);
  const notes = opt(r['notes']);
  return {
    projectId: String(r['project_id']),
    kind: String(r['kind']) as ProjectKind,
    enterpriseId: String(r['enterprise_id']),
    institutionId: String(r['institution_id']),
    applicationNumbers: JSON.parse(String(r['application_numbers'])) as string[],
    ...(needId !== undefined ? { needId } : {}),
    startedOn: String(r['started_on']),
    status: String(r['status']) as 'open' | 'closed',
    ...(closedOn !== undefined
      ? {
          closed: {
            closedOn,
            outcome: String(r['outcome']) as ProjectOutcome,
            ...(notes !== undefined ? { notes } : {}),
          },
        }
      : {}),
    resultingPatents: patents.map((p) => ({
      applicationNumber: String(p['application_number']),
      title: String(p['title']),
      inventoriedOn: String(p['inventoried_on']),
    })),
    version: Number(r['version']),
  };
}

/** `GET /projects`: the projects in scope, by id, each with its resulting patents; filter status. */
export async function listProjects(
  db: ReadModelDb,
  q: { scope: DemandScope; status?: string; projectId?: string },
): Promise<ProjectEntry[]> {
  const s = scopeSql(q.scope);
  return db.transaction(async (tx) => {
    const rows = await tx.all<Row>(
      `SELECT * FROM projects WHERE ${s.sql}
         AND (CAST(@status AS TEXT) IS NULL OR status = @status)
         AND (CAST(@id AS TEXT) IS NULL OR project_id = @id)
       ORDER BY project_id`,
      { org: s.org, status: q.status ?? null, id: q.projectId ?? null },
    );
    const patents = await tx.all<Row>(
      `SELECT pp.* FROM project_patents pp JOIN projects p ON p.project_id = pp.project_id
       WHERE ${s.sql.replace(/(institution_id|enterprise_id)/, 'p.$1')}
         AND (CAST(@id AS TEXT) IS NULL OR pp.project_id = @id)
       ORDER BY pp.project_id, pp.position`,
      { org: s.org, id: q.projectId ?? null },
    );
    const byProject = new Map<string, Row[]>();
    for (const p of patents) {
      const id = String(p['project_id']);
      byProject.set(id, [...(byProject.get(id) ?? []), p]);
    }
    return rows.map((r) => projectOf(r, byProject.get(String(r['project_id'])) ?? []));
  }, 'read');
}

export async function getProject(db: ReadModelDb, projectId: string): Promise<ProjectEntry | undefined> {
  const [p] = await listProjects(db, { scope: { kind: 'all' }, projectId });
  return p;
}

/**
 * The answer period of a need posted on `asOf` on a patent of an institution in `province`: the
 * `needResponseWorkingDays` of the plan in force there (published plans), else the default 15.
 */
export async function needResponseWorkingDays(
  db: ReadModelDb,
  province: string | undefined,
  asOf: IsoDate,
): Promise<number> {
  if (province === undefined) return DEFAULT_NEED_RESPONSE_WORKING_DAYS;
  const plans = await db.transaction((tx) => readPublishedPlans(tx), 'read');
  const candidates = plans.filter((p) => p.province === province).sort((a, b) => a.position - b.position);
  const plan = planInForce(candidates, asOf);
  return plan?.document.needResponseWorkingDays ?? DEFAULT_NEED_RESPONSE_WORKING_DAYS;
}
