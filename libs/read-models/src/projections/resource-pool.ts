import {
  annuityDeadlines,
  COOPERATION_WILLINGNESS,
  evolvePatent,
  IMPROVEMENT_NEEDS,
  initialPatentState,
  isPendingTransfer,
  nextUnpaidAnnuityYear,
  type IsoDate,
  type Evaluation,
  type Industrialization,
  type License,
  type OpenLicenseDeclaration,
  type Patent,
  type PatentState,
  type TransferDeal,
} from '@patent-ledger/domain';
import { businessDateOf, type PatentEvent } from '@patent-ledger/domain';
import type { StoredEvent } from '@patent-ledger/eventsourcing';
import { RowInserter, type SqlTx } from '../sql';
import { batchProjection, EventApplyError, type ReadModelProjection } from '../sqlite-projection';
import { patentEventOf } from './event-helpers';

export type DealStatus =
  | 'available'
  | 'in-deal'
  | 'transferred'
  | 'licensed'
  | 'open-licensed'
  | 'industrialized'
  | 'lapsed'
  | 'expired';
export const DEAL_STATUSES: readonly DealStatus[] = [
  'available',
  'in-deal',
  'transferred',
  'licensed',
  'open-licensed',
  'industrialized',
  'lapsed',
  'expired',
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
  /** As of the listing's date: `expired` after the last day of protection, `lapsed` also for an unpaid annuity. */
  status: DealStatus;
  /** The last day of protection (专利法 Art. 42). */
  expiryDate: string;
  /** The next annuity the ledger knows is unpaid, with its grace end (absent: none tracked). */
  nextAnnuity?: { year: number; dueDate: string; graceEnd: string };
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
 * Deal status as the events leave it, most decisive first: lapsed (recorded); transferred
 * (registered); in-deal (a transfer contract awaiting registration, not cancelled); industrialized;
 * licensed (any licence not cancelled, contract or open-licence taker); open-licensed (an open-licence
 * declaration not withdrawn); available. What the dates decide — expired, lapsed for an unpaid
 * annuity — is applied as of the listing's date (statusAsOf).
 */
export function dealStatusOf(p: Patent): DealStatus {
  if (p.status === 'lapsed') return 'lapsed';
  if (p.holder.kind === 'enterprise') return 'transferred';
  if (p.transfers.some(isPendingTransfer)) return 'in-deal';
  if (p.industrializations.length > 0) return 'industrialized';
  if (p.licenses.some((l) => l.ended?.ending !== 'cancelled')) return 'licensed';
  if (p.openLicenses.some((o) => o.withdrawnOn === undefined)) return 'open-licensed';
  return 'available';
}

/**
 * The status on `asOf`: a recorded lapse stays `lapsed`; an annuity unpaid past its grace end makes
 * it `lapsed` (细则 r.98–100); after the last day of protection it is `expired` (专利法 Art. 42);
 * otherwise the deal status. Derived from the dates: no command is needed.
 */
export function statusAsOf(
  status: DealStatus,
  expiryDate: IsoDate,
  graceEnd: IsoDate | null | undefined,
  asOf: IsoDate,
): DealStatus {
  if (status === 'lapsed') return 'lapsed';
  if (graceEnd && asOf > graceEnd) return 'lapsed';
  if (asOf > expiryDate) return 'expired';
  return status;
}

/** The next unpaid annuity the ledger tracks, with its deadlines (nominal when the calendar does not cover them). */
export function nextAnnuityOf(p: Patent): PoolEntry['nextAnnuity'] {
  const year = p.annuities ? nextUnpaidAnnuityYear(p) : undefined;
  if (year === undefined) return undefined;
  const dl = annuityDeadlines(p.filingDate, year);
  return { year, dueDate: dl.due.date, graceEnd: dl.graceEnd.date };
}

const meanOf = (sum: number, count: number): number | null =>
  count ? Math.round((sum / count) * 100) / 100 : null;

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
    meanProspect: meanOf(sum, count),
    willingness,
    improvementNeeds,
  };
}

export function poolEntryOf(p: Patent, admittedOn: string, last: PoolEntry['lastActivity']): PoolEntry {
  const nextAnnuity = nextAnnuityOf(p);
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
    expiryDate: p.expiryDate,
    ...(nextAnnuity ? { nextAnnuity } : {}),
    evaluationSummary: summary(p),
    promotions: p.promotions,
    featured: p.promotions.some((x) => x.tier === 'featured'),
    lastActivity: last,
  };
}

/** Was the patent admitted by its latest screening? (It stays listed after a deal or lapse.) */
const admitted = (p: PatentState): boolean =>
  p.status !== 'none' && p.intent?.screening.decision === 'admitted';

/** A patent's folded state as the projection keeps it: enough to evolve it and to build its entry. */
interface Version {
  state: Patent;
  /** Business date it entered the pool (null when not admitted). */
  admittedOn: string | null;
  last: PoolEntry['lastActivity'];
}

/**
 * The part of a patent's state the pool keeps: what its entry and deal status show, and what
 * `evolvePatent` reads to fold later events (evaluations by enterprise, deals by id, declarations by
 * id and term). Lists the pool never shows are kept empty (evolve appends to them). Roughly a third
 * of the full state, which the projection writes once per batch for every patent a batch touches.
 * Tested: entries built from it equal those of the full fold (resource-pool.spec.ts).
 */
export function poolStateOf(p: Patent): Patent {
  const kept = {
    status: p.status,
    applicationNumber: p.applicationNumber,
    institutionId: p.institutionId,
    title: p.title,
    kind: p.kind,
    filingDate: p.filingDate,
    grantDate: p.grantDate,
    termYears: p.termYears,
    termAdjustmentDays: p.termAdjustmentDays,
    expiryDate: p.expiryDate,
    ipc: p.ipc,
    highValueFlags: p.highValueFlags,
    highValue: p.highValue,
    cohort: p.cohort,
    // Read by the unused-patents list (queries/unused.ts).
    fiscallyFunded: p.fiscallyFunded,
    implementationStatus: p.implementationStatus,
    ...(p.funding ? { funding: p.funding } : {}),
    ...(p.lapse ? { lapse: p.lapse } : {}),
    inPool: p.inPool,
    holder: p.holder.kind === 'enterprise' ? { kind: 'enterprise', id: p.holder.id } : p.holder,
    ...(p.intent
      ? {
          intent: {
            modes: p.intent.modes,
            screening: { decision: p.intent.screening.decision },
            ...(p.intent.askingPrice !== undefined ? { askingPrice: p.intent.askingPrice } : {}),
          },
        }
      : {}),
    inventors: [],
    coPatentees: [],
    coOwners: [],
    applicationScenarios: [],
    evaluationIds: [],
    reports: [],
    pledges: [],
    consents: [],
    annuities: {
      ...(p.annuities?.paidThrough !== undefined ? { paidThrough: p.annuities.paidThrough } : {}),
      payments: [],
    },
    evaluations: p.evaluations.map((e): Partial<Evaluation> => ({
      enterpriseId: e.enterpriseId,
      industrializationProspect: e.industrializationProspect,
      improvementNeeds: { level: e.improvementNeeds.level },
      cooperationWillingness: e.cooperationWillingness,
    })),
    promotions: p.promotions,
    transfers: p.transfers.map((t): Partial<TransferDeal> => ({
      dealId: t.dealId,
      assigneeId: t.assigneeId,
      assigneeName: t.assigneeName,
      contractDate: t.contractDate,
      ...(t.kind ? { kind: t.kind } : {}),
      ...(t.registration ? { registration: t.registration } : {}),
      ...(t.ended ? { ended: t.ended } : {}),
    })),
    licenses: p.licenses.map((l): Partial<License> => ({
      dealId: l.dealId,
      contractDate: l.contractDate,
      source: l.source,
      ...(l.ended ? { ended: l.ended } : {}),
    })),
    industrializations: p.industrializations.map((i): Partial<Industrialization> => ({
      industrializationId: i.industrializationId,
      startedOn: i.startedOn,
    })),
    openLicenses: p.openLicenses.map((o): Partial<OpenLicenseDeclaration> => ({
      declarationId: o.declarationId,
      termTo: o.termTo,
      ...(o.withdrawnOn !== undefined ? { withdrawnOn: o.withdrawnOn } : {}),
    })),
  };
  return kept as unknown as Patent;
}

/** A `pool_state` row. */
export interface PoolStateRow {
  application_number: string;
  state: string;
  admitted_on: string | null;
  last_position: number;
  last_on: string;
  last_type: string;
  /** 1 once the patent's IPC codes are in pool_ipc (when it is first listed). */
  ipc_listed?: number;
}

const versionOf = (r: PoolStateRow): Version => ({
  state: JSON.parse(r.state) as Patent,
  admittedOn: r.admitted_on,
  last: { position: Number(r.last_position), on: r.last_on, eventType: r.last_type },
});

/** The pool entry of an admitted patent's `pool_state` row. */
export function poolEntryOfStateRow(r: PoolStateRow): PoolEntry {
  const v = versionOf(r);
  return poolEntryOf(v.state, v.admittedOn!, v.last);
}

/**
 * Columns of a listed version (pool_rows and pool_history share them): what filters and sorts read.
 * `prospect_key` is the prospect sort key, never NULL (unevaluated: -1) so that an index serves it.
 */
export const POOL_ROW_COLUMNS = [
  'application_number',
  'institution_id',
  'title',
  'kind',
  'status',
  'high_value',
  'f_strategic',
  'f_overseas',
  'f_maintained',
  'f_pledge',
  'f_award',
  'm_transfer',
  'm_license',
  'm_self',
  'm_equity',
  'featured',
  'promotion_count',
  'eval_count',
  'mean_prospect',
  'prospect_key',
  'expiry_date',
  'grace_end',
  'last_position',
] as const;

const b = (x: boolean): number => (x ? 1 : 0);

/** The nullable columns of a listed version (no evaluation yet; no annuity tracked). */
const MEAN_PROSPECT = POOL_ROW_COLUMNS.indexOf('mean_prospect');
const GRACE_END = POOL_ROW_COLUMNS.indexOf('grace_end');

function rowValues(v: Version): unknown[] {
  const p = v.state;
  const f = p.highValueFlags;
  const modes = p.intent?.modes ?? [];
  let sum = 0;
  for (const e of p.evaluations) sum += e.industrializationProspect;
  const mean = meanOf(sum, p.evaluations.length);
  return [
    p.applicationNumber,
    p.institutionId,
    p.title,
    p.kind,
    dealStatusOf(p),
    b(p.highValue),
    b(f.strategicEmergingIndustry),
    b(f.overseasFamily),
    b(f.maintainedOver10Years),
    b(f.pledgeFinancing),
    b(f.award),
    b(modes.includes('transfer')),
    b(modes.includes('license')),
    b(modes.includes('self-implementation')),
    b(modes.includes('equity')),
    b(p.promotions.some((x) => x.tier === 'featured')),
    p.promotions.length,
    p.evaluations.length,
    mean,
    mean ?? -1,
    p.expiryDate,
    nextAnnuityOf(p)?.graceEnd ?? null,
    v.last.position,
  ];
}

/** One patent's work in a batch. */
interface Work {
  id: string;
  /** As stored before the batch (undefined: not yet inventoried). */
  stored: Version | undefined;
  current: Version | undefined;
  dirty: boolean;
  /** Its IPC codes are in pool_ipc already. */
  ipcListed: boolean;
  /** Listed after some event of the batch. */
  listed: boolean;
  /** Listed versions the batch closed, each with the position it was closed at. */
  closed: { v: Version; validTo: number }[];
}

/** IN-list sizes: a few statement shapes rather than one per batch size. */
const IN_SIZES = [1, 8, 64, 256];

/**
 * The resource pool. Listed versions are kept by log position so that a listing can page through the
 * pool exactly as it stood at one position while new events arrive: no entry is lost or repeated
 * across pages.
 *
 * - `pool_state`: every inventoried patent's folded state (JSON), admission date and last activity;
 *   the current entry of a listed patent is built from it.
 * - `pool_rows`: one row per patent in the pool now, with the columns filters and sorts read; it is
 *   valid from `last_position`.
 * - `pool_history`: closed versions (valid_from ≤ P < valid_to), with their entry (JSON).
 * - `pool_ipc`: IPC codes of every patent listed at some position.
 *
 * Versions per batch. A listing's snapshot position is always a checkpoint of these tables: a first
 * page takes the checkpoint read in its own transaction, and its cursor carries that position to the
 * next pages (see queryResourcePool; the api never passes another position). A checkpoint is the end
 * of an applied batch, so no snapshot falls inside a batch, and one version per patent per batch —
 * valid from the position of the patent's last event in the batch, the previous one closed there —
 * answers every snapshot exactly as one version per event would. A rebuild applies batches of its
 * own size while cursors issued on the live tables carry their checkpoints, which may fall inside
 * those batches: it keeps one version per event (`snapshotsInside`). Tests: resource-pool.spec.ts
 * ("versions per batch").
 */
export const resourcePoolProjection: ReadModelProjection = batchProjection({
  name: 'resource-pool',
  // 3: expiry_date and grace_end (status as of a date: expired, lapsed for an unpaid annuity).
  // 4: m_equity (equity contributions, 作价投资); pool_state keeps what the unused-patents list reads.
  // 5: the covering title index pool_rows_text (text searches at national scale).
  version: '5',
  tables: ['pool_state', 'pool_rows', 'pool_history', 'pool_ipc'],
  ddl: (t, d) => {
    const columns = `
      application_number ${d.text} NOT NULL,
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
      m_equity ${d.int} NOT NULL,
      featured ${d.int} NOT NULL,
      promotion_count ${d.int} NOT NULL,
      eval_count ${d.int} NOT NULL,
      mean_prospect ${d.real},
      prospect_key ${d.real} NOT NULL,
      expiry_date ${d.text} NOT NULL,
      grace_end ${d.text},
      last_position ${d.bigint} NOT NULL`;
    const rows = t('pool_rows');
    return [
      `CREATE TABLE "${t('pool_state')}" (
        application_number ${d.text} PRIMARY KEY,
        state ${d.text} NOT NULL,
        admitted_on ${d.text},
        last_position ${d.bigint} NOT NULL,
        last_on ${d.text} NOT NULL,
        last_type ${d.text} NOT NULL,
        ipc_listed ${d.int} NOT NULL
      )`,
      `CREATE TABLE "${rows}" (${columns},
        PRIMARY KEY (application_number)
      )`,
      // One index per sort key, ties broken by application number as the listing orders them.
      `CREATE INDEX "${rows}_recent" ON "${rows}" (last_position DESC, application_number)`,
      `CREATE INDEX "${rows}_prospect" ON "${rows}" (prospect_key DESC, application_number)`,
      `CREATE INDEX "${rows}_evaluations" ON "${rows}" (eval_count DESC, application_number)`,
      `CREATE INDEX "${rows}_institution" ON "${rows}" (institution_id, last_position DESC)`,
      // The title text filter tests every title (no index serves '%…%'): this index holds the title
      // and every column a text search filters, sorts or pages by, so a search reads it in one pass
      // and never the rows (queryResourcePool's IndexUse 'text').
      `CREATE INDEX "${rows}_text" ON "${rows}" (title, m_transfer, m_license, m_self, m_equity, kind, status,
        high_value, featured, promotion_count, f_strategic, f_overseas, f_maintained, f_pledge, f_award,
        prospect_key, mean_prospect, eval_count, last_position, expiry_date, grace_end, application_number)`,
      // Covers the flag filters, so that counting them reads this index rather than the rows.
      `CREATE INDEX "${rows}_filters" ON "${rows}" (high_value, featured, status, m_license, m_transfer, m_self,
        kind, promotion_count, f_strategic, f_overseas, f_maintained, f_pledge, f_award, prospect_key, mean_prospect,
        expiry_date, grace_end)`,
      `CREATE TABLE "${t('pool_history')}" (
        row_id ${d.rowId},${columns},
        valid_from ${d.bigint} NOT NULL,
        valid_to ${d.bigint} NOT NULL,
        entry ${d.text} NOT NULL
      )`,
      `CREATE INDEX "${t('pool_history')}_valid_to" ON "${t('pool_history')}" (valid_to)`,
      // Codes of the patents ever listed; read only by code prefix (the IPC filter).
      `CREATE TABLE "${t('pool_ipc')}" (application_number ${d.text} NOT NULL, code ${d.text} NOT NULL)`,
      `CREATE INDEX "${t('pool_ipc')}_code" ON "${t('pool_ipc')}" (code, application_number)`,
    ];
  },
  prepareBatch: (t, d) => {
    const cols = POOL_ROW_COLUMNS.join(', ');
    const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
    const getStates = (n: number): string =>
      `SELECT application_number, state, admitted_on, last_position, last_on, last_type, ipc_listed FROM "${t('pool_state')}"
       WHERE application_number IN (${marks(n)})`;
    // Each patent is written once per batch, so the upserts of a batch touch distinct rows and go in
    // multi-row statements (one round trip per 64 rows on PostgreSQL), table by table.
    const states = new RowInserter(
      d,
      `INSERT INTO "${t('pool_state')}" (application_number, state, admitted_on, last_position, last_on, last_type, ipc_listed)`,
      7,
      `ON CONFLICT (application_number) DO UPDATE SET state = excluded.state, admitted_on = excluded.admitted_on,
         last_position = excluded.last_position, last_on = excluded.last_on, last_type = excluded.last_type,
         ipc_listed = excluded.ipc_listed`,
      [2], // admitted_on
    );
    const rows = new RowInserter(
      d,
      `INSERT INTO "${t('pool_rows')}" (${cols})`,
      POOL_ROW_COLUMNS.length,
      `ON CONFLICT (application_number) DO UPDATE SET ${POOL_ROW_COLUMNS.slice(1)
        .map((c) => `${c} = excluded.${c}`)
        .join(', ')}`,
      [MEAN_PROSPECT, GRACE_END],
    );
    const deleteRow = `DELETE FROM "${t('pool_rows')}" WHERE application_number = ?`;
    const history = new RowInserter(
      d,
      `INSERT INTO "${t('pool_history')}" (${cols}, valid_from, valid_to, entry)`,
      POOL_ROW_COLUMNS.length + 3,
      '',
      [MEAN_PROSPECT, GRACE_END],
    );
    const ipcs = new RowInserter(d, `INSERT INTO "${t('pool_ipc')}" (application_number, code)`, 2);

    async function load(tx: SqlTx, ids: string[], work: Map<string, Work>): Promise<void> {
      for (let i = 0; i < ids.length;) {
        const rest = ids.length - i;
        const size = IN_SIZES.find((n) => n >= rest) ?? IN_SIZES[IN_SIZES.length - 1]!;
        const chunk = ids.slice(i, i + size);
        i += chunk.length;
        // Padded with its last id, so that a few statement shapes serve every batch.
        while (chunk.length < size) chunk.push(chunk[chunk.length - 1]!);
        for (const r of await tx.all<PoolStateRow>(getStates(size), chunk)) {
          const v = versionOf(r);
          const w = work.get(r.application_number)!;
          w.stored = v;
          w.current = v;
          w.ipcListed = Number(r.ipc_listed) === 1;
        }
      }
    }

    return async (tx, events, { snapshotsInside }) => {
      const items: { e: StoredEvent; pe: PatentEvent; w: Work }[] = [];
      const work = new Map<string, Work>();
      for (const e of events) {
        let pe: PatentEvent | undefined;
        try {
          pe = patentEventOf(e);
        } catch (err) {
          throw new EventApplyError(e, err);
        }
        if (!pe) continue;
        const id = pe.data.applicationNumber;
        let w = work.get(id);
        if (!w) {
          w = {
            id,
            stored: undefined,
            current: undefined,
            dirty: false,
            ipcListed: false,
            listed: false,
            closed: [],
          };
          work.set(id, w);
        }
        items.push({ e, pe, w });
      }
      if (items.length === 0) return;
      await load(tx, [...work.keys()], work);

      // Fold every event in memory, in log order.
      for (const { e, pe, w } of items) {
        try {
          const before: PatentState = w.current?.state ?? initialPatentState();
          const after = evolvePatent(before, pe);
          if (after.status === 'none') continue;
          const was = admitted(before);
          const is = admitted(after);
          let admittedOn = w.current?.admittedOn ?? null;
          if (is && !was) admittedOn = pe.type === 'IntentTagged' ? pe.data.occurredOn : businessDateOf(pe);
          if (!is) admittedOn = null;
          if (is) w.listed = true;
          // The listed version this event ends. Per batch, only the one stored before the batch is
          // kept (closed at the batch's last event of the patent, below); the batch's intermediate
          // versions are visible at no checkpoint.
          if (was && (snapshotsInside || w.current === w.stored))
            w.closed.push({ v: w.current!, validTo: e.position });
          w.current = {
            state: after,
            admittedOn,
            last: { position: e.position, on: businessDateOf(pe), eventType: e.type },
          };
          w.dirty = true;
        } catch (err) {
          throw new EventApplyError(e, err);
        }
      }

      // Write each patent the batch changed once: its rows are built here (a failure names the
      // patent's last event of the batch), then written table by table.
      const stateValues: unknown[] = [];
      const ipcValues: unknown[] = [];
      const historyValues: unknown[] = [];
      const rowValuesOut: unknown[] = [];
      const deletes: string[] = [];
      for (const w of work.values()) {
        if (!w.dirty) continue;
        const v = w.current!;
        try {
          // The IPC filter reads the codes of every patent listed at some position (the current pool
          // and the closed versions), written when it is first listed.
          const ipcNow = w.listed && !w.ipcListed;
          // Each row is checked against its table's NOT NULL columns as it is built (push), so that
          // a row the table cannot hold names this patent's event, not a whole statement's.
          states.push(
            stateValues,
            w.id,
            JSON.stringify(poolStateOf(v.state)),
            v.admittedOn,
            v.last.position,
            v.last.on,
            v.last.eventType,
            w.ipcListed || ipcNow ? 1 : 0,
          );
          if (ipcNow) for (const code of new Set(v.state.ipc)) ipcs.push(ipcValues, w.id, code);
          for (const c of w.closed) {
            const validTo = snapshotsInside ? c.validTo : v.last.position;
            history.push(
              historyValues,
              ...rowValues(c.v),
              c.v.last.position,
              validTo,
              JSON.stringify(poolEntryOf(c.v.state, c.v.admittedOn!, c.v.last)),
            );
          }
          if (admitted(v.state)) rows.push(rowValuesOut, ...rowValues(v));
          else if (w.stored && admitted(w.stored.state)) deletes.push(w.id);
        } catch (err) {
          const last = items.filter((i) => i.w === w).pop()!;
          throw new EventApplyError(last.e, err);
        }
      }
      // Checked rows: a failure here is the database's.
      await states.insert(tx, stateValues);
      await ipcs.insert(tx, ipcValues);
      await history.insert(tx, historyValues);
      await rows.insert(tx, rowValuesOut);
      for (const id of deletes) await tx.run(deleteRow, [id]);
    };
  },
});
