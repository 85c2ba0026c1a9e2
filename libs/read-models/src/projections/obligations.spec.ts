import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CALENDAR_COVERAGE, checkDigit, type PatentEvent } from '@patent-ledger/domain';
import { MemoryEventStore, type JsonObject, type StoredEvent } from '@patent-ledger/eventsourcing';
import * as f from '../../../domain/src/testing/fixtures';
import { InvalidCursorError, QueryError } from '../cursor';
import { DEFAULT_OBLIGATION_POLICY, type ObligationPolicy } from '../policy';
import {
  queryObligations,
  type ObligationItem,
  type ObligationPage,
  type ObligationQuery,
} from '../queries/obligations';
import { SqliteReadModels } from '../sqlite-read-models';
import { densityFilingDue, obligationsProjection } from './obligations';

// ---------------------------------------------------------------------------------------------
// helpers

/** A valid invention application number of 2023 with the given serial. */
const an = (serial: number): string => {
  const digits = `20231${String(serial).padStart(7, '0')}`;
  return `${digits}.${checkDigit(digits)}`;
};

/** Builds stored events as the store would: global positions, per-stream versions, metadata. */
class Log {
  readonly events: StoredEvent[] = [];
  private readonly versions = new Map<string, number>();

  add(streamName: string, e: { type: string; data: unknown }): StoredEvent {
    const version = (this.versions.get(streamName) ?? 0) + 1;
    this.versions.set(streamName, version);
    const position = this.events.length + 1;
    const stored: StoredEvent = {
      streamName,
      version,
      position,
      type: e.type,
      data: e.data as JsonObject,
      metadata: {
        eventId: `event-${position}`,
        commandId: `command-${position}`,
        correlationId: `correlation-${position}`,
        causationId: `command-${position}`,
        actor: { role: 'institution', orgId: 'tyut', userId: 'tto-1' },
        recordedAt: '2025-06-01T04:00:00.000Z',
        schemaVersion: 1,
      },
    };
    this.events.push(stored);
    return stored;
  }

  patent(...events: PatentEvent[]): StoredEvent[] {
    return events.map((e) => this.add(`patent-${e.data.applicationNumber}`, e));
  }
}

async function readModels(policy: ObligationPolicy = DEFAULT_OBLIGATION_POLICY): Promise<SqliteReadModels> {
  const rm = SqliteReadModels.open(':memory:', [obligationsProjection(policy)]);
  await rm.init();
  return rm;
}

/** Every item of a query, following cursors. */
async function all(rm: SqliteReadModels, q: Omit<ObligationQuery, 'cursor'>): Promise<ObligationItem[]> {
  const out: ObligationItem[] = [];
  let cursor: string | null = null;
  do {
    const page: ObligationPage = await queryObligations(rm.sql, { ...q, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const byId = (items: ObligationItem[]): Record<string, ObligationItem> =>
  Object.fromEntries(items.map((i) => [i.id, i]));

function tableRows(rm: SqliteReadModels, tables: readonly string[]): Record<string, unknown[]> {
  return Object.fromEntries(
    tables.map((t) => [
      t,
      (rm.db.prepare(`SELECT * FROM "${t}"`).all() as object[]).map((r) => JSON.stringify(r)).sort(),
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// a small ledger: one patent per trigger kind

const T = an(1); // transfer at a month end (2024-11-30)
const T2 = an(2); // transfer on 2023-11-30 → due on a leap day
const L = an(3); // licence effective 2024-01-31
const I = an(4); // industrialization started 2024-08-01
const O = an(5); // open licence taken 2025-02-01

function ledger(): Log {
  const log = new Log();
  log.patent(f.inventoried({ applicationNumber: T, institutionId: 'tyut', occurredOn: '2024-03-15' }));
  log.patent(f.inventoried({ applicationNumber: T2, institutionId: 'sxu', occurredOn: '2023-06-01' }));
  log.patent(f.inventoried({ applicationNumber: L, institutionId: 'tyut', occurredOn: '2023-12-01' }));
  log.patent(f.inventoried({ applicationNumber: I, institutionId: 'nuc', occurredOn: '2024-03-15' }));
  log.patent(f.inventoried({ applicationNumber: O, institutionId: 'sxu', occurredOn: '2024-03-15' }));
  log.patent(
    f.transferred({ applicationNumber: T2, dealId: 'deal-t2', contractDate: '2023-11-30' }),
    f.licensed({
      applicationNumber: L,
      dealId: 'deal-l1',
      effectiveDate: '2024-01-31',
      endDate: '2026-01-30',
    }),
    f.industrialized({ applicationNumber: I, industrializationId: 'ind-1', startedOn: '2024-08-01' }),
    f.transferred({ applicationNumber: T, dealId: 'deal-t1', contractDate: '2024-11-30' }),
    f.openLicenseTaken({ applicationNumber: O, dealId: 'deal-o1', notifiedOn: '2025-02-01' }),
  );
  return log;
}

/** Fulfilments: on time, late and (for T2) never. */
function fulfil(log: Log): void {
  log.patent(
    f.licenseRecorded({ applicationNumber: L, dealId: 'deal-l1', recordedOn: '2024-04-10' }),
    f.transactionReported({ dealId: 'deal-l1' }, { applicationNumber: L, reportedOn: '2024-03-01' }),
    f.transactionReported(
      { industrializationId: 'ind-1' },
      { applicationNumber: I, reportedOn: '2024-08-20' },
    ),
    f.transactionReported({ dealId: 'deal-t1' }, { applicationNumber: T, reportedOn: '2025-01-05' }),
    f.transferRegistered({ applicationNumber: T, dealId: 'deal-t1', registeredOn: '2025-02-28' }),
    f.densityProductFiled({ applicationNumber: I, industrializationId: 'ind-1', filedOn: '2025-10-15' }),
  );
}

describe('obligations projection', () => {
  let rm: SqliteReadModels;
  afterEach(async () => rm?.close());

  // Corrected in issue 14: due dates end on a working day (细则 r.5), the open-licence taking opens a
  // platform report like any licence, and every obligation names who owes it.
  it('opens the obligations of each trigger with CNIPA r.5 due dates, moved off weekends and holidays', async () => {
    rm = await readModels();
    await rm.applyBatch('obligations', ledger().events);
    const items = await all(rm, { asOf: '2030-01-01' });
    const due = Object.fromEntries(items.map((i) => [i.id, i.dueDate]));
    expect(due).toEqual({
      // transfer-registration: contractDate + 3 months; 30 Nov → 28 Feb (common year), 29 Feb (leap year)
      [`transfer-registration:${T}:deal-t1`]: '2025-02-28',
      [`transfer-registration:${T2}:deal-t2`]: '2024-02-29',
      // transaction-report: trigger + 30 days
      [`transaction-report:${T}:deal-t1`]: '2024-12-30',
      // 2023-12-30 is a Saturday and 2024-01-01 New Year's Day (细则 r.5)
      [`transaction-report:${T2}:deal-t2`]: '2024-01-02',
      [`transaction-report:${L}:deal-l1`]: '2024-03-01',
      // 2024-08-31 is a Saturday
      [`transaction-report:${I}:ind-1`]: '2024-09-02',
      // 专利法 Art. 51 ¶1: an open-licence taking is a licence, reported like any (issue 14)
      [`transaction-report:${O}:deal-o1`]: '2025-03-03',
      // license-recordal: the contract's effective date (notifiedOn) + 3 months; 31 Jan → 30 Apr
      [`license-recordal:${L}:deal-l1`]: '2024-04-30',
      // 2025-05-01 is Labour Day (1–5 May) → 6 May
      [`license-recordal:${O}:deal-o1`]: '2025-05-06',
      // density-filing: 30 Sep of the year after startedOn
      [`density-filing:${I}:ind-1`]: '2025-09-30',
    });
    expect(await rm.tableCounts('obligations')).toEqual({
      obligations: 10,
      obligation_patents: 5,
      obligation_kpi_counters: 30,
    });
  });

  it('records kind, patent, institution, ref and the trigger of each obligation', async () => {
    rm = await readModels();
    const log = ledger();
    await rm.applyBatch('obligations', log.events);
    const items = byId(await all(rm, { asOf: '2030-01-01' }));
    const transferredAt = log.events.find(
      (e) => e.type === 'Transferred' && e.data.dealId === 'deal-t1',
    )!.position;
    expect(items[`transfer-registration:${T}:deal-t1`]).toEqual({
      id: `transfer-registration:${T}:deal-t1`,
      kind: 'transfer-registration',
      applicationNumber: T,
      institutionId: 'tyut',
      ref: 'deal-t1',
      trigger: { type: 'Transferred', date: '2024-11-30', position: transferredAt },
      dueDate: '2025-02-28',
      // the institution registers (and reports) the deal (issue 14 item 10)
      responsibleParty: { kind: 'institution', id: 'tyut' },
      status: 'overdue',
      daysOverdue: dayDiff('2025-02-28', '2030-01-01'),
    });
    expect(items[`license-recordal:${O}:deal-o1`]).toMatchObject({
      kind: 'license-recordal',
      institutionId: 'sxu',
      ref: 'deal-o1',
      trigger: { type: 'OpenLicenseTaken', date: '2025-02-01' },
    });
    expect(items[`density-filing:${I}:ind-1`]).toMatchObject({
      kind: 'density-filing',
      institutionId: 'nuc',
      ref: 'ind-1',
      trigger: { type: 'Industrialized', date: '2024-08-01' },
    });
  });

  it('closes obligations with their fulfilling events, on time or late', async () => {
    rm = await readModels();
    const log = ledger();
    fulfil(log);
    await rm.applyBatch('obligations', log.events);
    const items = byId(await all(rm, { asOf: '2030-01-01' }));
    const fulfilled = (id: string): Pick<ObligationItem, 'status' | 'fulfilledOn' | 'late'> => {
      const { status, fulfilledOn, late } = items[id]!;
      return {
        status,
        ...(fulfilledOn !== undefined ? { fulfilledOn } : {}),
        ...(late !== undefined ? { late } : {}),
      };
    };
    // registered on the due date itself: on time
    expect(fulfilled(`transfer-registration:${T}:deal-t1`)).toEqual({
      status: 'fulfilled',
      fulfilledOn: '2025-02-28',
      late: false,
    });
    expect(fulfilled(`transaction-report:${T}:deal-t1`)).toEqual({
      status: 'fulfilled',
      fulfilledOn: '2025-01-05',
      late: true,
    });
    expect(fulfilled(`license-recordal:${L}:deal-l1`)).toEqual({
      status: 'fulfilled',
      fulfilledOn: '2024-04-10',
      late: false,
    });
    expect(fulfilled(`transaction-report:${L}:deal-l1`)).toEqual({
      status: 'fulfilled',
      fulfilledOn: '2024-03-01',
      late: false,
    });
    expect(fulfilled(`transaction-report:${I}:ind-1`)).toEqual({
      status: 'fulfilled',
      fulfilledOn: '2024-08-20',
      late: false,
    });
    expect(fulfilled(`density-filing:${I}:ind-1`)).toEqual({
      status: 'fulfilled',
      fulfilledOn: '2025-10-15',
      late: true,
    });
    expect(fulfilled(`transfer-registration:${T2}:deal-t2`)).toEqual({ status: 'overdue' });
    expect(fulfilled(`license-recordal:${O}:deal-o1`)).toEqual({ status: 'overdue' });
    const row = rm.db
      .prepare(`SELECT late, fulfilled_by_type FROM obligations WHERE id = ?`)
      .get(`density-filing:${I}:ind-1`);
    expect(row).toEqual({ late: 1, fulfilled_by_type: 'DensityProductFiled' });
  });

  it('is not yet fulfilled as of a date before the fulfilment', async () => {
    rm = await readModels();
    const log = ledger();
    fulfil(log);
    await rm.applyBatch('obligations', log.events);
    const at = async (asOf: string): Promise<Record<string, ObligationItem>> =>
      byId(await all(rm, { asOf, applicationNumber: T }));
    const report = `transaction-report:${T}:deal-t1`;
    const registration = `transfer-registration:${T}:deal-t1`;
    // reported 2025-01-05, due 2024-12-30
    expect((await at('2025-01-04'))[report]).toEqual(
      expect.objectContaining({ status: 'overdue', daysOverdue: 5 }),
    );
    expect((await at('2025-01-04'))[report]!.fulfilledOn).toBeUndefined();
    expect((await at('2025-01-05'))[report]).toMatchObject({
      status: 'fulfilled',
      fulfilledOn: '2025-01-05',
      late: true,
    });
    // registered 2025-02-28, due 2025-02-28
    expect((await at('2025-02-27'))[registration]).toMatchObject({ status: 'open' });
    expect((await at('2025-02-27'))[registration]!.fulfilledOn).toBeUndefined();
    expect((await at('2025-02-27'))[registration]!.late).toBeUndefined();
    expect((await at('2025-02-28'))[registration]).toMatchObject({ status: 'fulfilled', late: false });
  });

  it('is open on its due date and overdue the day after', async () => {
    rm = await readModels();
    await rm.applyBatch('obligations', ledger().events);
    const id = `license-recordal:${L}:deal-l1`;
    const at = async (asOf: string): Promise<ObligationItem | undefined> =>
      byId(await all(rm, { asOf, kind: 'license-recordal' }))[id];
    expect(await at('2024-04-29')).toMatchObject({ status: 'open' });
    expect(await at('2024-04-30')).toMatchObject({ status: 'open' });
    expect((await at('2024-04-30'))!.daysOverdue).toBeUndefined();
    expect(await at('2024-05-01')).toMatchObject({ status: 'overdue', daysOverdue: 1 });
    expect(await at('2024-06-30')).toMatchObject({ status: 'overdue', daysOverdue: 61 });
  });

  it('does not show an obligation before its trigger date', async () => {
    rm = await readModels();
    await rm.applyBatch('obligations', ledger().events);
    expect(await all(rm, { asOf: '2024-11-29', applicationNumber: T })).toEqual([]);
    expect((await all(rm, { asOf: '2024-11-30', applicationNumber: T })).map((i) => i.kind).sort()).toEqual([
      'transaction-report',
      'transfer-registration',
    ]);
    expect((await queryObligations(rm.sql, { asOf: '2023-11-29' })).total).toBe(0);
    expect((await queryObligations(rm.sql, { asOf: '2023-11-30' })).total).toBe(2);
  });

  it('filters by status, kind, institution and patent in SQL', async () => {
    rm = await readModels();
    const log = ledger();
    fulfil(log);
    await rm.applyBatch('obligations', log.events);
    const asOf = '2025-03-15';
    const ids = async (q: Omit<ObligationQuery, 'asOf'>): Promise<string[]> =>
      (await all(rm, { asOf, ...q })).map((i) => i.id);
    expect(await ids({ status: 'fulfilled' })).toEqual([
      `transaction-report:${L}:deal-l1`,
      `license-recordal:${L}:deal-l1`,
      `transaction-report:${I}:ind-1`,
      `transaction-report:${T}:deal-t1`,
      `transfer-registration:${T}:deal-t1`,
    ]);
    expect(await ids({ status: 'overdue' })).toEqual([
      `transaction-report:${T2}:deal-t2`,
      `transfer-registration:${T2}:deal-t2`,
      `transaction-report:${O}:deal-o1`,
    ]);
    expect(await ids({ status: 'open' })).toEqual([
      `license-recordal:${O}:deal-o1`,
      `density-filing:${I}:ind-1`,
    ]);
    expect(await ids({ kind: 'transaction-report' })).toHaveLength(5);
    expect(await ids({ kind: 'transaction-report', status: 'overdue' })).toEqual([
      `transaction-report:${T2}:deal-t2`,
      `transaction-report:${O}:deal-o1`,
    ]);
    expect(await ids({ institutionId: 'sxu' })).toEqual([
      `transaction-report:${T2}:deal-t2`,
      `transfer-registration:${T2}:deal-t2`,
      `transaction-report:${O}:deal-o1`,
      `license-recordal:${O}:deal-o1`,
    ]);
    expect(await ids({ institutionId: 'tyut', status: 'fulfilled', kind: 'license-recordal' })).toEqual([
      `license-recordal:${L}:deal-l1`,
    ]);
    expect(await ids({ applicationNumber: I })).toEqual([
      `transaction-report:${I}:ind-1`,
      `density-filing:${I}:ind-1`,
    ]);
    expect((await queryObligations(rm.sql, { asOf, status: 'overdue' })).total).toBe(3);
  });

  it('keeps the obligations of a lapsed patent open and visible', async () => {
    rm = await readModels();
    const log = ledger();
    log.patent(f.lapsed({ applicationNumber: T2, effectiveOn: '2024-06-01' }));
    await rm.applyBatch('obligations', log.events);
    const before = await all(rm, { asOf: '2024-05-31', applicationNumber: T2 });
    expect(before.map((i) => [i.status, i.lapsedOn])).toEqual([
      ['overdue', undefined],
      ['overdue', undefined],
    ]);
    const after = await all(rm, { asOf: '2024-07-01', applicationNumber: T2 });
    expect(after.map((i) => [i.kind, i.status, i.lapsedOn])).toEqual([
      ['transaction-report', 'overdue', '2024-06-01'],
      ['transfer-registration', 'overdue', '2024-06-01'],
    ]);
    expect(
      (await all(rm, { asOf: '2024-07-01', status: 'overdue' })).map((i) => i.applicationNumber),
    ).toContain(T2);
    expect(rm.db.prepare('SELECT COUNT(*) AS n FROM obligations WHERE lapsed = 1').get()).toEqual({ n: 2 });
  });

  it('ignores a fulfilment whose obligation was never opened, and keeps the first fulfilment', async () => {
    rm = await readModels();
    const log = ledger();
    log.patent(
      f.transferRegistered({ applicationNumber: L, dealId: 'deal-ghost', registeredOn: '2024-05-01' }),
      f.densityProductFiled({
        applicationNumber: an(99),
        industrializationId: 'ind-x',
        filedOn: '2024-05-01',
      }),
      f.licenseRecorded({ applicationNumber: L, dealId: 'deal-l1', recordedOn: '2024-04-10' }),
      f.licenseRecorded({ applicationNumber: L, dealId: 'deal-l1', recordedOn: '2024-03-01' }),
    );
    await rm.applyBatch('obligations', log.events);
    expect((await rm.tableCounts('obligations')).obligations).toBe(10);
    expect(byId(await all(rm, { asOf: '2030-01-01' }))[`license-recordal:${L}:deal-l1`]).toMatchObject({
      status: 'fulfilled',
      fulfilledOn: '2024-04-10',
    });
  });

  it('pages through the ledger without loss or repeat, also while events arrive', async () => {
    rm = await readModels();
    const log = new Log();
    const numbers = Array.from({ length: 23 }, (_, i) => an(100 + i));
    for (const [i, n] of numbers.entries()) {
      log.patent(f.inventoried({ applicationNumber: n, institutionId: i % 2 ? 'tyut' : 'sxu' }));
      // several obligations share a due date, so the id breaks ties
      log.patent(
        f.transferred({ applicationNumber: n, dealId: `deal-${i}`, contractDate: `2024-0${1 + (i % 3)}-15` }),
      );
    }
    await rm.applyBatch('obligations', log.events);
    const everything = await queryObligations(rm.sql, { asOf: '2025-01-01', limit: 500 });
    expect(everything.total).toBe(46);
    expect(everything.nextCursor).toBeNull();

    const seen: ObligationItem[] = [];
    let page = await queryObligations(rm.sql, { asOf: '2025-01-01', limit: 7 });
    const firstPosition = page.asOfPosition;
    let pages = 1;
    seen.push(...page.items);
    // New obligations and a fulfilment arrive mid-traversal: the traversal keeps its snapshot.
    log.patent(
      f.transferred({ applicationNumber: numbers[0]!, dealId: 'deal-late', contractDate: '2024-01-01' }),
    );
    log.patent(
      f.transferRegistered({ applicationNumber: numbers[5]!, dealId: 'deal-5', registeredOn: '2024-04-01' }),
    );
    await rm.applyBatch('obligations', log.events);
    while (page.nextCursor) {
      page = await queryObligations(rm.sql, { asOf: '2025-01-01', limit: 7, cursor: page.nextCursor });
      expect(page.total).toBe(46);
      expect(page.asOfPosition).toBe(firstPosition);
      seen.push(...page.items);
      pages++;
    }
    expect(pages).toBe(7);
    expect(seen.map((i) => i.id)).toEqual(everything.items.map((i) => i.id));
    expect(new Set(seen.map((i) => i.id)).size).toBe(46);
    expect(seen.every((i) => i.status === 'overdue')).toBe(true);
    const sorted = [...seen].sort((a, b) =>
      a.dueDate === b.dueDate ? (a.id < b.id ? -1 : 1) : a.dueDate < b.dueDate ? -1 : 1,
    );
    expect(seen).toEqual(sorted);

    // A new traversal sees the new events.
    const fresh = await queryObligations(rm.sql, { asOf: '2025-01-01', limit: 500 });
    expect(fresh.total).toBe(48);
    expect(fresh.items.find((i) => i.id === `transfer-registration:${numbers[5]}:deal-5`)).toMatchObject({
      status: 'fulfilled',
    });
  });

  it('rejects bad parameters and foreign or tampered cursors', async () => {
    rm = await readModels();
    const log = ledger();
    await rm.applyBatch('obligations', log.events);
    const page = await queryObligations(rm.sql, { asOf: '2030-01-01', limit: 2 });
    expect(page.nextCursor).not.toBeNull();
    await expect(
      queryObligations(rm.sql, { asOf: '2030-01-02', limit: 2, cursor: page.nextCursor! }),
    ).rejects.toThrow(expect.objectContaining({ code: 'QUERY.CURSOR_MISMATCH' }));
    await expect(
      queryObligations(rm.sql, { asOf: '2030-01-01', cursor: 'bm90LWEtY3Vyc29y' }),
    ).rejects.toThrow(InvalidCursorError);
    await expect(queryObligations(rm.sql, { asOf: '2024-02-30' })).rejects.toThrow(QueryError);
    await expect(queryObligations(rm.sql, { asOf: '2030-01-01', status: 'late' as never })).rejects.toThrow(
      expect.objectContaining({ field: 'status' }),
    );
    await expect(queryObligations(rm.sql, { asOf: '2030-01-01', kind: 'tax' as never })).rejects.toThrow(
      expect.objectContaining({ field: 'kind' }),
    );
  });

  it('uses the index matching each filter', async () => {
    rm = await readModels();
    const plan = (where: string): string =>
      (
        rm.db
          .prepare(
            `EXPLAIN QUERY PLAN SELECT id FROM obligations WHERE ${where} ORDER BY due_date, id LIMIT 10`,
          )
          .all() as {
          detail: string;
        }[]
      )
        .map((r) => r.detail)
        .join('; ');
    expect(plan(`institution_id = 'tyut' AND trigger_date <= '2025-01-01'`)).toContain(
      'obligations_institution',
    );
    expect(plan(`kind = 'density-filing' AND trigger_date <= '2025-01-01'`)).toContain('obligations_kind');
    expect(plan(`application_number = 'x' AND trigger_date <= '2025-01-01'`)).toContain('obligations_patent');
    expect(plan(`due_date < '2025-01-01' AND trigger_date <= '2025-01-01'`)).toContain('obligations_due');
    expect(plan(`trigger_date <= '2025-01-01'`)).not.toContain('TEMP B-TREE');
  });
});

describe('obligations policy', () => {
  const LONGER: ObligationPolicy = {
    transferRegistrationMonths: 6,
    licenseRecordalMonths: 1,
    transactionReportDays: 10,
    densityFiling: { yearsAfter: 1, month: 2, day: 29 },
  };

  it('is encoded in the version, independently of key order', async () => {
    const a = obligationsProjection(DEFAULT_OBLIGATION_POLICY);
    const b = obligationsProjection(LONGER);
    expect(a.version).not.toBe(b.version);
    const reordered = obligationsProjection({
      densityFiling: { day: 30, month: 9, yearsAfter: 1 },
      transactionReportDays: 30,
      licenseRecordalMonths: 3,
      transferRegistrationMonths: 3,
    });
    expect(reordered.version).toBe(a.version);
  });

  it('computes density due dates, clamping 29 Feb in common years', async () => {
    expect(densityFilingDue('2024-08-01', DEFAULT_OBLIGATION_POLICY)).toBe('2025-09-30');
    expect(densityFilingDue('2023-01-01', LONGER)).toBe('2024-02-29');
    expect(densityFilingDue('2024-01-01', LONGER)).toBe('2025-02-28');
  });

  it('rejects an invalid policy', async () => {
    expect(() => obligationsProjection({ ...DEFAULT_OBLIGATION_POLICY, licenseRecordalMonths: 1.5 })).toThrow(
      /licenseRecordalMonths/,
    );
  });

  it('rebuilds with new due dates when the policy changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'obligations-'));
    const file = join(dir, 'read-models.db');
    const store = new MemoryEventStore();
    const log = ledger();
    for (const e of log.events) {
      await store.append(e.streamName, [{ type: e.type, data: e.data, metadata: e.metadata }], {
        expectedVersion: 'any',
      });
    }
    try {
      const first = SqliteReadModels.open(file, [obligationsProjection(DEFAULT_OBLIGATION_POLICY)]);
      await first.init();
      await first.applyBatch('obligations', log.events);
      expect(
        byId(await all(first, { asOf: '2030-01-01' }))[`transfer-registration:${T}:deal-t1`]!.dueDate,
      ).toBe('2025-02-28');
      await first.close();

      const second = SqliteReadModels.open(file, [obligationsProjection(LONGER)]);
      await expect(second.init()).rejects.toThrow(/needs a rebuild/);
      await second.init(store);
      const items = byId(await all(second, { asOf: '2030-01-01' }));
      expect(items[`transfer-registration:${T}:deal-t1`]!.dueDate).toBe('2025-05-30');
      expect(items[`license-recordal:${L}:deal-l1`]!.dueDate).toBe('2024-02-29');
      // 2024-08-11 is a Sunday (细则 r.5)
      expect(items[`transaction-report:${I}:ind-1`]!.dueDate).toBe('2024-08-12');
      expect(items[`density-filing:${I}:ind-1`]!.dueDate).toBe('2025-02-28');
      expect(second.checkpointSync('obligations')).toBe(log.events.length);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('obligations rebuild', () => {
  it('gives the same tables as incremental application', async () => {
    const log = ledger();
    fulfil(log);
    log.patent(f.lapsed({ applicationNumber: T2, effectiveOn: '2024-06-01' }));
    log.add('institution-tyut', f.institutionRegistered());
    const store = new MemoryEventStore();
    for (const e of log.events) {
      await store.append(e.streamName, [{ type: e.type, data: e.data, metadata: e.metadata }], {
        expectedVersion: 'any',
      });
    }
    const projection = obligationsProjection(DEFAULT_OBLIGATION_POLICY);

    const incremental = SqliteReadModels.open(':memory:', [projection]);
    await incremental.init();
    // in several batches, as the projector would
    for (let i = 0; i < log.events.length; i += 4)
      await incremental.applyBatch('obligations', log.events.slice(0, i + 4));

    const rebuilt = SqliteReadModels.open(':memory:', [projection], { rebuildBatchSize: 3 });
    await rebuilt.init();
    await rebuilt.applyBatch('obligations', log.events.slice(0, 5)); // stale contents, replaced by the rebuild
    expect(await rebuilt.rebuild('obligations', store)).toEqual({
      position: log.events.length,
      events: log.events.length,
    });

    expect(tableRows(rebuilt, projection.tables)).toEqual(tableRows(incremental, projection.tables));
    expect(rebuilt.checkpointSync('obligations')).toBe(incremental.checkpointSync('obligations'));
    expect(await all(rebuilt, { asOf: '2025-03-15' })).toEqual(
      await all(incremental, { asOf: '2025-03-15' }),
    );
    await incremental.close();
    await rebuilt.close();
  });
});

function dayDiff(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
}

// ---------------------------------------------------------------------------------------------
// issue 14: annuities, deals that end, who owes what, working days

let rm: SqliteReadModels;
afterEach(async () => rm?.close());

describe('obligations: annuities (细则 r.98–100)', () => {
  const A = an(50); // filed 2017-07-21, granted 2020-03-10; year 8 runs 2024-07-21 – 2025-07-20
  const paidThrough7 = () =>
    f.inventoried({ applicationNumber: A, institutionId: 'tyut', annuitiesPaidThrough: 7 });
  const paid = (year: number, paidOn: string, surchargePercent = 0) =>
    f.annuityPaid({ applicationNumber: A, year, paidOn, surchargePercent });

  it('细则 r.98 with r.5: the next unpaid annuity appears, due on the anniversary moved to a working day, owed by the holder', async () => {
    rm = await readModels();
    const log = new Log();
    log.patent(paidThrough7());
    await rm.applyBatch('obligations', log.events);
    const [item] = await all(rm, { asOf: '2024-07-22', applicationNumber: A });
    expect(item).toEqual({
      id: `annuity:${A}:year-8`,
      kind: 'annuity',
      applicationNumber: A,
      institutionId: 'tyut',
      ref: 'year-8',
      trigger: { type: 'PatentInventoried', date: '2024-03-15', position: 1 },
      // 2024-07-21 is a Sunday
      dueDate: '2024-07-22',
      responsibleParty: { kind: 'institution', id: 'tyut' },
      graceEnd: '2025-01-21',
      status: 'open',
    });
  });

  it('细则 r.98–100: unpaid, it is overdue in the grace period, and after it the patent has lapsed with the last paid year', async () => {
    rm = await readModels();
    const log = new Log();
    log.patent(paidThrough7());
    await rm.applyBatch('obligations', log.events);
    const at = async (asOf: string) => (await all(rm, { asOf, kind: 'annuity' }))[0];
    expect(await at('2025-01-21')).toMatchObject({ status: 'overdue', daysOverdue: 183 });
    expect((await at('2025-01-21'))?.lapsedOn).toBeUndefined();
    // the right ended from the due date: 2024-07-20 was the last day in force
    expect(await at('2025-01-22')).toMatchObject({ status: 'overdue', lapsedOn: '2024-07-21' });
  });

  it('细则 r.98–100: a payment fulfils it (late within the grace period) and opens the next year', async () => {
    rm = await readModels();
    const log = new Log();
    log.patent(paidThrough7(), paid(8, '2024-12-24', 25));
    await rm.applyBatch('obligations', log.events);
    const items = byId(await all(rm, { asOf: '2025-06-01', kind: 'annuity' }));
    expect(items[`annuity:${A}:year-8`]).toMatchObject({
      status: 'fulfilled',
      fulfilledOn: '2024-12-24',
      late: true,
    });
    expect(items[`annuity:${A}:year-9`]).toMatchObject({
      status: 'open',
      trigger: { type: 'AnnuityPaid', date: '2024-12-24' },
      dueDate: '2025-07-21',
      graceEnd: '2026-01-21',
    });
  });

  it('no annuity after the last year of the term; none for a patent the ledger is not told about', async () => {
    rm = await readModels();
    const log = new Log();
    log.patent(paidThrough7(), paid(8, '2024-07-01'));
    for (let y = 9; y <= 20; y++) log.patent(paid(y, '2025-05-01'));
    log.patent(f.inventoried({ applicationNumber: an(51) }));
    await rm.applyBatch('obligations', log.events);
    const items = await all(rm, { asOf: '2040-01-01', kind: 'annuity' });
    expect(items.map((i) => i.ref)).toEqual(Array.from({ length: 13 }, (_, i) => `year-${i + 8}`));
    expect(items.every((i) => i.status === 'fulfilled')).toBe(true);
  });

  it('the holder owes it: after a registered transfer the open annuity moves to the assignee, and so do later ones', async () => {
    rm = await readModels();
    const log = new Log();
    log.patent(
      paidThrough7(),
      f.transferred({ applicationNumber: A, assigneeId: f.ENT_A.id, contractDate: '2024-06-01' }),
      f.transferRegistered({ applicationNumber: A, registeredOn: '2024-07-01' }),
    );
    // in two batches: the move happens whether the annuity row is older than the batch or not
    await rm.applyBatch('obligations', log.events.slice(0, 2));
    await rm.applyBatch('obligations', log.events);
    log.patent(paid(8, '2024-07-22'));
    await rm.applyBatch('obligations', log.events);
    const items = byId(await all(rm, { asOf: '2025-01-01', kind: 'annuity' }));
    expect(items[`annuity:${A}:year-8`]?.responsibleParty).toEqual({ kind: 'enterprise', id: f.ENT_A.id });
    expect(items[`annuity:${A}:year-9`]?.responsibleParty).toEqual({ kind: 'enterprise', id: f.ENT_A.id });
    expect((await all(rm, { asOf: '2025-01-01', responsibleParty: f.ENT_A.id })).map((i) => i.ref)).toEqual([
      'year-8',
      'year-9',
    ]);
  });

  it('a recorded lapse (abandonment) cancels the annuity of a year from the lapse on', async () => {
    rm = await readModels();
    const log = new Log();
    log.patent(
      paidThrough7(),
      f.lapsed({ applicationNumber: A, reason: 'abandoned', effectiveOn: '2024-06-01' }),
    );
    await rm.applyBatch('obligations', log.events);
    expect((await all(rm, { asOf: '2024-08-01', kind: 'annuity' }))[0]).toMatchObject({
      status: 'cancelled',
      cancelledOn: '2024-06-01',
      lapsedOn: '2024-06-01',
    });
  });
});

describe('obligations: deals that end (民法典 Art. 557, 562)', () => {
  it('民法典 Art. 557: the obligations of a cancelled transfer close as cancelled, not overdue for ever', async () => {
    rm = await readModels();
    const log = ledger();
    log.patent(f.dealEnded({ applicationNumber: T2, dealId: 'deal-t2', endedOn: '2024-01-15' }));
    await rm.applyBatch('obligations', log.events);
    const at = async (asOf: string) =>
      (await all(rm, { asOf, applicationNumber: T2 })).map((i) => [i.kind, i.status, i.cancelledOn]);
    expect(await at('2024-01-14')).toEqual([
      ['transaction-report', 'overdue', undefined],
      ['transfer-registration', 'open', undefined],
    ]);
    expect(await at('2030-01-01')).toEqual([
      ['transaction-report', 'cancelled', '2024-01-15'],
      ['transfer-registration', 'cancelled', '2024-01-15'],
    ]);
    expect(
      (await all(rm, { asOf: '2030-01-01', status: 'cancelled' })).map((i) => i.applicationNumber),
    ).toEqual([T2, T2]);
    expect(
      (await all(rm, { asOf: '2030-01-01', status: 'overdue' })).map((i) => i.applicationNumber),
    ).not.toContain(T2);
  });

  it('a fulfilment dated before the end, entered after it, wins over the cancellation', async () => {
    rm = await readModels();
    const log = ledger();
    log.patent(
      f.dealEnded({ applicationNumber: L, dealId: 'deal-l1', ending: 'terminated', endedOn: '2024-04-01' }),
      f.licenseRecorded({ applicationNumber: L, dealId: 'deal-l1', recordedOn: '2024-03-20' }),
    );
    await rm.applyBatch('obligations', log.events);
    const items = byId(await all(rm, { asOf: '2030-01-01', applicationNumber: L }));
    expect(items[`license-recordal:${L}:deal-l1`]).toMatchObject({
      status: 'fulfilled',
      fulfilledOn: '2024-03-20',
    });
    expect(items[`transaction-report:${L}:deal-l1`]).toMatchObject({
      status: 'cancelled',
      cancelledOn: '2024-04-01',
    });
  });
});

describe('obligations: facts dated before a lapse close them (domain.md §4)', () => {
  it('a recordal dated before the lapse, entered after it, fulfils the recordal', async () => {
    rm = await readModels();
    const log = ledger();
    log.patent(
      f.lapsed({ applicationNumber: L, effectiveOn: '2024-04-01' }),
      f.licenseRecorded({ applicationNumber: L, dealId: 'deal-l1', recordedOn: '2024-03-28' }),
    );
    await rm.applyBatch('obligations', log.events);
    expect(byId(await all(rm, { asOf: '2030-01-01' }))[`license-recordal:${L}:deal-l1`]).toMatchObject({
      status: 'fulfilled',
      fulfilledOn: '2024-03-28',
      lapsedOn: '2024-04-01',
    });
  });
});

describe('obligations: who owes each (responsible party) and a filter per party', () => {
  it('the institution registers, records and reports; the industrializing enterprise files the patent-intensive product', async () => {
    rm = await readModels();
    await rm.applyBatch('obligations', ledger().events);
    const items = await all(rm, { asOf: '2030-01-01' });
    for (const i of items) {
      expect([i.id, i.responsibleParty]).toEqual([
        i.id,
        i.kind === 'density-filing'
          ? { kind: 'enterprise', id: f.ENT_B.id }
          : { kind: 'institution', id: i.institutionId },
      ]);
    }
    expect((await all(rm, { asOf: '2030-01-01', responsibleParty: f.ENT_B.id })).map((i) => i.id)).toEqual([
      `density-filing:${I}:ind-1`,
    ]);
    expect((await all(rm, { asOf: '2030-01-01', responsibleParty: 'nuc' })).map((i) => i.id)).toEqual([
      `transaction-report:${I}:ind-1`,
    ]);
  });

  it('a self-implementing institution files its own product', async () => {
    rm = await readModels();
    const log = new Log();
    const S = an(60);
    log.patent(
      f.inventoried({ applicationNumber: S, institutionId: 'tyut' }),
      f.industrialized({
        applicationNumber: S,
        enterpriseId: 'tyut',
        basis: { kind: 'self-implementation' },
      }),
    );
    await rm.applyBatch('obligations', log.events);
    expect((await all(rm, { asOf: '2030-01-01', kind: 'density-filing' }))[0]?.responsibleParty).toEqual({
      kind: 'institution',
      id: 'tyut',
    });
  });
});

describe('obligations: a due date in a year the holiday calendar does not cover yet', () => {
  it('is the nominal day, marked provisional', async () => {
    rm = await readModels();
    const log = new Log();
    const P = an(70);
    const year = CALENDAR_COVERAGE.to;
    log.patent(
      f.inventoried({ applicationNumber: P }),
      f.licensed({
        applicationNumber: P,
        contractDate: `${year}-12-10`,
        effectiveDate: `${year}-12-10`,
        endDate: `${year + 2}-12-31`,
      }),
    );
    await rm.applyBatch('obligations', log.events);
    const recordal = byId(await all(rm, { asOf: `${year + 1}-06-01` }))[`license-recordal:${P}:deal-l1`];
    expect(recordal).toMatchObject({ dueDate: `${year + 1}-03-10`, dueDateProvisional: true });
  });
});
