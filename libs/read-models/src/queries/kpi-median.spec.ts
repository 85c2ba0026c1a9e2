import { Client } from 'pg';
import { Projector } from '@patent-ledger/eventsourcing';
import { PG_TEST_URL, postgresUnavailable } from '../../../../test/support/postgres';
import { DEFAULT_OBLIGATION_POLICY } from '../policy';
import { PostgresReadModels } from '../postgres-read-models';
import { auditProjection } from '../projections/audit';
import { obligationsProjection } from '../projections/obligations';
import { progressProjection } from '../projections/progress';
import type { SqliteReadModels } from '../sqlite-read-models';
import { applicationNumber, Ledger, openReadModels, project } from '../testing/fixtures';
import { median, queryKpis, type KpiReport } from './kpis';

// The median days from pool admission to first deal, from the per-institution monthly histograms
// (kpi-counters.ts FirstDeals), against a recount from the fact rows: first deals recorded out of date
// order (a later month's histograms must follow), an admission backdated, a first deal taken back by
// an earlier deal before the admission, a cancelled contract (still a deal signed), deals on both
// sides of month ends, and as-of dates inside a month.

const projections = () => [
  progressProjection,
  obligationsProjection(DEFAULT_OBLIGATION_POLICY),
  auditProjection,
];

const dayNumber = (d: string): number => Date.parse(`${d}T00:00:00Z`) / 86_400_000;

/** The median as of `asOf` counted from progress_patents, progress_intents and progress_deals (null: none). */
function recount(rm: SqliteReadModels, asOf: string, institutionId?: string): number | null {
  const patents = rm.db
    .prepare('SELECT application_number AS an, institution_id AS inst FROM progress_patents')
    .all() as { an: string; inst: string }[];
  const days: number[] = [];
  for (const p of patents) {
    if (institutionId !== undefined && p.inst !== institutionId) continue;
    const admitted = (
      rm.db
        .prepare(
          'SELECT MIN(occurred_on) AS d FROM progress_intents WHERE application_number = ? AND admitted = 1 AND occurred_on <= ?',
        )
        .get(p.an, asOf) as { d: string | null }
    ).d;
    const first = (
      rm.db
        .prepare(
          `SELECT MIN(occurred_on) AS d FROM progress_deals WHERE application_number = ?
             AND kind IN ('transfer', 'license', 'open-license', 'equity-contribution') AND occurred_on <= ?`,
        )
        .get(p.an, asOf) as { d: string | null }
    ).d;
    if (admitted !== null && first !== null && first >= admitted)
      days.push(dayNumber(first) - dayNumber(admitted));
  }
  return median(days);
}

const days = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
};

/** Two institutions, eight first deals, and the late records that change them. */
async function scenario(): Promise<Ledger> {
  const P = (n: number) => applicationNumber(n);
  const ledger = new Ledger();
  await ledger.registerInstitution('tyut', { stockPatentCount: 100 });
  await ledger.registerInstitution('sxu', { stockPatentCount: 50, department: 'education' });
  for (const [n, institutionId] of [
    [1, 'tyut'],
    [2, 'tyut'],
    [3, 'sxu'],
    [4, 'tyut'],
    [5, 'sxu'],
    [6, 'tyut'],
    [7, 'sxu'],
    [8, 'tyut'],
  ] as const)
    await ledger.inventory(P(n), { institutionId, occurredOn: '2024-01-05' });
  // 1: on the last day of January, 21 days; 2: on the first of February, 1 day
  await ledger.admit(P(1), { occurredOn: '2024-01-10' });
  await ledger.transfer(P(1), 'tr-1', 'ent-a', { contractDate: '2024-01-31' });
  await ledger.admit(P(2), { occurredOn: '2024-01-31' });
  await ledger.license(P(2), 'lic-2', 'ent-b', 'ordinary', { effectiveDate: '2024-02-01' });
  // 3: 80 days, at the end of April
  await ledger.admit(P(3), { occurredOn: '2024-02-10' });
  await ledger.license(P(3), 'lic-3', 'ent-c', 'ordinary', { effectiveDate: '2024-04-30' });
  // 4: a transfer in May (104 days), then a licence recorded later but dated 1 March (29 days)
  await ledger.admit(P(4), { occurredOn: '2024-02-01' });
  await ledger.transfer(P(4), 'tr-4', 'ent-d', { contractDate: '2024-05-15' });
  // 5: admitted 5 March, a licence on 20 March (15 days); then an admission backdated to 25 February (24 days)
  await ledger.admit(P(5), { occurredOn: '2024-03-05' });
  await ledger.license(P(5), 'lic-5', 'ent-e', 'ordinary', { effectiveDate: '2024-03-20' });
  // 6: a transfer on 1 April (31 days), taken back by a licence dated before its admission
  await ledger.admit(P(6), { occurredOn: '2024-03-01' });
  await ledger.transfer(P(6), 'tr-6', 'ent-f', { contractDate: '2024-04-01' });
  // 7: a transfer on 31 March (59 days), cancelled in April: still a deal signed
  await ledger.admit(P(7), { occurredOn: '2024-02-01' });
  await ledger.transfer(P(7), 'tr-7', 'ent-g', { contractDate: '2024-03-31' });
  // 8: a deal in mid-May (18 days), for the as-of dates inside that month
  await ledger.admit(P(8), { occurredOn: '2024-05-02' });
  await ledger.transfer(P(8), 'tr-8', 'ent-h', { contractDate: '2024-05-20' });
  // The late records: backdated first deals and admissions, and the cancellation.
  await ledger.license(P(4), 'lic-4', 'ent-i', 'ordinary', { effectiveDate: '2024-03-01' });
  await ledger.admit(P(5), { occurredOn: '2024-02-25' });
  await ledger.license(P(6), 'lic-6', 'ent-j', 'ordinary', { effectiveDate: '2024-02-15' });
  await ledger.patent(P(7), 'EndDeal', {
    dealId: 'tr-7',
    ending: 'cancelled',
    endedOn: '2024-04-10',
    reason: '合同未生效',
  });
  // every command was accepted: eight deals, two more dated earlier, one cancelled
  const events = await ledger.all();
  expect(events.filter((e) => ['Transferred', 'Licensed'].includes(e.type))).toHaveLength(10);
  expect(events.filter((e) => e.type === 'DealEnded')).toHaveLength(1);
  return ledger;
}

describe('KPI median days to first deal: monthly histograms against a recount', () => {
  let oneByOne: SqliteReadModels;
  let whole: SqliteReadModels;
  beforeAll(async () => {
    const ledger = await scenario();
    // Projected one event per batch (each late record changes rows written earlier), and in one batch
    oneByOne = await openReadModels(':memory:', projections());
    await project(ledger.store, oneByOne, { batchSize: 1 });
    whole = await openReadModels(':memory:', projections());
    await project(ledger.store, whole);
  });
  afterAll(async () => {
    await oneByOne.close();
    await whole.close();
  });

  const kpis = (rm: SqliteReadModels, asOf: string, institutionId?: string) =>
    queryKpis(rm.sql, { asOf, ...(institutionId !== undefined ? { institutionId } : {}) });
  const medianOf = (r: KpiReport, id: string) =>
    r.byInstitution.find((i) => i.institutionId === id)!.medianDaysAdmissionToFirstDeal;

  it('equal the recount on every day, province-wide and per institution, whatever the batches', async () => {
    // the late records changed the answer (4: 104 → 29 days; 5: 15 → 24; 6 counts nowhere)
    expect(recount(oneByOne, '2024-06-30')).toBe(24);
    expect(recount(oneByOne, '2024-06-30', 'tyut')).toBe(19.5);
    for (const rm of [oneByOne, whole])
      for (const asOf of days('2024-01-01', '2024-07-05')) {
        const r = await kpis(rm, asOf);
        expect([asOf, r.medianDaysAdmissionToFirstDeal]).toEqual([asOf, recount(rm, asOf)]);
        expect([asOf, medianOf(r, 'tyut'), medianOf(r, 'sxu')]).toEqual([
          asOf,
          recount(rm, asOf, 'tyut'),
          recount(rm, asOf, 'sxu'),
        ]);
        expect((await kpis(rm, asOf, 'sxu')).medianDaysAdmissionToFirstDeal).toBe(recount(rm, asOf, 'sxu'));
      }
  });

  it('move at the deals’ dates, across month ends and inside a month', async () => {
    const at = async (asOf: string) => (await kpis(oneByOne, asOf)).medianDaysAdmissionToFirstDeal;
    expect(await at('2024-01-30')).toBeNull();
    expect(await at('2024-01-31')).toBe(21);
    expect(await at('2024-02-01')).toBe(11); // 21 and 1
    expect(await at('2024-02-29')).toBe(11);
    expect(await at('2024-03-01')).toBe(21); // 1, 21, 29 (4, backdated)
    expect(await at('2024-03-19')).toBe(21);
    expect(await at('2024-03-20')).toBe(22.5); // + 24 (5, admission backdated)
    expect(await at('2024-03-31')).toBe(24); // + 59 (7, cancelled later)
    expect(await at('2024-04-01')).toBe(24); // 6 never counts
    expect(await at('2024-04-29')).toBe(24);
    expect(await at('2024-04-30')).toBe(26.5); // + 80
    expect(await at('2024-05-19')).toBe(26.5);
    expect(await at('2024-05-20')).toBe(24); // + 18: 1, 18, 21, 24, 29, 59, 80
  });

  it('give the recount at each month end of the monthly series', async () => {
    for (const rm of [oneByOne, whole]) {
      // from before the first deal, and from April (the months before it from their histograms)
      for (const from of ['2023-12-01', '2024-04-01']) {
        const r = await queryKpis(rm.sql, { asOf: '2024-07-15', series: 'monthly', from });
        expect(r.series!.map((p) => [p.asOf, p.medianDaysAdmissionToFirstDeal])).toEqual(
          r.series!.map((p) => [p.asOf, recount(rm, p.asOf)]),
        );
      }
      const sxu = await queryKpis(rm.sql, {
        asOf: '2024-07-15',
        series: 'monthly',
        from: '2024-02-01',
        department: 'education',
      });
      expect(sxu.series!.map((p) => p.medianDaysAdmissionToFirstDeal)).toEqual(
        sxu.series!.map((p) => recount(rm, p.asOf, 'sxu')),
      );
    }
  });

  it('leave the same histogram rows as one batch', () => {
    const rows = (rm: SqliteReadModels) =>
      rm.db.prepare('SELECT * FROM progress_kpi_days ORDER BY institution_id, month').all();
    expect(rows(oneByOne)).toEqual(rows(whole));
    // tyut: January, February, March, April (6's transfer, taken back: no row), May
    expect(
      (rows(oneByOne) as { institution_id: string; month: string }[]).map(
        (r) => `${r.institution_id} ${r.month}`,
      ),
    ).toEqual([
      'sxu 2024-03-01',
      'sxu 2024-04-01',
      'tyut 2024-01-01',
      'tyut 2024-02-01',
      'tyut 2024-03-01',
      'tyut 2024-05-01',
    ]);
  });
});

const unavailable = postgresUnavailable();
if (unavailable) process.stderr.write(`${unavailable}\n`);

(unavailable ? describe.skip : describe)('KPI median days to first deal on PostgreSQL', () => {
  const schema = `rm_kpi_median_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  let lite: SqliteReadModels;
  let pg: PostgresReadModels;
  beforeAll(async () => {
    const ledger = await scenario();
    lite = await openReadModels(':memory:', projections());
    await project(ledger.store, lite, { batchSize: 1 });
    pg = await PostgresReadModels.open({ connectionString: PG_TEST_URL, schema, poolSize: 2 }, projections());
    await pg.init();
    const projector = new Projector(ledger.store, pg, { batchSize: 1 });
    await projector.init();
    await projector.catchUp();
  });
  afterAll(async () => {
    await lite.close();
    await pg.close();
    const c = new Client({ connectionString: PG_TEST_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });

  it('keep the histogram rows of SQLite and give its reports on every day and in the series', async () => {
    const pgRows = await pg.sql.transaction(
      (tx) => tx.all('SELECT * FROM progress_kpi_days ORDER BY institution_id, month'),
      'read',
    );
    expect(pgRows).toHaveLength(6);
    expect(pgRows).toEqual(
      lite.db.prepare('SELECT * FROM progress_kpi_days ORDER BY institution_id, month').all(),
    );
    for (const asOf of days('2024-01-01', '2024-07-05'))
      expect(await queryKpis(pg.sql, { asOf })).toEqual(await queryKpis(lite.sql, { asOf }));
    for (const q of [
      { asOf: '2024-07-15', series: 'monthly', from: '2024-04-01' },
      { asOf: '2024-05-19', series: 'monthly', from: '2023-12-01', institutionId: 'tyut' },
    ] as const) {
      const r = await queryKpis(pg.sql, q);
      expect(r.series!.map((p) => p.medianDaysAdmissionToFirstDeal)).toEqual(
        r.series!.map((p) => recount(lite, p.asOf, q.asOf === '2024-05-19' ? 'tyut' : undefined)),
      );
      expect(r).toEqual(await queryKpis(lite.sql, q));
    }
  });
});
