import { HIGH_VALUE_FLAGS, type HighValueFlags } from '@patent-ledger/domain';
import { cursorSecret, decodeCursor, encodeCursor, QueryError } from '../cursor';
import type { Dialect, ReadModelDb, SqlTx } from '../sql';
import type { DealStatus, PoolEntry } from '../projections/resource-pool';

export type PoolSort = 'recent' | 'prospect' | 'evaluations';
export const POOL_SORTS: readonly PoolSort[] = ['recent', 'prospect', 'evaluations'];

export interface PoolFilter {
  institutionId?: string;
  mode?: 'transfer' | 'license' | 'self-implementation';
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
} as const;
const SORT_KEY: Record<PoolSort, string> = {
  recent: 'last_position',
  prospect: 'COALESCE(mean_prospect, -1)',
  evaluations: 'eval_count',
};

function filterSql(f: PoolFilter, d: Dialect): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.institutionId !== undefined) {
    where.push('institution_id = ?');
    params.push(f.institutionId);
  }
  if (f.mode !== undefined) where.push(`${MODE_COLUMN[f.mode]} = 1`);
  if (f.kind !== undefined) {
    where.push('kind = ?');
    params.push(f.kind);
  }
  if (f.status !== undefined) {
    where.push('status = ?');
    params.push(f.status);
  }
  if (f.highValue === true) where.push('high_value = 1');
  if (f.highValue === false) where.push('high_value = 0');
  if (f.highValueFlag !== undefined) {
    if (!HIGH_VALUE_FLAGS.includes(f.highValueFlag)) throw new Error(`unknown flag ${f.highValueFlag}`);
    where.push(`${FLAG_COLUMN[f.highValueFlag]} = 1`);
  }
  if (f.tier === 'featured') where.push('featured = 1');
  if (f.tier === 'standard') where.push('featured = 0 AND promotion_count > 0');
  if (f.minProspect !== undefined) {
    where.push('mean_prospect >= ?');
    params.push(f.minProspect);
  }
  if (f.q !== undefined && f.q !== '') {
    where.push(`title ${d.likeCi} ? ESCAPE '\\'`);
    params.push(`%${escapeLike(f.q)}%`);
  }
  if (f.ipc !== undefined && f.ipc !== '') {
    where.push(
      `application_number IN (SELECT application_number FROM pool_ipc WHERE code LIKE ? ESCAPE '\\')`,
    );
    params.push(`${escapeLike(f.ipc.toUpperCase())}%`);
  }
  return { where, params };
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Where a listing takes its snapshot position when it starts (default: the projection's checkpoint, read in the query's transaction). */
export type SnapshotPosition = (tx: SqlTx) => number | Promise<number>;

const checkpointOf =
  (name: string): SnapshotPosition =>
  async (tx) =>
    (await tx.get<{ position: number }>('SELECT position FROM projection_checkpoints WHERE name = ?', [name]))
      ?.position ?? 0;

/** Resource-pool listing: filters, sort, keyset pagination over a fixed snapshot, total count. */
export async function queryResourcePool(
  db: ReadModelDb,
  req: PoolPageRequest,
  checkpoint: SnapshotPosition = checkpointOf('resource-pool'),
): Promise<PoolPage> {
  const sort = req.sort ?? 'recent';
  const limit = Math.min(Math.max(req.limit ?? 50, 1), 500);
  const { where, params } = filterSql(req, db.dialect);
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
    const snapshot = cursor?.p ?? (await checkpoint(tx));
    // Rows as they stood at the snapshot: current rows not newer than it, plus rows closed after it.
    const inSnapshot = `(SELECT * FROM pool_rows WHERE valid_to IS NULL AND valid_from <= ?
      UNION ALL SELECT * FROM pool_rows WHERE valid_to > ? AND valid_from <= ?) AS r`;
    const snap = [snapshot, snapshot, snapshot];
    const key = SORT_KEY[sort];
    const whereAll = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total =
      cursor?.n ??
      (await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${inSnapshot} ${whereAll}`, [
        ...snap,
        ...params,
      ]))!.n;
    const pageWhere = [...where];
    const pageParams = [...snap, ...params];
    if (cursor) {
      pageWhere.push(`(${key} < ? OR (${key} = ? AND application_number > ?))`);
      pageParams.push(cursor.k, cursor.k, cursor.id);
    }
    const rows = await tx.all<{ entry: string; sort_key: number; application_number: string }>(
      `SELECT entry, ${key} AS sort_key, application_number FROM ${inSnapshot}
       ${pageWhere.length ? `WHERE ${pageWhere.join(' AND ')}` : ''}
       ORDER BY ${key} DESC, application_number ASC LIMIT ?`,
      [...pageParams, limit + 1],
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map((r) => JSON.parse(r.entry) as PoolEntry),
      total,
      asOfPosition: snapshot,
      nextCursor:
        more && last
          ? encodeCursor(secret, {
              p: snapshot,
              k: last.sort_key,
              id: last.application_number,
              n: total,
              s: sort,
              f: filterDigest,
            })
          : null,
    };
  }, 'read');
}

/** One current pool entry, or undefined when the patent is not in the pool. */
export async function getPoolEntry(
  db: ReadModelDb,
  applicationNumber: string,
): Promise<PoolEntry | undefined> {
  const row = await db.transaction(
    (tx) =>
      tx.get<{ entry: string }>(
        'SELECT entry FROM pool_rows WHERE application_number = ? AND valid_to IS NULL',
        [applicationNumber],
      ),
    'read',
  );
  return row ? (JSON.parse(row.entry) as PoolEntry) : undefined;
}
