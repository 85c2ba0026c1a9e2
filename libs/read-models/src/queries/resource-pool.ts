import {
  HIGH_VALUE_FLAGS,
  isIsoDate,
  todayInChina,
  type HighValueFlags,
  type IsoDate,
} from '@patent-ledger/domain';
import { cursorSecret, decodeCursor, encodeCursor, QueryError } from '../cursor';
import type { Dialect, ReadModelDb, SqlTx } from '../sql';
import {
  poolEntryOfStateRow,
  statusAsOf,
  type DealStatus,
  type PoolEntry,
  type PoolStateRow,
} from '../projections/resource-pool';

export type PoolSort = 'recent' | 'prospect' | 'evaluations';
export const POOL_SORTS: readonly PoolSort[] = ['recent', 'prospect', 'evaluations'];

export interface PoolFilter {
  institutionId?: string;
  mode?: 'transfer' | 'license' | 'self-implementation' | 'equity';
  kind?: string;
  /** IPC prefix, e.g. "H01M" or "H01M 10/05". */
  ipc?: string;
  /** Only high-value patents (any flag), or those with this flag. */
  highValue?: boolean;
  highValueFlag?: keyof HighValueFlags;
  tier?: 'featured' | 'standard';
  minProspect?: number;
  status?: DealStatus;
  /** Text in the title. */
  q?: string;
  /**
   * Business date the statuses are taken at (default: today in China): a patent past its last day
   * of protection is `expired`, one whose annuity is unpaid past its grace period `lapsed`.
   */
  asOf?: IsoDate;
}

export interface PoolPageRequest extends PoolFilter {
  sort?: PoolSort;
  limit?: number;
  cursor?: string;
}

export interface PoolPage {
  items: PoolEntry[];
  /** Entries matching the filter in the snapshot being paged. */
  total: number;
  /** Log position of the snapshot: every page of one traversal shows the pool as of this position. */
  asOfPosition: number;
  nextCursor: string | null;
}

interface PoolCursor {
  /** snapshot position */
  p: number;
  /** sort key of the last item */
  k: number;
  /** application number of the last item */
  id: string;
  /** total at the snapshot */
  n: number;
  /** sort and a digest of the filter, so a cursor is not reused with other parameters */
  s: PoolSort;
  f: string;
}

const isCursor = (v: unknown): v is PoolCursor => {
  const c = v as PoolCursor;
  return (
    !!c &&
    typeof c === 'object' &&
    Number.isSafeInteger(c.p) &&
    typeof c.k === 'number' &&
    typeof c.id === 'string' &&
    Number.isSafeInteger(c.n) &&
    (POOL_SORTS as readonly string[]).includes(c.s) &&
    typeof c.f === 'string'
  );
};

const FLAG_COLUMN: Record<keyof HighValueFlags, string> = {
  strategicEmergingIndustry: 'f_strategic',
  overseasFamily: 'f_overseas',
  maintainedOver10Years: 'f_maintained',
  pledgeFinancing: 'f_pledge',
  award: 'f_award',
};
const MODE_COLUMN = {
  transfer: 'm_transfer',
  license: 'm_license',
  'self-implementation': 'm_self',
  equity: 'm_equity',
} as const;
const SORT_KEY: Record<PoolSort, string> = {
  recent: 'last_position',
  prospect: 'prospect_key',
  evaluations: 'eval_count',
};

/**
 * How the filter's terms let indexes serve them:
 * - `index`: as written, for the planner to choose a filter's index;
 * - `walk`: no index can serve the flag, status, kind, prospect and IPC terms (`col + 0`,
 *   `col || ''`), for a page that should walk the index of its sort key and test each row, rather
 *   than collect every match through a filter's index and sort them all;
 * - `text`: the same, for a title text: every match is then tested on the covering title index
 *   (pool_rows_text: the title and every filter column) in one pass over it, not looked up row by
 *   row from another index's range (a prospect or flag range holds hundreds of thousands of rows at
 *   national scale, each a lookup of the row for its title).
 * The institution stays served by its index in every mode (a few thousand rows at most).
 */
type IndexUse = 'index' | 'walk' | 'text';

function filterSql(
  f: PoolFilter,
  d: Dialect,
  use: IndexUse = 'index',
): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const walk = use !== 'index';
  const int = (c: string): string => (walk ? `(${c} + 0)` : c);
  const text = (c: string): string => (walk ? `(${c} || '')` : c);
  if (f.institutionId !== undefined) {
    where.push('institution_id = ?');
    params.push(f.institutionId);
  }
  if (f.mode !== undefined) where.push(`${int(MODE_COLUMN[f.mode])} = 1`);
  if (f.kind !== undefined) {
    where.push(`${text('kind')} = ?`);
    params.push(f.kind);
  }
  if (f.status !== undefined) {
    // The status as of the listing's date (statusAsOf): the stored deal status, overridden by the
    // dates — an unpaid annuity's grace end, the last day of protection.
    const asOf = f.asOf!;
    const graceOver = '(grace_end IS NOT NULL AND grace_end < ?)';
    if (f.status === 'lapsed') {
      where.push(`(${text('status')} = 'lapsed' OR ${graceOver})`);
      params.push(asOf);
    } else if (f.status === 'expired') {
      where.push(`${text('status')} <> 'lapsed' AND NOT ${graceOver} AND expiry_date < ?`);
      params.push(asOf, asOf);
    } else {
      where.push(`${text('status')} = ? AND NOT ${graceOver} AND expiry_date >= ?`);
      params.push(f.status, asOf, asOf);
    }
  }
  if (f.highValue === true) where.push(`${int('high_value')} = 1`);
  if (f.highValue === false) where.push(`${int('high_value')} = 0`);
  if (f.highValueFlag !== undefined) {
    if (!HIGH_VALUE_FLAGS.includes(f.highValueFlag)) throw new Error(`unknown flag ${f.highValueFlag}`);
    where.push(`${int(FLAG_COLUMN[f.highValueFlag])} = 1`);
  }
  if (f.tier === 'featured') where.push(`${int('featured')} = 1`);
  if (f.tier === 'standard') where.push(`${int('featured')} = 0 AND promotion_count > 0`);
  if (f.minProspect !== undefined) {
    // prospect_key is mean_prospect, or -1 without evaluations: above -1 the same test, on the
    // column the prospect index orders by.
    // (The walk of the prospect index starts at it: only a text search keeps it off that index.)
    const column = f.minProspect > -1 ? 'prospect_key' : 'mean_prospect';
    where.push(`${use === 'text' ? `(${column} + 0)` : column} >= ?`);
    params.push(f.minProspect);
  }
  if (f.q !== undefined && f.q !== '') {
    if (caseless(f.q)) {
      // No letter with a case (Chinese, digits, punctuation): a byte-wise search finds what the
      // case-insensitive LIKE would, at about half its cost per title.
      where.push(`${d.contains}(title, ?) > 0`);
      params.push(f.q);
    } else {
      where.push(`title ${d.likeCi} ? ESCAPE '\\'`);
      params.push(`%${escapeLike(f.q)}%`);
    }
  }
  if (f.ipc !== undefined && f.ipc !== '') {
    // IPC symbols are upper case (the decider checks them), as the prefix is made. "Starts with the
    // prefix" is the range [prefix, prefixEnd) in code-point order, which is the byte order both
    // databases compare these columns in: the code index serves it, and it takes '%' and '_'
    // literally. (LIKE only where no end exists.)
    const prefix = f.ipc.toUpperCase();
    const end = prefixEnd(prefix);
    where.push(
      `${text('application_number')} IN (SELECT application_number FROM pool_ipc WHERE code >= ? AND ${
        end === undefined ? "code LIKE ? ESCAPE '\\'" : 'code < ?'
      })`,
    );
    params.push(prefix, end ?? `${escapeLike(prefix)}%`);
  }
  return { where, params };
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Whether no character of `s` has a case (so a byte-wise search matches as a case-insensitive one). */
const caseless = (s: string): boolean => s.toLowerCase() === s && s.toUpperCase() === s;

/**
 * The least string above every string that starts with `prefix` in code-point order (which is the
 * byte-wise order both databases compare these columns in), or undefined when there is none.
 */
function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return `${points.join('')}${String.fromCodePoint(next)}`;
    }
  }
  return undefined;
}

/** Matches above which a page walks the index of its sort key (see filterSql). */
const WALK_ABOVE = 5000;
/** Rows at the head of a listing a text search's first page tests before it takes the one-pass way. */
const TEXT_HEAD_ROWS = 20_000;

/** Where a listing takes its snapshot position when it starts (default: the projection's checkpoint, read in the query's transaction). */
export type SnapshotPosition = (tx: SqlTx) => number | Promise<number>;

const checkpointOf =
  (name: string): SnapshotPosition =>
  async (tx) =>
    Number(
      (
        await tx.get<{ position: number }>('SELECT position FROM projection_checkpoints WHERE name = ?', [
          name,
        ])
      )?.position ?? 0,
    );
const defaultCheckpoint = checkpointOf('resource-pool');

/** Resource-pool listing: filters, sort, keyset pagination over a fixed snapshot, total count. */
export async function queryResourcePool(
  db: ReadModelDb,
  req: PoolPageRequest,
  checkpoint: SnapshotPosition = defaultCheckpoint,
  /** Tuning, for tests: matches above which a page walks its sort key's index (default 5,000). */
  tuning: { walkAbove?: number } = {},
): Promise<PoolPage> {
  const sort = req.sort ?? 'recent';
  const limit = Math.min(Math.max(req.limit ?? 50, 1), 500);
  if (req.asOf !== undefined && !isIsoDate(req.asOf)) {
    throw new QueryError(
      'QUERY.INVALID_PARAMETER',
      `asOf must be an ISO date YYYY-MM-DD, got ${JSON.stringify(req.asOf)}`,
      'asOf',
    );
  }
  const asOf = req.asOf ?? todayInChina(new Date().toISOString());
  req = { ...req, asOf };
  // A title text without an institution: tested on the covering title index (see IndexUse).
  const use: IndexUse =
    req.q !== undefined && req.q !== '' && req.institutionId === undefined ? 'text' : 'index';
  const { where, params } = filterSql(req, db.dialect, use);
  const filterDigest = JSON.stringify([
    req.institutionId,
    req.mode,
    req.kind,
    req.ipc,
    req.highValue,
    req.highValueFlag,
    req.tier,
    req.minProspect,
    req.status,
    req.q,
    // the statuses depend on the date (expired, lapsed for an unpaid annuity)
    asOf,
  ]);
  const secret = await cursorSecret(db);
  const cursor = req.cursor ? decodeCursor(secret, req.cursor, isCursor) : undefined;
  if (cursor && (cursor.s !== sort || cursor.f !== filterDigest)) {
    throw new QueryError(
      'QUERY.CURSOR_MISMATCH',
      'the cursor belongs to a listing with other filters or sort; start again without a cursor',
      'cursor',
    );
  }
  return db.transaction(async (tx): Promise<PoolPage> => {
    const latest = await checkpointOf('resource-pool')(tx);
    const snapshot = cursor?.p ?? (checkpoint === defaultCheckpoint ? latest : await checkpoint(tx));
    // The pool as it stood at the snapshot. At (or past) the checkpoint read in this transaction that
    // is the current rows; at an earlier position (a cursor's, after new events), the current rows
    // not newer than it plus the versions closed after it. Each part is its own SELECT, so that each
    // uses its own indexes (the two pages are merged in order).
    const atCheckpoint = snapshot >= latest;
    const parts: { from: string; id: string; where: string[]; params: unknown[] }[] = atCheckpoint
      ? [{ from: 'pool_rows', id: '0', where: [], params: [] }]
      : [
          { from: 'pool_rows', id: '0', where: ['last_position <= ?'], params: [snapshot] },
          {
            from: 'pool_history',
            id: 'row_id',
            where: ['valid_to > ?', 'valid_from <= ?'],
            params: [snapshot, snapshot],
          },
        ];
    const key = SORT_KEY[sort];
    const whereOf = (terms: string[]): string => (terms.length ? `WHERE ${terms.join(' AND ')}` : '');
    const counts = parts.map((x) => `(SELECT COUNT(*) FROM ${x.from} ${whereOf([...x.where, ...where])})`);
    const countAll = async (): Promise<number> =>
      Number(
        (await tx.get<{ n: number }>(
          `SELECT ${counts.join(' + ')} AS n`,
          parts.flatMap((x) => [...x.params, ...params]),
        ))!.n,
      );
    type PageRow = { sort_key: number; application_number: string; history_id: number; total?: number };
    let total: number;
    let rows: PageRow[];
    let found: PageRow[] | undefined;
    if (use === 'text' && !cursor && atCheckpoint) {
      // A text search's first page, from the head of the listing: the first rows in its order
      // (walking the sort key's index), tested. Their matches are the listing's first matches, so
      // when they fill the page, that is the page (most texts match often enough: a few hundred
      // rows read), and one pass over the covering title index only counts.
      const head = await tx.all<PageRow>(
        `SELECT ${key} AS sort_key, application_number, 0 AS history_id
         FROM (SELECT * FROM pool_rows ORDER BY ${key} DESC, application_number ASC LIMIT ?) head
         ${whereOf(where)} ORDER BY sort_key DESC, application_number ASC LIMIT ?`,
        [TEXT_HEAD_ROWS, ...params, limit + 1],
      );
      if (head.length > limit) found = head;
    }
    if (found) {
      rows = found;
      total = await countAll();
    } else if (use === 'text' && !cursor) {
      // A rarer text: one pass over the covering title index counts the matches (the window) and
      // keeps the page's first rows (a sort bounded by the limit), rather than a pass to count and
      // another to collect. The sort key as an expression, so the planner does not walk its index
      // instead, looking up each row.
      const selects = parts.map(
        (x) =>
          `SELECT (${key} + 0) AS sort_key, application_number, ${x.id} AS history_id FROM ${x.from}
           ${whereOf([...x.where, ...where])}`,
      );
      rows = await tx.all<PageRow>(
        `SELECT sort_key, application_number, history_id, COUNT(*) OVER () AS total
         FROM (${selects.join(' UNION ALL ')}) matches ORDER BY sort_key DESC, application_number ASC LIMIT ?`,
        [...parts.flatMap((x) => [...x.params, ...params]), limit + 1],
      );
      total = Number(rows[0]?.total ?? 0);
    } else {
      total = cursor ? Number(cursor.n) : await countAll();
      // Many matches: walk the sort key's index, testing each row, to the page's end. Few: let a
      // filter's index (or, for a text, one pass over the title index) collect them and sort those.
      const walking = total > (tuning.walkAbove ?? WALK_ABOVE);
      const pageFilter = walking ? filterSql(req, db.dialect, 'walk').where : where;
      // Not walking a text search: the sort key as an expression, so the planner does not walk its
      // index instead, looking up each row.
      const sortKey = !walking && use === 'text' ? `(${key} + 0)` : key;
      // The first term lets an index on the sort key start at the cursor.
      const after = cursor ? [`${sortKey} <= ? AND (${sortKey} < ? OR application_number > ?)`] : [];
      const afterParams = cursor ? [cursor.k, cursor.k, cursor.id] : [];
      const selects = parts.map(
        (x) =>
          `SELECT ${sortKey} AS sort_key, application_number, ${x.id} AS history_id FROM ${x.from}
           ${whereOf([...x.where, ...pageFilter, ...after])}`,
      );
      rows = await tx.all<PageRow>(
        `${selects.join(' UNION ALL ')} ORDER BY sort_key DESC, application_number ASC LIMIT ?`,
        [...parts.flatMap((x) => [...x.params, ...params, ...afterParams]), limit + 1],
      );
    }
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    const entries = await entriesOf(tx, page);
    return {
      items: page.map((r) => entryAsOf(entries.get(r)!, asOf)),
      total,
      asOfPosition: Number(snapshot),
      nextCursor:
        more && last
          ? encodeCursor(secret, {
              p: Number(snapshot),
              k: Number(last.sort_key),
              id: last.application_number,
              n: Number(total),
              s: sort,
              f: filterDigest,
            })
          : null,
    };
  }, 'read');
}

/** The entries of a page's rows: current ones built from `pool_state`, closed ones stored with their version. */
async function entriesOf<R extends { application_number: string; history_id: number }>(
  tx: SqlTx,
  rows: readonly R[],
): Promise<Map<R, PoolEntry>> {
  const out = new Map<R, PoolEntry>();
  const current = rows.filter((r) => Number(r.history_id) === 0);
  const closed = rows.filter((r) => Number(r.history_id) !== 0);
  if (current.length) {
    const states = await tx.all<PoolStateRow>(
      `SELECT application_number, state, admitted_on, last_position, last_on, last_type FROM pool_state
       WHERE application_number IN (${current.map(() => '?').join(', ')})`,
      current.map((r) => r.application_number),
    );
    const byId = new Map(states.map((s) => [s.application_number, s]));
    for (const r of current) out.set(r, poolEntryOfStateRow(byId.get(r.application_number)!));
  }
  if (closed.length) {
    const entries = await tx.all<{ row_id: number; entry: string }>(
      `SELECT row_id, entry FROM pool_history WHERE row_id IN (${closed.map(() => '?').join(', ')})`,
      closed.map((r) => r.history_id),
    );
    const byId = new Map(entries.map((e) => [Number(e.row_id), e.entry]));
    for (const r of closed) out.set(r, JSON.parse(byId.get(Number(r.history_id))!) as PoolEntry);
  }
  return out;
}

/** The entry with its status as of `asOf` (expired, lapsed for an unpaid annuity: statusAsOf). */
export function entryAsOf(entry: PoolEntry, asOf: IsoDate): PoolEntry {
  // Entries closed before the expiry columns existed have neither; their status stands.
  if (entry.expiryDate === undefined) return entry;
  const status = statusAsOf(entry.status, entry.expiryDate, entry.nextAnnuity?.graceEnd, asOf);
  return status === entry.status ? entry : { ...entry, status };
}

/** One current pool entry (status as of `asOf`, default today in China), or undefined when the patent is not in the pool. */
export async function getPoolEntry(
  db: ReadModelDb,
  applicationNumber: string,
  asOf: IsoDate = todayInChina(new Date().toISOString()),
): Promise<PoolEntry | undefined> {
  // admitted_on is set exactly while the patent is admitted, i.e. listed.
  const row = await db.transaction(
    (tx) =>
      tx.get<PoolStateRow>(
        `SELECT application_number, state, admitted_on, last_position, last_on, last_type FROM pool_state
         WHERE application_number = ? AND admitted_on IS NOT NULL`,
        [applicationNumber],
      ),
    'read',
  );
  return row ? entryAsOf(poolEntryOfStateRow(row), asOf) : undefined;
}
