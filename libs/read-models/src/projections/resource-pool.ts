import {
  COOPERATION_WILLINGNESS,
  evolvePatent,
  IMPROVEMENT_NEEDS,
  initialPatentState,
  type Patent,
  type PatentState,
} from '@patent-ledger/domain';
import type { ReadModelProjection } from '../sqlite-projection';
import { businessDateOfStored, patentEventOf } from './event-helpers';

export type DealStatus =
  'available' | 'in-deal' | 'transferred' | 'licensed' | 'open-licensed' | 'industrialized' | 'lapsed';
export const DEAL_STATUSES: readonly DealStatus[] = [
  'available',
  'in-deal',
  'transferred',
  'licensed',
  'open-licensed',
  'industrialized',
  'lapsed',
];

/** One entry of the resource pool (专利转化资源库), as the API returns it. */
export interface PoolEntry {
  applicationNumber: string;
  institutionId: string;
  title: string;
  kind: Patent['kind'];
  ipc: string[];
  grantDate: string;
  cohort: Patent['cohort'];
  highValue: boolean;
  highValueFlags: Patent['highValueFlags'];
  modes: string[];
  askingPrice?: string;
  admittedOn: string;
  status: DealStatus;
  evaluationSummary: {
    count: number;
    meanProspect: number | null;
    willingness: Record<string, number>;
    improvementNeeds: Record<string, number>;
  };
  promotions: Patent['promotions'];
  featured: boolean;
  lastActivity: { position: number; on: string; eventType: string };
}

/**
 * Deal status, most decisive first: lapsed; transferred (registered); in-deal (a transfer contract
 * awaiting registration); industrialized; licensed (any licence, contract or open-licence taker);
 * open-licensed (an open-licence declaration not withdrawn); available.
 */
export function dealStatusOf(p: Patent): DealStatus {
  if (p.status === 'lapsed') return 'lapsed';
  if (p.holder.kind === 'enterprise') return 'transferred';
  if (p.transfers.some((t) => !t.registration)) return 'in-deal';
  if (p.industrializations.length > 0) return 'industrialized';
  if (p.licenses.length > 0) return 'licensed';
  if (p.openLicenses.some((o) => o.withdrawnOn === undefined)) return 'open-licensed';
  return 'available';
}

function summary(p: Patent): PoolEntry['evaluationSummary'] {
  const willingness = Object.fromEntries(COOPERATION_WILLINGNESS.map((w) => [w, 0]));
  const improvementNeeds = Object.fromEntries(IMPROVEMENT_NEEDS.map((n) => [n, 0]));
  let sum = 0;
  for (const e of p.evaluations) {
    sum += e.industrializationProspect;
    willingness[e.cooperationWillingness] = (willingness[e.cooperationWillingness] ?? 0) + 1;
    improvementNeeds[e.improvementNeeds.level] = (improvementNeeds[e.improvementNeeds.level] ?? 0) + 1;
  }
  const count = p.evaluations.length;
  return {
    count,
    meanProspect: count ? Math.round((sum / count) * 100) / 100 : null,
    willingness,
    improvementNeeds,
  };
}

export function poolEntryOf(p: Patent, admittedOn: string, last: PoolEntry['lastActivity']): PoolEntry {
  return {
    applicationNumber: p.applicationNumber,
    institutionId: p.institutionId,
    title: p.title,
    kind: p.kind,
    ipc: p.ipc,
    grantDate: p.grantDate,
    cohort: p.cohort,
    highValue: p.highValue,
    highValueFlags: p.highValueFlags,
    modes: p.intent?.modes ?? [],
    ...(p.intent?.askingPrice !== undefined ? { askingPrice: p.intent.askingPrice } : {}),
    admittedOn,
    status: dealStatusOf(p),
    evaluationSummary: summary(p),
    promotions: p.promotions,
    featured: p.promotions.some((x) => x.tier === 'featured'),
    lastActivity: last,
  };
}

/** Was the patent admitted by its latest screening? (It stays listed after a deal or lapse.) */
const admitted = (p: Patent): boolean => p.intent?.screening.decision === 'admitted';

/**
 * The resource pool. Rows are versioned by log position (valid_from ≤ P < valid_to), so a listing can
 * page through the pool exactly as it stood at one position while new events arrive: no entry is lost
 * or repeated across pages. `pool_state` keeps each patent's folded state to evolve.
 */
export const resourcePoolProjection: ReadModelProjection = {
  name: 'resource-pool',
  version: '1',
  tables: ['pool_state', 'pool_rows', 'pool_ipc'],
  ddl: (t, d) => [
    `CREATE TABLE "${t('pool_state')}" (
      application_number ${d.text} PRIMARY KEY,
      state ${d.text} NOT NULL,
      admitted_on ${d.text}
    )`,
    `CREATE TABLE "${t('pool_rows')}" (
      row_id ${d.rowId},
      application_number ${d.text} NOT NULL,
      valid_from ${d.bigint} NOT NULL,
      valid_to ${d.bigint},
      institution_id ${d.text} NOT NULL,
      title ${d.text} NOT NULL,
      kind ${d.text} NOT NULL,
      status ${d.text} NOT NULL,
      high_value ${d.int} NOT NULL,
      f_strategic ${d.int} NOT NULL,
      f_overseas ${d.int} NOT NULL,
      f_maintained ${d.int} NOT NULL,
      f_pledge ${d.int} NOT NULL,
      f_award ${d.int} NOT NULL,
      m_transfer ${d.int} NOT NULL,
      m_license ${d.int} NOT NULL,
      m_self ${d.int} NOT NULL,
      featured ${d.int} NOT NULL,
      promotion_count ${d.int} NOT NULL,
      eval_count ${d.int} NOT NULL,
      mean_prospect ${d.real},
      last_position ${d.bigint} NOT NULL,
      entry ${d.text} NOT NULL
    )`,
    `CREATE UNIQUE INDEX "${t('pool_rows')}_current" ON "${t('pool_rows')}" (application_number) WHERE valid_to IS NULL`,
    `CREATE INDEX "${t('pool_rows')}_id" ON "${t('pool_rows')}" (application_number, valid_from)`,
    `CREATE INDEX "${t('pool_rows')}_prospect" ON "${t('pool_rows')}" (mean_prospect DESC, application_number) WHERE valid_to IS NULL`,
    `CREATE INDEX "${t('pool_rows')}_recent" ON "${t('pool_rows')}" (last_position DESC) WHERE valid_to IS NULL`,
    `CREATE INDEX "${t('pool_rows')}_closed" ON "${t('pool_rows')}" (valid_to) WHERE valid_to IS NOT NULL`,
    `CREATE TABLE "${t('pool_ipc')}" (application_number ${d.text} NOT NULL, code ${d.text} NOT NULL, PRIMARY KEY (application_number, code))`,
    `CREATE INDEX "${t('pool_ipc')}_code" ON "${t('pool_ipc')}" (code)`,
  ],
  prepare: (t) => {
    const getState = `SELECT state, admitted_on FROM "${t('pool_state')}" WHERE application_number = ?`;
    const putState = `INSERT INTO "${t('pool_state')}" (application_number, state, admitted_on) VALUES (?, ?, ?)
       ON CONFLICT(application_number) DO UPDATE SET state = excluded.state, admitted_on = excluded.admitted_on`;
    const closeRow = `UPDATE "${t('pool_rows')}" SET valid_to = ? WHERE application_number = ? AND valid_to IS NULL`;
    const insertRow = `INSERT INTO "${t('pool_rows')}" (application_number, valid_from, valid_to, institution_id, title, kind, status,
        high_value, f_strategic, f_overseas, f_maintained, f_pledge, f_award, m_transfer, m_license, m_self, featured,
        promotion_count, eval_count, mean_prospect, last_position, entry)
       VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    const insertIpc = `INSERT INTO "${t('pool_ipc')}" (application_number, code) VALUES (?, ?) ON CONFLICT DO NOTHING`;
    const b = (x: boolean): number => (x ? 1 : 0);

    return async (tx, e) => {
      const event = patentEventOf(e);
      if (!event) return;
      const id = event.data.applicationNumber;
      const row = await tx.get<{ state: string; admitted_on: string | null }>(getState, [id]);
      const before: PatentState = row ? (JSON.parse(row.state) as PatentState) : initialPatentState();
      const after = evolvePatent(before, event);
      if (after.status === 'none') return;
      const wasAdmitted = before.status !== 'none' && admitted(before);
      const isAdmitted = admitted(after);
      let admittedOn = row?.admitted_on ?? null;
      if (isAdmitted && !wasAdmitted)
        admittedOn = event.type === 'IntentTagged' ? event.data.occurredOn : businessDateOfStored(e);
      if (!isAdmitted) admittedOn = null;
      await tx.run(putState, [id, JSON.stringify(after), admittedOn]);
      if (event.type === 'PatentInventoried')
        for (const code of after.ipc) await tx.run(insertIpc, [id, code]);
      if (wasAdmitted || isAdmitted) await tx.run(closeRow, [e.position, id]);
      if (!isAdmitted) return;
      const entry = poolEntryOf(after, admittedOn!, {
        position: e.position,
        on: businessDateOfStored(e),
        eventType: e.type,
      });
      const f = after.highValueFlags;
      const modes = new Set(entry.modes);
      await tx.run(insertRow, [
        id,
        e.position,
        after.institutionId,
        after.title,
        after.kind,
        entry.status,
        b(after.highValue),
        b(f.strategicEmergingIndustry),
        b(f.overseasFamily),
        b(f.maintainedOver10Years),
        b(f.pledgeFinancing),
        b(f.award),
        b(modes.has('transfer')),
        b(modes.has('license')),
        b(modes.has('self-implementation')),
        b(entry.featured),
        after.promotions.length,
        entry.evaluationSummary.count,
        entry.evaluationSummary.meanProspect,
        e.position,
        JSON.stringify(entry),
      ]);
    };
  },
};
