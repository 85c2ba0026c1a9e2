import { isIsoDate } from '@patent-ledger/domain';
import type { StoredEvent } from '@patent-ledger/eventsourcing';
import type { Dialect, SqlTx } from '../sql';
import type { TableNames } from '../sqlite-projection';
import { idOfStream } from './event-helpers';

/**
 * Pre-aggregated KPI counters (`GET /kpis` without `knownAt`), kept by the progress and obligations
 * projections as they apply events, so that the KPIs as of a date are a sum over institutions × days
 * rather than a count over patents.
 *
 * Each figure of a patent (inventoried, in the pool, evaluated, implemented, …) or of an obligation
 * (on time, late, overdue, open, cancelled) is a step function of the as-of date D: it changes only
 * on the dates of its rows (an inventory, a tag, a deal; a trigger, a due date, a fulfilment). A
 * counter row holds, per institution and day, the sum of those steps on that day, one column per
 * figure (contract values in fen), so a figure as of D is the SUM of its column over the days ≤ D.
 * When a batch touches a patent (or an obligation), its steps are computed from its rows before and
 * after the batch — by the same rules as the row-based queries (kpis.ts `countsAt`) — and the
 * difference is added: any order of events, backdated ones included, leaves the counters equal to a
 * recount. Rows that come to zero are deleted, so the tables hold the same rows whatever the batch
 * sizes.
 *
 * Each step is written twice: at grain 0 on its day, at grain 1 on the first day of its month. A
 * query as of D reads the month rows of the months before D's month and the day rows of D's month up
 * to D: institutions × (months + ≤ 31 days) rows, however many patents.
 *
 * The days from a patent's first admission to its first deal (the median's inputs) are kept per
 * institution and month (`FirstDeals`, progress_kpi_days): the month's first deals (day of month and
 * number of days each) and the histogram (number of days → count) of all the institution's first
 * deals up to that month's end. A query as of D in month M reads, per institution, its latest row up
 * to M — the histogram, less the entries of M after D when that row is M's — institutions rows
 * however many deals; the monthly series adds each month's entries to the histograms before its
 * first month. A first deal added or taken back in month m rewrites the institution's rows from m on.
 */

export const GRAIN_DAY = 0;
export const GRAIN_MONTH = 1;

/** The first day of a date's month. */
export const monthStart = (day: string): string => `${day.slice(0, 7)}-01`;

/** The columns of progress_kpi_counters (after grain, day, institution_id). */
export const PROGRESS_COUNTERS = [
  'inventoried',
  'stock_inventoried',
  'pool',
  'evaluated',
  'implemented',
  'industrialized',
  'transfers',
  'transfer_fen',
  'licenses',
  'license_fen',
  'open_licenses',
  'open_license_fen',
  'equity_contributions',
  'equity_contribution_fen',
  'industrializations',
] as const;
export type ProgressCounter = (typeof PROGRESS_COUNTERS)[number];

/** The columns of obligation_kpi_counters. */
export const OBLIGATION_COUNTERS = ['on_time', 'late', 'overdue', 'open', 'cancelled'] as const;
export type ObligationCounter = (typeof OBLIGATION_COUNTERS)[number];

/** A counters table: keyed by (grain, day, institution_id), and its value columns. */
export interface CounterTable {
  name: string;
  columns: readonly string[];
}

export const PROGRESS_COUNTER_TABLE: CounterTable = {
  name: 'progress_kpi_counters',
  columns: PROGRESS_COUNTERS,
};
export const OBLIGATION_COUNTER_TABLE: CounterTable = {
  name: 'obligation_kpi_counters',
  columns: OBLIGATION_COUNTERS,
};

const withoutRowid = (d: Dialect): string => (d.name === 'sqlite' ? ' WITHOUT ROWID' : '');

/** DDL of a counters table: (grain, day, institution) → its columns. */
export function counterTableDdl(t: TableNames, d: Dialect, table: CounterTable): string[] {
  return [
    `CREATE TABLE "${t(table.name)}" (
      grain ${d.int} NOT NULL,
      day ${d.text} NOT NULL,
      institution_id ${d.text} NOT NULL,
      ${table.columns.map((c) => `${c} ${d.bigint} NOT NULL`).join(',\n      ')},
      PRIMARY KEY (grain, day, institution_id)
    )${withoutRowid(d)}`,
    `CREATE INDEX "${t(table.name)}_institution" ON "${t(table.name)}" (institution_id, grain, day)`,
  ];
}

/** A step of a figure: +n to `column` from `day` on, for `institution`. */
export interface Step {
  institution: string;
  day: string;
  column: string;
  n: number;
}

interface Sum {
  grain: number;
  day: string;
  institution: string;
  values: number[];
}

/** Steps summed per row of a counters table (grain, day, institution), both grains. */
export class Deltas {
  private readonly sums = new Map<string, Sum>();
  private readonly index: ReadonlyMap<string, number>;

  constructor(readonly table: CounterTable) {
    this.index = new Map(table.columns.map((c, i) => [c, i]));
  }

  add(institution: string, day: string, column: string, n: number, sign: number): void {
    if (n === 0) return;
    const i = this.index.get(column);
    if (i === undefined) throw new Error(`${this.table.name} has no column ${column}`);
    this.put(GRAIN_DAY, day, institution, i, sign * n);
    this.put(GRAIN_MONTH, monthStart(day), institution, i, sign * n);
  }

  addSteps(steps: readonly Step[], sign: 1 | -1): void {
    for (const s of steps) this.add(s.institution, s.day, s.column, s.n, sign);
  }

  /** The rows with a non-zero value. */
  rows(): Sum[] {
    return [...this.sums.values()].filter((s) => s.values.some((v) => v !== 0));
  }

  private put(grain: number, day: string, institution: string, i: number, n: number): void {
    const k = `${grain}${day}${institution}`;
    let s = this.sums.get(k);
    if (!s) {
      s = { grain, day, institution, values: new Array<number>(this.table.columns.length).fill(0) };
      this.sums.set(k, s);
    }
    s.values[i]! += n;
  }
}

/** Rows per upsert statement (as RowInserter: multi-row on PostgreSQL, one at a time on SQLite). */
const ROWS_PER_STATEMENT: Record<Dialect['name'], readonly number[]> = {
  postgres: [64, 8, 1],
  sqlite: [1],
};

/**
 * Adds deltas to a counters table, then deletes the rows of the days written that came to zero (one
 * statement per day: cheaper than reading each upserted row back).
 */
export function counterWriter(
  t: TableNames,
  d: Dialect,
  table: CounterTable,
): (tx: SqlTx, deltas: Deltas) => Promise<void> {
  const name = `"${t(table.name)}"`;
  const columns = ['grain', 'day', 'institution_id', ...table.columns];
  const statements = new Map<number, string>();
  const upsert = (rows: number): string => {
    let sql = statements.get(rows);
    if (!sql) {
      const row = `(${columns.map(() => '?').join(', ')})`;
      sql =
        `INSERT INTO ${name} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')} ` +
        `ON CONFLICT (grain, day, institution_id) DO UPDATE SET ` +
        table.columns.map((c) => `${c} = ${name}.${c} + excluded.${c}`).join(', ');
      statements.set(rows, sql);
    }
    return sql;
  };
  const zeros = `DELETE FROM ${name} WHERE grain = ? AND day = ? AND ${table.columns.map((c) => `${c} = 0`).join(' AND ')}`;
  const sizes = ROWS_PER_STATEMENT[d.name];
  return async (tx, deltas) => {
    const rows = deltas.rows();
    const days = new Map<string, [number, string]>();
    for (let at = 0; at < rows.length;) {
      const k = sizes.find((s) => s <= rows.length - at)!;
      const values: unknown[] = [];
      for (let i = at; i < at + k; i++) {
        const r = rows[i]!;
        values.push(r.grain, r.day, r.institution, ...r.values);
        days.set(`${r.grain}${r.day}`, [r.grain, r.day]);
      }
      await tx.run(upsert(k), values);
      at += k;
    }
    for (const day of days.values()) await tx.run(zeros, day);
  };
}

/** `?, ?, …` for an IN list of `ids`, padded (repeating the last) to one of a few lengths, so few statements are prepared. */
export function inList(ids: readonly string[]): { marks: string; values: string[] } {
  const size = [1, 4, 16, 64, 256].find((s) => s >= ids.length) ?? ids.length;
  const values = [...ids];
  while (values.length < size) values.push(ids[ids.length - 1]!);
  return { marks: values.map(() => '?').join(', '), values };
}

/** Splits `ids` into chunks of at most 256. */
export function chunks<T>(ids: readonly T[], size = 256): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < ids.length; at += size) out.push(ids.slice(at, at + size));
  return out;
}

const dayNumber = (d: string): number =>
  Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))) / 86_400_000;

/**
 * The first as-of date after `d`: the next day of an ISO date; of any other text, the text with `~`
 * appended, which sorts after it and before every longer-by-one successor, as the queries' string
 * comparisons (`due_date < D`) do.
 */
export const nextDay = (d: string): string =>
  isIsoDate(d) ? new Date((dayNumber(d) + 1) * 86_400_000).toISOString().slice(0, 10) : `${d}~`;

// ---------------------------------------------------------------------------------------------
// A patent's figures (the progress projection's rows of one patent)

export type DealKind = 'transfer' | 'license' | 'open-license' | 'industrialization' | 'equity-contribution';

export interface PatentFacts {
  patent?: { institution: string; cohort: string; inventoriedOn: string; status: string };
  /** Every IntentTagged of the patent. */
  intents: { on: string; position: number; admitted: boolean }[];
  /** The date of its first EnterpriseEvaluated, if any. */
  firstEvaluation?: string;
  /** Every deal row (its log position tells a row already stored from a new one). */
  deals: { kind: DealKind; on: string; fen: number | null; position?: number }[];
}

/** The patent's yes/no figures, each a column of progress_kpi_counters. */
const PATENT_FIGURES = [
  'inventoried',
  'stock_inventoried',
  'pool',
  'evaluated',
  'implemented',
  'industrialized',
] as const;
type PatentFigure = (typeof PATENT_FIGURES)[number];

/** The count and value columns of each kind of deal. */
export const DEAL_COLUMNS: Record<DealKind, { count: ProgressCounter; fen?: ProgressCounter }> = {
  transfer: { count: 'transfers', fen: 'transfer_fen' },
  license: { count: 'licenses', fen: 'license_fen' },
  'open-license': { count: 'open_licenses', fen: 'open_license_fen' },
  'equity-contribution': { count: 'equity_contributions', fen: 'equity_contribution_fen' },
  industrialization: { count: 'industrializations' },
};

// 促进科技成果转化法 Art. 16: transfer, licence, equity contribution (作价投资) and one's own
// implementation are the ways a result is put to use; an open-licence taking is a licence.
const IMPLEMENTING: ReadonlySet<string> = new Set([
  'transfer',
  'license',
  'open-license',
  'equity-contribution',
  'industrialization',
]);
const FIRST_DEAL: ReadonlySet<string> = new Set([
  'transfer',
  'license',
  'open-license',
  'equity-contribution',
]);

/**
 * The steps of one patent's figures and its first-deal entry (days from first admission to first
 * deal), by the rules of the row-based KPI queries as of any date D:
 *
 * - inventoried / stock_inventoried: inventoried on or before D (stock cohort);
 * - pool: its latest tag on or before D (by date, then log position) admitted it;
 * - evaluated: in the pool on D and evaluated on or before D;
 * - implemented: inventoried by D and marked implemented or industrialized at inventory, or a
 *   transfer, licence, open-licence taking, equity contribution or industrialization dated on or
 *   before D;
 * - industrialized: inventoried by D and marked industrialized, or an industrialization by D;
 * - deal:<kind>: each deal counts (and its value in fen sums) from its contract date;
 * - the first-deal entry: from the first transfer, licence, taking or equity contribution, its distance from the first admission,
 *   when that admission came on or before it.
 *
 * A patent without its inventory row (progress_patents) counts nowhere, as in the queries' joins.
 */
export function patentSteps(f: PatentFacts): { steps: Step[]; firstDeal?: { day: string; days: number } } {
  const p = f.patent;
  if (!p) return { steps: [] };
  const steps: Step[] = [];
  const inst = p.institution;
  for (const x of f.deals) {
    const c = DEAL_COLUMNS[x.kind];
    steps.push({ institution: inst, day: x.on, column: c.count, n: 1 });
    if (c.fen && x.fen) steps.push({ institution: inst, day: x.on, column: c.fen, n: x.fen });
  }
  const intents = [...f.intents].sort((a, b) =>
    a.on < b.on ? -1 : a.on > b.on ? 1 : a.position - b.position,
  );
  const days = new Set<string>([p.inventoriedOn, ...intents.map((i) => i.on), ...f.deals.map((x) => x.on)]);
  if (f.firstEvaluation !== undefined) days.add(f.firstEvaluation);
  const markedImplemented = p.status === 'implemented' || p.status === 'industrialized';
  const at = (d: string): Record<PatentFigure, boolean> => {
    const inventoried = p.inventoriedOn <= d;
    let latest: boolean | undefined;
    for (const i of intents) {
      if (i.on > d) break;
      latest = i.admitted;
    }
    const pool = latest === true;
    const deal = (kinds: ReadonlySet<string>) => f.deals.some((x) => x.on <= d && kinds.has(x.kind));
    return {
      inventoried,
      stock_inventoried: inventoried && p.cohort === 'stock',
      pool,
      evaluated: pool && f.firstEvaluation !== undefined && f.firstEvaluation <= d,
      implemented: inventoried && (markedImplemented || deal(IMPLEMENTING)),
      industrialized:
        inventoried &&
        (p.status === 'industrialized' || f.deals.some((x) => x.on <= d && x.kind === 'industrialization')),
    };
  };
  let before: Record<PatentFigure, boolean> | undefined;
  for (const d of [...days].sort()) {
    const now = at(d);
    for (const m of PATENT_FIGURES) {
      const was = before?.[m] ?? false;
      if (now[m] !== was) steps.push({ institution: inst, day: d, column: m, n: now[m] ? 1 : -1 });
    }
    before = now;
  }
  let admitted: string | undefined;
  for (const i of intents) if (i.admitted && (admitted === undefined || i.on < admitted)) admitted = i.on;
  let first: string | undefined;
  for (const x of f.deals) if (FIRST_DEAL.has(x.kind) && (first === undefined || x.on < first)) first = x.on;
  const span = first !== undefined && admitted !== undefined ? dayNumber(first) - dayNumber(admitted) : NaN;
  if (first !== undefined && admitted !== undefined && first >= admitted && Number.isFinite(span)) {
    return { steps, firstDeal: { day: first, days: span } };
  }
  return { steps };
}

// ---------------------------------------------------------------------------------------------
// An obligation's status (a row of the obligations ledger)

export interface ObligationFacts {
  institution: string | null;
  triggerDate: string;
  dueDate: string;
  fulfilledOn: string | null;
  late: boolean;
  cancelledOn: string | null;
}

/**
 * The steps of one obligation's status as of any date D, by the rules of the row-based query: none
 * before its trigger date; fulfilled by D → on time or late; else cancelled by D → cancelled; else
 * overdue when its due date is before D, open otherwise. Without an institution it counts nowhere.
 */
export function obligationSteps(o: ObligationFacts): Step[] {
  if (o.institution === null) return [];
  const inst = o.institution;
  const status = (d: string): ObligationCounter | undefined => {
    if (o.triggerDate > d) return undefined;
    if (o.fulfilledOn !== null && o.fulfilledOn <= d) return o.late ? 'late' : 'on_time';
    if (o.cancelledOn !== null && o.cancelledOn <= d) return 'cancelled';
    return o.dueDate < d ? 'overdue' : 'open';
  };
  const days = new Set<string>([o.triggerDate, nextDay(o.dueDate)]);
  if (o.fulfilledOn !== null) days.add(o.fulfilledOn);
  if (o.cancelledOn !== null) days.add(o.cancelledOn);
  const steps: Step[] = [];
  let before: ObligationCounter | undefined;
  for (const d of [...days].sort()) {
    const now = status(d);
    if (now !== before) {
      if (before) steps.push({ institution: inst, day: d, column: before, n: -1 });
      if (now) steps.push({ institution: inst, day: d, column: now, n: 1 });
    }
    before = now;
  }
  return steps;
}

/**
 * The obligations projection's counters: the rows of the obligations a batch may change (those of
 * the patents its events name, and the need-response rows of the needs they name) are read before
 * and after the batch, and their status steps' difference is added to `obligation_kpi_counters`.
 */
export function obligationCounters(
  t: TableNames,
  d: Dialect,
): {
  before(tx: SqlTx, events: readonly StoredEvent[]): Promise<ObligationsSeen>;
  after(tx: SqlTx, seen: ObligationsSeen): Promise<void>;
} {
  const write = counterWriter(t, d, OBLIGATION_COUNTER_TABLE);
  const columns = `id, institution_id, trigger_date, due_date, fulfilled_on, late, cancelled_on`;
  const read = async (
    tx: SqlTx,
    seen: Omit<ObligationsSeen, 'rows'>,
  ): Promise<Map<string, ObligationFacts>> => {
    const out = new Map<string, ObligationFacts>();
    const take = (
      rows: {
        id: string;
        institution_id: string | null;
        trigger_date: string;
        due_date: string;
        fulfilled_on: string | null;
        late: number;
        cancelled_on: string | null;
      }[],
    ) => {
      for (const r of rows)
        out.set(r.id, {
          institution: r.institution_id,
          triggerDate: r.trigger_date,
          dueDate: r.due_date,
          fulfilledOn: r.fulfilled_on,
          late: Number(r.late) === 1,
          cancelledOn: r.cancelled_on,
        });
    };
    for (const chunk of chunks(seen.patents)) {
      const { marks, values } = inList(chunk);
      take(
        await tx.all(
          `SELECT ${columns} FROM "${t('obligations')}" WHERE application_number IN (${marks})`,
          values,
        ),
      );
    }
    for (const chunk of chunks(seen.needs)) {
      const { marks, values } = inList(chunk);
      take(
        await tx.all(
          `SELECT ${columns} FROM "${t('obligations')}" WHERE kind = 'need-response' AND ref IN (${marks})`,
          values,
        ),
      );
    }
    return out;
  };
  return {
    async before(tx, events) {
      const patents = new Set<string>();
      const needs = new Set<string>();
      for (const e of events) {
        const x = e.data as { applicationNumber?: unknown; needId?: unknown } | null;
        if (typeof x?.applicationNumber === 'string') patents.add(x.applicationNumber);
        if (e.streamName.startsWith('patent-')) patents.add(idOfStream(e.streamName));
        if (e.streamName.startsWith('need-') && typeof x?.needId === 'string') needs.add(x.needId);
      }
      const seen = { patents: [...patents], needs: [...needs] };
      return { ...seen, rows: await read(tx, seen) };
    },
    async after(tx, seen) {
      const now = await read(tx, seen);
      const deltas = new Deltas(OBLIGATION_COUNTER_TABLE);
      for (const [id, row] of now) {
        const was = seen.rows.get(id);
        if (was && sameObligation(was, row)) continue;
        if (was) deltas.addSteps(obligationSteps(was), -1);
        deltas.addSteps(obligationSteps(row), 1);
      }
      // Rows are never deleted; one that vanished (a table rewritten under us) is taken out.
      for (const [id, was] of seen.rows) if (!now.has(id)) deltas.addSteps(obligationSteps(was), -1);
      await write(tx, deltas);
    },
  };
}

/** The obligations a batch may change, and their rows before it. */
export interface ObligationsSeen {
  patents: string[];
  needs: string[];
  rows: Map<string, ObligationFacts>;
}

const sameObligation = (a: ObligationFacts, b: ObligationFacts): boolean =>
  a.institution === b.institution &&
  a.triggerDate === b.triggerDate &&
  a.dueDate === b.dueDate &&
  a.fulfilledOn === b.fulfilledOn &&
  a.late === b.late &&
  a.cancelledOn === b.cancelledOn;

// ---------------------------------------------------------------------------------------------
// The median's inputs: first deals per institution and month, and a cumulative histogram

/** Days below this are counted in an array, beyond it in a map (an outlier must not lengthen every merge). */
const DENSE_DAYS = 8192;

/** How many first deals came after how many days (≥ 0) from admission: the median's inputs, mergeable. */
export class DaysHistogram {
  private readonly dense: number[] = [];
  private sparse: Map<number, number> | undefined;
  /** The sum of the counts. */
  total = 0;

  add(days: number, n: number): void {
    if (n === 0) return;
    this.total += n;
    if (days >= 0 && days < DENSE_DAYS) {
      const dense = this.dense;
      while (dense.length <= days) dense.push(0);
      dense[days]! += n;
      return;
    }
    const sparse = (this.sparse ??= new Map());
    const v = (sparse.get(days) ?? 0) + n;
    if (v === 0) sparse.delete(days);
    else sparse.set(days, v);
  }

  /** Adds (sign 1) or takes away (-1) another histogram's counts. */
  addAll(h: DaysHistogram, sign: 1 | -1 = 1): void {
    const from = h.dense;
    const into = this.dense;
    while (into.length < from.length) into.push(0);
    let sum = 0;
    for (let i = 0; i < from.length; i++) {
      const n = from[i]!;
      if (n !== 0) {
        into[i]! += sign * n;
        sum += n;
      }
    }
    this.total += sign * sum;
    if (h.sparse) for (const [days, n] of h.sparse) this.add(days, sign * n);
  }

  /** [days, count] of the non-zero counts, by days. */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.dense.length; i++) if (this.dense[i] !== 0) out.push([i, this.dense[i]!]);
    if (this.sparse) out.push(...[...this.sparse].filter(([, n]) => n !== 0).sort(([a], [b]) => a - b));
    return out;
  }

  /** Pairs of 32-bit little-endian words (days, count), by days, of the non-zero counts. */
  encode(): Buffer {
    let n = 0;
    for (const c of this.dense) if (c !== 0) n++;
    const sparse = this.sparse ? [...this.sparse].filter(([, c]) => c !== 0).sort(([a], [b]) => a - b) : [];
    const out = Buffer.allocUnsafe((n + sparse.length) * 8);
    let at = 0;
    const put = (days: number, c: number): void => {
      out.writeUInt32LE(days, at);
      out.writeInt32LE(c, at + 4);
      at += 8;
    };
    for (let i = 0; i < this.dense.length; i++) if (this.dense[i] !== 0) put(i, this.dense[i]!);
    for (const [days, c] of sparse) put(days, c);
    return out;
  }

  /** The median of the counted values (the mean of the middle two of an even count); null when none. */
  median(): number | null {
    if (this.total <= 0) return null;
    const mid = Math.floor(this.total / 2);
    // The values at ranks mid - 1 and mid (0-based) in one walk.
    let below: number | undefined;
    let seen = 0;
    const walk = (days: number, n: number): number | undefined => {
      if (n <= 0) return undefined;
      if (below === undefined && mid - 1 < seen + n) below = days;
      seen += n;
      return mid < seen ? days : undefined;
    };
    let at: number | undefined;
    for (let i = 0; i < this.dense.length && at === undefined; i++) at = walk(i, this.dense[i]!);
    if (at === undefined && this.sparse)
      for (const [days, n] of [...this.sparse].sort(([a], [b]) => a - b)) {
        at = walk(days, n);
        if (at !== undefined) break;
      }
    if (at === undefined) return null;
    return this.total % 2 === 1 ? at : (below! + at) / 2;
  }
}

/**
 * DDL of progress_kpi_days: per institution and month with first deals, `entries` — that month's first
 * deals, each a 32-bit word `days × 32 + day of month`, sorted — and `histogram` — the counts per
 * number of days of the institution's first deals up to that month's end, pairs of 32-bit words
 * (days, count) by days. Both little-endian.
 */
export function firstDealsDdl(t: TableNames, d: Dialect): string[] {
  const blob = d.name === 'sqlite' ? 'BLOB' : 'BYTEA';
  return [
    `CREATE TABLE "${t('progress_kpi_days')}" (
      institution_id ${d.text} NOT NULL,
      month ${d.text} NOT NULL,
      entries ${blob} NOT NULL,
      histogram ${blob} NOT NULL,
      PRIMARY KEY (institution_id, month)
    )${withoutRowid(d)}`,
  ];
}

/** A month's first deals: `days × 32 + day of month`, sorted. */
const entry = (dayOfMonth: number, days: number): number => days * 32 + dayOfMonth;
const ENTRY_MAX = 2 ** 32;

export function encodeEntries(entries: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(entries.length * 4);
  for (let i = 0; i < entries.length; i++) out.writeUInt32LE(entries[i]!, i * 4);
  return out;
}

export function decodeEntries(b: Uint8Array): number[] {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const out = new Array<number>(buf.length >> 2);
  for (let i = 0; i < out.length; i++) out[i] = buf.readUInt32LE(i * 4);
  return out;
}

/**
 * Adds (sign 1) or takes away (-1) a month's first deals to `into`: those after the day of month
 * `after` (all of them by default).
 */
export function addEntries(into: DaysHistogram, b: Uint8Array, sign: 1 | -1, after = 0): void {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < buf.length; i += 4) {
    const e = buf.readUInt32LE(i);
    const dom = e % 32;
    if (dom > after) into.add((e - dom) / 32, sign);
  }
}

export function encodeHistogram(h: DaysHistogram): Buffer {
  return h.encode();
}

/** Adds (sign 1) or takes away (-1) an encoded histogram to `into`. */
export function addHistogram(into: DaysHistogram, b: Uint8Array, sign: 1 | -1 = 1): void {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < buf.length; i += 8) into.add(buf.readUInt32LE(i), sign * buf.readInt32LE(i + 4));
}

/**
 * The first-deal entries a batch adds and takes back (`patentSteps` before and after, per patent),
 * per institution, and their writer.
 */
export class FirstDeals {
  /** institution → month → entry → net count. */
  private readonly changes = new Map<string, Map<string, Map<number, number>>>();

  add(institution: string, day: string, days: number, sign: 1 | -1): void {
    const dom = Number(day.slice(8, 10));
    const e = entry(dom, days);
    if (!isIsoDate(day) || !Number.isInteger(days) || days < 0 || e >= ENTRY_MAX)
      throw new Error(`a first deal on ${JSON.stringify(day)} after ${days} days cannot be counted`);
    let months = this.changes.get(institution);
    if (!months) this.changes.set(institution, (months = new Map()));
    const month = monthStart(day);
    let entries = months.get(month);
    if (!entries) months.set(month, (entries = new Map()));
    entries.set(e, (entries.get(e) ?? 0) + sign);
  }

  /**
   * Applies the changes to progress_kpi_days: per institution, its rows from the last one before the
   * earliest month changed are read; the changed months' entries are updated, and every histogram
   * from that month on is recomputed as the one before plus the month's entries. A row is written
   * only when it changed; a month left without first deals is deleted.
   */
  static writer(t: TableNames): (tx: SqlTx, changes: FirstDeals) => Promise<void> {
    const name = `"${t('progress_kpi_days')}"`;
    const read = `SELECT month, entries, histogram FROM ${name}
      WHERE institution_id = ? AND month >= COALESCE(
        (SELECT MAX(month) FROM ${name} WHERE institution_id = ? AND month < ?), ?)
      ORDER BY month`;
    const write = `INSERT INTO ${name} (institution_id, month, entries, histogram) VALUES (?, ?, ?, ?)
      ON CONFLICT (institution_id, month) DO UPDATE SET entries = excluded.entries, histogram = excluded.histogram`;
    const remove = `DELETE FROM ${name} WHERE institution_id = ? AND month = ?`;
    return async (tx, changes) => {
      for (const [institution, months] of changes.changes) {
        for (const [month, entries] of months) {
          for (const [e, n] of entries) if (n === 0) entries.delete(e);
          if (entries.size === 0) months.delete(month);
        }
        if (months.size === 0) continue;
        const first = [...months.keys()].sort()[0]!;
        const rows = await tx.all<{ month: string; entries: Uint8Array; histogram: Uint8Array }>(read, [
          institution,
          institution,
          first,
          first,
        ]);
        const running = new DaysHistogram();
        const stored = new Map<string, { entries: Uint8Array; histogram: Uint8Array }>();
        for (const r of rows) {
          if (r.month < first) addHistogram(running, r.histogram);
          else stored.set(r.month, r);
        }
        for (const month of [...new Set([...stored.keys(), ...months.keys()])].sort()) {
          const was = stored.get(month);
          const change = months.get(month);
          let bytes = was?.entries;
          if (change) {
            const counts = new Map<number, number>();
            for (const e of was ? decodeEntries(was.entries) : []) counts.set(e, (counts.get(e) ?? 0) + 1);
            for (const [e, n] of change) counts.set(e, (counts.get(e) ?? 0) + n);
            const list: number[] = [];
            for (const [e, n] of [...counts].sort(([a], [b]) => a - b))
              for (let i = 0; i < n; i++) list.push(e);
            bytes = encodeEntries(list);
          }
          if (!bytes || bytes.length === 0) {
            if (was) await tx.run(remove, [institution, month]);
            continue;
          }
          addEntries(running, bytes, 1);
          const histogram = encodeHistogram(running);
          if (
            was &&
            Buffer.compare(was.entries, bytes) === 0 &&
            Buffer.compare(was.histogram, histogram) === 0
          )
            continue;
          await tx.run(write, [institution, month, bytes, histogram]);
        }
      }
    };
  }
}
