import { isIsoDate, type IsoDate } from '@patent-ledger/domain';
import { cursorSecret, decodeCursor, encodeCursor, QueryError } from '../cursor';
import type { ReadModelDb } from '../sql';
import type { SnapshotPosition } from './resource-pool';
import { OBLIGATION_KINDS, type ObligationKind, type PartyKind } from '../projections/obligations';

export type ObligationStatus = 'open' | 'overdue' | 'fulfilled' | 'cancelled';
export const OBLIGATION_STATUSES: readonly ObligationStatus[] = ['open', 'overdue', 'fulfilled', 'cancelled'];

export interface ObligationFilter {
  status?: ObligationStatus;
  kind?: ObligationKind;
  institutionId?: string;
  applicationNumber?: string;
  /** Only the obligations this party owes (an institution's or an enterprise's id). */
  responsibleParty?: string;
}

export interface ObligationQuery extends ObligationFilter {
  /** Business date the statuses are taken at. */
  asOf: IsoDate;
  /** Page size, 1–500 (default 50). */
  limit?: number;
  cursor?: string;
}

export interface ObligationItem {
  id: string;
  kind: ObligationKind;
  applicationNumber: string;
  /** The inventorying institution (null only if the patent was never inventoried). */
  institutionId: string | null;
  /** dealId or industrializationId. */
  ref: string;
  trigger: { type: string; date: IsoDate; position: number };
  /** The last day, moved off a weekend or public holiday to the next working day (细则 r.5). */
  dueDate: IsoDate;
  /** The holiday calendar does not cover the due date's year yet: dueDate is the nominal day. */
  dueDateProvisional?: true;
  /** Who owes it: the institution (registration, recordal, reports), the filing enterprise, the holder (annuity). */
  responsibleParty: { kind: PartyKind; id: string } | null;
  /** annuity: the last day it can be paid with a surcharge; after it the patent lapses (细则 r.98–100). */
  graceEnd?: IsoDate;
  status: ObligationStatus;
  /** When cancelled as of asOf: the deal ended (or, for an annuity, the patent lapsed) that day. */
  cancelledOn?: IsoDate;
  /** When fulfilled as of asOf. */
  fulfilledOn?: IsoDate;
  /** When fulfilled as of asOf: fulfilled after the due date. */
  late?: boolean;
  /** When overdue: whole days from the due date to asOf. */
  daysOverdue?: number;
  /**
   * When the patent lapsed on or before asOf (its obligations stay visible); for an annuity left
   * unpaid past its grace end, the day the right ended (its due date, the end of the last paid year).
   */
  lapsedOn?: IsoDate;
}

export interface ObligationPage {
  items: ObligationItem[];
  /** Obligations matching the query in the snapshot being paged. */
  total: number;
  /** Log position of the snapshot: every page of one traversal sees the ledger as of this position. */
  asOfPosition: number;
  nextCursor: string | null;
}

interface ObligationCursor {
  /** snapshot position */
  p: number;
  /** due date and id of the last item */
  d: string;
  id: string;
  /** total at the snapshot */
  n: number;
  /** digest of asOf and the filters, so a cursor is not reused with other parameters */
  f: string;
}

const isCursor = (v: unknown): v is ObligationCursor => {
  const c = v as ObligationCursor;
  return (
    !!c &&
    typeof c === 'object' &&
    Number.isSafeInteger(c.p) &&
    typeof c.d === 'string' &&
    typeof c.id === 'string' &&
    Number.isSafeInteger(c.n) &&
    typeof c.f === 'string'
  );
};

interface Row {
  id: string;
  kind: ObligationKind;
  application_number: string;
  institution_id: string | null;
  ref: string;
  trigger_type: string;
  trigger_position: number;
  trigger_date: string;
  due_date: string;
  nominal_due: string;
  due_provisional: number;
  grace_end: string | null;
  responsible_kind: PartyKind | null;
  responsible_id: string | null;
  fulfilled_on: string | null;
  cancelled_on: string | null;
  late: number;
  lapsed_on: string | null;
  status: ObligationStatus;
}

/** Fulfilled as of @asOf, counting only fulfilments inside the snapshot. */
const FULFILLED = '(fulfilled_on IS NOT NULL AND fulfilled_on <= @asOf AND fulfilled_position <= @snap)';
/** Cancelled as of @asOf (the deal ended) and not fulfilled by then. */
const CANCELLED = `(NOT ${FULFILLED} AND cancelled_on IS NOT NULL AND cancelled_on <= @asOf AND cancelled_position <= @snap)`;
const STATUS_SQL: Record<ObligationStatus, string> = {
  fulfilled: FULFILLED,
  cancelled: CANCELLED,
  overdue: `(NOT ${FULFILLED} AND NOT ${CANCELLED} AND due_date < @asOf)`,
  open: `(NOT ${FULFILLED} AND NOT ${CANCELLED} AND due_date >= @asOf)`,
};

const invalid = (field: string, message: string): QueryError =>
  new QueryError('QUERY.INVALID_PARAMETER', message, field);

const dayNumber = (d: IsoDate): number =>
  Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))) / 86_400_000;

/** The checkpoint of the obligations projection: the snapshot a new traversal starts from. */
const obligationsCheckpoint: SnapshotPosition = async (tx) =>
  (
    await tx.get<{ position: number }>(
      `SELECT position FROM projection_checkpoints WHERE name = 'obligations'`,
    )
  )?.position ?? Number.MAX_SAFE_INTEGER;

/**
 * The obligations ledger as of a business date. An obligation whose trigger date is after `asOf` does
 * not exist yet; it is `fulfilled` if fulfilled on or before `asOf`, `overdue` if still open and its due
 * date is before `asOf`, else `open` (an obligation is open on its due date). Sorted by due date then
 * id; keyset pagination over a snapshot of the log position, so pages neither lose nor repeat items
 * while events arrive. Filtering, counting and paging happen in SQL.
 *
 * `checkpoint` gives the position of the newest applied event (default: the obligations checkpoint).
 */
export async function queryObligations(
  db: ReadModelDb,
  req: ObligationQuery,
  checkpoint: SnapshotPosition = obligationsCheckpoint,
): Promise<ObligationPage> {
  if (!isIsoDate(req.asOf))
    throw invalid('asOf', `asOf must be an ISO date YYYY-MM-DD, got ${JSON.stringify(req.asOf)}`);
  if (req.status !== undefined && !OBLIGATION_STATUSES.includes(req.status)) {
    throw invalid('status', `status must be one of ${OBLIGATION_STATUSES.join(', ')}`);
  }
  if (req.kind !== undefined && !OBLIGATION_KINDS.includes(req.kind)) {
    throw invalid('kind', `kind must be one of ${OBLIGATION_KINDS.join(', ')}`);
  }
  if (req.limit !== undefined && !Number.isInteger(req.limit))
    throw invalid('limit', 'limit must be an integer');
  const limit = Math.min(Math.max(req.limit ?? 50, 1), 500);
  const digest = JSON.stringify([
    req.asOf,
    req.status,
    req.kind,
    req.institutionId,
    req.applicationNumber,
    req.responsibleParty,
  ]);
  const secret = await cursorSecret(db);
  const cursor = req.cursor ? decodeCursor(secret, req.cursor, isCursor) : undefined;
  if (cursor && cursor.f !== digest) {
    throw new QueryError(
      'QUERY.CURSOR_MISMATCH',
      'the cursor belongs to a listing with other filters or another asOf; start again without a cursor',
      'cursor',
    );
  }

  return db.transaction(async (tx): Promise<ObligationPage> => {
    const snap = cursor?.p ?? (await checkpoint(tx));
    const where = ['trigger_date <= @asOf', 'trigger_position <= @snap'];
    const params: Record<string, unknown> = { asOf: req.asOf, snap };
    if (req.status !== undefined) where.push(STATUS_SQL[req.status]);
    if (req.kind !== undefined) {
      where.push('kind = @kind');
      params.kind = req.kind;
    }
    if (req.institutionId !== undefined) {
      where.push('institution_id = @institution');
      params.institution = req.institutionId;
    }
    if (req.applicationNumber !== undefined) {
      where.push('application_number = @an');
      params.an = req.applicationNumber;
    }
    if (req.responsibleParty !== undefined) {
      where.push('responsible_id = @party');
      params.party = req.responsibleParty;
    }

    const total =
      cursor?.n ??
      (await tx.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM obligations WHERE ${where.join(' AND ')}`,
        params,
      ))!.n;

    const pageWhere = [...where];
    const pageParams: Record<string, unknown> = { ...params, limit: limit + 1 };
    if (cursor) {
      pageWhere.push('(due_date > @afterDue OR (due_date = @afterDue AND id > @afterId))');
      pageParams.afterDue = cursor.d;
      pageParams.afterId = cursor.id;
    }
    const rows = await tx.all<Row>(
      `SELECT id, kind, application_number, institution_id, ref, trigger_type, trigger_position, trigger_date, due_date,
           nominal_due, due_provisional, grace_end, responsible_kind, responsible_id,
           CASE WHEN ${FULFILLED} THEN fulfilled_on END AS fulfilled_on, late,
           CASE WHEN ${CANCELLED} THEN cancelled_on END AS cancelled_on,
           CASE WHEN lapsed_on <= @asOf THEN lapsed_on
                WHEN kind = 'annuity' AND grace_end < @asOf AND NOT ${FULFILLED} AND NOT ${CANCELLED} THEN nominal_due END
             AS lapsed_on,
           CASE WHEN ${FULFILLED} THEN 'fulfilled' WHEN ${CANCELLED} THEN 'cancelled'
                WHEN due_date < @asOf THEN 'overdue' ELSE 'open' END AS status
         FROM obligations WHERE ${pageWhere.join(' AND ')}
         ORDER BY due_date, id LIMIT @limit`,
      pageParams,
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map((r) => itemOf(r, req.asOf)),
      total,
      asOfPosition: snap,
      nextCursor:
        more && last
          ? encodeCursor(secret, { p: snap, d: last.due_date, id: last.id, n: total, f: digest })
          : null,
    };
  }, 'read');
}

function itemOf(r: Row, asOf: IsoDate): ObligationItem {
  return {
    id: r.id,
    kind: r.kind,
    applicationNumber: r.application_number,
    institutionId: r.institution_id,
    ref: r.ref,
    trigger: { type: r.trigger_type, date: r.trigger_date, position: r.trigger_position },
    dueDate: r.due_date,
    ...(Number(r.due_provisional) === 1 ? { dueDateProvisional: true as const } : {}),
    responsibleParty:
      r.responsible_kind !== null && r.responsible_id !== null
        ? { kind: r.responsible_kind, id: r.responsible_id }
        : null,
    ...(r.grace_end !== null ? { graceEnd: r.grace_end } : {}),
    status: r.status,
    ...(r.status === 'cancelled' && r.cancelled_on !== null ? { cancelledOn: r.cancelled_on } : {}),
    ...(r.status === 'fulfilled' && r.fulfilled_on !== null
      ? { fulfilledOn: r.fulfilled_on, late: r.late === 1 }
      : {}),
    ...(r.status === 'overdue' ? { daysOverdue: dayNumber(asOf) - dayNumber(r.due_date) } : {}),
    ...(r.lapsed_on !== null ? { lapsedOn: r.lapsed_on } : {}),
  };
}
