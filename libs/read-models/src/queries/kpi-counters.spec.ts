import { applyProvince, generateProvince } from '@patent-ledger/bulk';
import { MemoryEventStore, type StoredEvent } from '@patent-ledger/eventsourcing';
import { DEFAULT_OBLIGATION_POLICY } from '../policy';
import { auditProjection } from '../projections/audit';
import { obligationsProjection } from '../projections/obligations';
import { progressProjection } from '../projections/progress';
import type { SqliteReadModels } from '../sqlite-read-models';
import { applicationNumber, Ledger, openReadModels, project } from '../testing/fixtures';
import { queryKpis, type KpiQuery, type KpiReport } from './kpis';
import { queryObligations } from './obligations';

// GET /kpis without knownAt sums the projections' counters (kpi-counters.ts); with knownAt it counts
// the fact rows. A knownAt after every event must give the same figures: the counters were kept.

const projections = () => [
  progressProjection,
  obligationsProjection(DEFAULT_OBLIGATION_POLICY),
  auditProjection,
];
const EVERYTHING = '9999-12-31T23:59:59.999Z';

/** The report from the counters, and the same from the fact rows. */
async function both(rm: SqliteReadModels, q: KpiQuery): Promise<[KpiReport, KpiReport]> {
  const counted = await queryKpis(rm.sql, q);
  const { knownAt: _k, ...rows } = await queryKpis(rm.sql, { ...q, knownAt: EVERYTHING });
  return [counted, rows];
}

/** Every row of the counter tables, in key order. */
function counterRows(rm: SqliteReadModels): Record<string, unknown[]> {
  return Object.fromEntries(
    ['progress_kpi_counters', 'progress_kpi_days', 'obligation_kpi_counters'].map((t) => [
      t,
      rm.db.prepare(`SELECT * FROM "${t}" ORDER BY 1, 2, 3`).all(),
    ]),
  );
}

describe('KPI counters: two institutions, events one batch each, as of each boundary', () => {
  const A = applicationNumber(1); // tyut
  const B = applicationNumber(2); // sxu
  const C = applicationNumber(3); // sxu, tagged out of date order
  const D = applicationNumber(4); // tyut, an equity contribution
  let rm: SqliteReadModels;
  beforeAll(async () => {
    // Given two institutions and four patents whose facts fall on both sides of day and month boundaries
    const ledger = new Ledger();
    await ledger.registerInstitution('tyut', { milestoneGroup: 'tyut', stockPatentCount: 100 });
    await ledger.registerInstitution('sxu', {
      milestoneGroup: 'key4',
      stockPatentCount: 50,
      department: 'education',
    });
    await ledger.inventory(A, { occurredOn: '2024-03-10' });
    await ledger.admit(A, { occurredOn: '2024-03-20' });
    await ledger.evaluate(A, 'ev-a', 'ent-a', 4, { occurredOn: '2024-03-25' });
    await ledger.inventory(B, { institutionId: 'sxu', occurredOn: '2024-03-31' });
    await ledger.admit(B, { occurredOn: '2024-04-01' });
    await ledger.inventory(C, { institutionId: 'sxu', occurredOn: '2024-04-01' });
    await ledger.transfer(A, 'tr-a', 'ent-d', { contractDate: '2024-04-05', price: '100000.00' });
    await ledger.license(B, 'lic-b', 'ent-c', 'ordinary', { effectiveDate: '2024-04-10' });
    // C: declined on 15 April, then admitted with an earlier date (10 April), recorded later
    await ledger.decline(C, { occurredOn: '2024-04-15' });
    await ledger.admit(C, { occurredOn: '2024-04-10' });
    await ledger.decline(B, { occurredOn: '2024-04-20' });
    await ledger.inventory(D, { occurredOn: '2024-03-10' });
    await ledger.patent(D, 'RecordEquityContribution', {
      dealId: 'eq-d',
      companyId: 'co-d',
      companyName: '山西新材料有限公司',
      contractDate: '2024-05-06',
      valuation: '2000000.00',
    });
    // A's registration comes after its due date (3 months from 5 April): late
    await ledger.registerTransfer(A, 'tr-a', { registeredOn: '2024-07-20' });
    // When each event is projected in a batch of its own
    rm = await openReadModels(':memory:', projections());
    await project(ledger.store, rm, { batchSize: 1 });
  });
  afterAll(() => rm.close());

  const kpis = (asOf: string, q: Omit<KpiQuery, 'asOf'> = {}) => queryKpis(rm.sql, { asOf, ...q });
  const by = (r: KpiReport, id: string) => r.byInstitution.find((i) => i.institutionId === id)!;

  it('count inventories from their day on, per institution', async () => {
    expect((await kpis('2024-03-09')).inventoried).toBe(0);
    const first = await kpis('2024-03-10');
    expect([first.inventoried, by(first, 'tyut').inventoried, by(first, 'sxu').inventoried]).toEqual([
      2, 2, 0,
    ]);
    expect((await kpis('2024-03-30')).inventoried).toBe(2);
    // the last day of March (the day rows of the month) and the first of April (March's month row)
    const end = await kpis('2024-03-31');
    expect([end.inventoried, by(end, 'sxu').inventoried]).toEqual([3, 1]);
    expect((await kpis('2024-04-01')).inventoried).toBe(4);
    expect((await kpis('2025-01-01')).inventoried).toBe(4);
    expect((await kpis('2024-04-01')).stockPatentCount).toBe(150);
  });

  it('count the pool by the latest tag on each day, also when a tag comes out of date order', async () => {
    const pool = async (asOf: string) => {
      const r = await kpis(asOf);
      return [r.poolPatents, by(r, 'tyut').poolPatents, by(r, 'sxu').poolPatents];
    };
    expect(await pool('2024-03-19')).toEqual([0, 0, 0]);
    expect(await pool('2024-03-20')).toEqual([1, 1, 0]);
    expect(await pool('2024-04-01')).toEqual([2, 1, 1]);
    expect(await pool('2024-04-09')).toEqual([2, 1, 1]);
    expect(await pool('2024-04-10')).toEqual([3, 1, 2]);
    expect(await pool('2024-04-14')).toEqual([3, 1, 2]);
    expect(await pool('2024-04-15')).toEqual([2, 1, 1]);
    expect(await pool('2024-04-20')).toEqual([1, 1, 0]);
    expect((await kpis('2024-03-24')).evaluatedPoolPatents).toBe(0);
    expect((await kpis('2024-03-25')).evaluatedPoolPatents).toBe(1);
  });

  it('count deals, their value, implementation and the median from the contract dates', async () => {
    const before = await kpis('2024-04-04');
    expect([before.deals.transfer.count, before.implemented, before.medianDaysAdmissionToFirstDeal]).toEqual([
      0,
      0,
      null,
    ]);
    const transfer = await kpis('2024-04-05');
    expect(transfer.deals.transfer).toEqual({ count: 1, contractValue: '100000.00' });
    expect([transfer.implemented, transfer.medianDaysAdmissionToFirstDeal]).toEqual([1, 16]);
    const license = await kpis('2024-04-10');
    expect([license.deals.license.count, by(license, 'sxu').implemented, license.implemented]).toEqual([
      1, 1, 2,
    ]);
    // A 16 days, B 9 days (1 → 10 April)
    expect(license.medianDaysAdmissionToFirstDeal).toBe(12.5);
    expect(by(license, 'sxu').medianDaysAdmissionToFirstDeal).toBe(9);
    // an equity contribution is a deal kind of its own, and puts the patent to use (促进科技成果转化法 Art. 16)
    expect((await kpis('2024-05-05')).deals.equityContribution).toEqual({ count: 0, contractValue: '0.00' });
    const equity = await kpis('2024-05-06');
    expect(equity.deals.equityContribution).toEqual({ count: 1, contractValue: '2000000.00' });
    expect(equity.implemented).toBe(3);
  });

  it('count obligations open, overdue and late as their dates pass', async () => {
    const registration = (
      await queryObligations(rm.sql, { asOf: '2024-07-01', kind: 'transfer-registration' })
    ).items.find((o) => o.applicationNumber === A)!;
    const due = registration.dueDate;
    const after = new Date(Date.parse(`${due}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect((await kpis('2024-04-04')).obligations.open).toBe(0);
    expect(by(await kpis('2024-04-05'), 'tyut').obligations).toMatchObject({ open: 2, overdue: 0 });
    const onDue = by(await kpis(due), 'tyut').obligations;
    const dayAfter = by(await kpis(after), 'tyut').obligations;
    expect(dayAfter.overdue - onDue.overdue).toBe(1);
    expect(onDue.open - dayAfter.open).toBe(1);
    expect((await kpis('2024-07-19')).obligations.late).toBe(0);
    expect((await kpis('2024-07-20')).obligations.late).toBe(1);
  });

  it('give the same figures as the fact rows on every day, filtered or not, and in the monthly series', async () => {
    for (let t = Date.parse('2024-02-28'); t <= Date.parse('2024-08-31'); t += 86_400_000) {
      const asOf = new Date(t).toISOString().slice(0, 10);
      const [counted, rows] = await both(rm, { asOf });
      expect(counted).toEqual(rows);
    }
    for (const q of [{ institutionId: 'sxu' }, { department: 'education' }, { province: '山西' }])
      for (const asOf of ['2024-03-31', '2024-04-14', '2024-07-20']) {
        const [counted, rows] = await both(rm, { asOf, ...q });
        expect(counted).toEqual(rows);
      }
    const [counted, rows] = await both(rm, { asOf: '2024-08-15', series: 'monthly', from: '2024-02-01' });
    expect(counted.series!.map((p) => p.asOf)).toEqual([
      '2024-02-29',
      '2024-03-31',
      '2024-04-30',
      '2024-05-31',
      '2024-06-30',
      '2024-07-31',
      '2024-08-15',
    ]);
    expect(counted).toEqual(rows);
  });
});

describe('KPI counters on a generated province applied in batches of any size', () => {
  let events: StoredEvent[];
  let whole: SqliteReadModels;
  let split: SqliteReadModels;
  beforeAll(async () => {
    const province = generateProvince({ patents: 400, institutions: 6, seed: 31 });
    const store = new MemoryEventStore();
    let tick = Date.parse('2026-01-01T00:00:00Z');
    expect(
      (await applyProvince(store, province, { clock: () => new Date((tick += 1000)).toISOString() }))
        .errorCount,
    ).toBe(0);
    events = await store.readAll({ limit: 1_000_000 });
    whole = await openReadModels(':memory:', projections());
    split = await openReadModels(':memory:', projections());
    for (const name of ['progress', 'obligations', 'audit']) {
      await whole.applyBatch(name, events);
      // batches of 1, 2, 3, … 37, 1, 2, …
      for (let at = 0, size = 1; at < events.length; at += size, size = (size % 37) + 1)
        await split.applyBatch(name, events.slice(at, at + size));
    }
  }, 60_000);
  afterAll(async () => {
    await whole.close();
    await split.close();
  });

  it('leave the same counter rows as one batch', () => {
    const rows = counterRows(whole);
    expect(rows['progress_kpi_counters']!.length).toBeGreaterThan(100);
    expect(rows['progress_kpi_days']!.length).toBeGreaterThan(0);
    expect(rows['obligation_kpi_counters']!.length).toBeGreaterThan(100);
    expect(counterRows(split)).toEqual(rows);
  });

  it('give the figures of the fact rows at month ends, first days and mid-month', async () => {
    const someone = events.find((e) => e.type === 'InstitutionRegistered')!.data as { institutionId: string };
    for (const asOf of [
      '2024-02-29',
      '2024-03-01',
      '2024-03-31',
      '2024-06-15',
      '2024-12-31',
      '2025-01-01',
      '2025-07-19',
      '2026-12-31',
    ]) {
      const [counted, rows] = await both(split, { asOf });
      expect(counted).toEqual(rows);
      const [one, oneRows] = await both(split, { asOf, institutionId: someone.institutionId });
      expect(one).toEqual(oneRows);
    }
    const [counted, rows] = await both(split, { asOf: '2025-11-20', series: 'monthly', from: '2024-01-01' });
    expect(counted.series).toHaveLength(23);
    expect(counted).toEqual(rows);
    // something to compare: every figure moved
    const end = counted.series![counted.series!.length - 1]!;
    expect(
      end.poolPatents * end.deals.transfer.count * end.obligations.overdue * end.obligations.onTime,
    ).toBeGreaterThan(0);
  });
});
