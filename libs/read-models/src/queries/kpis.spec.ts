import { applyProvince, generateProvince } from '@patent-ledger/bulk';
import { moneyToFen, upcastPatentEvent, type PatentEvent } from '@patent-ledger/domain';
import { MemoryEventStore, type StoredEvent } from '@patent-ledger/eventsourcing';
import { DEFAULT_OBLIGATION_POLICY } from '../policy';
import { auditProjection } from '../projections/audit';
import { obligationsProjection } from '../projections/obligations';
import { progressProjection } from '../projections/progress';
import { SqliteReadModels } from '../sqlite-read-models';
import { median, monthEnds, queryKpis, type KpiFigures } from './kpis';
import { queryObligations } from './obligations';

// GET /kpis on a generated province, checked against a direct recount from the events in this test.

const dayNumber = (d: string): number => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
const percent = (a: number, b: number): number | null => (b === 0 ? null : Math.round((a * 1000) / b) / 10);
const yuan = (fen: number): string => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

/** The KPIs recounted from the raw events (no read model). */
function recount(
  events: readonly StoredEvent[],
  asOf: string,
  knownAt = '9999',
  keep: (institutionId: string) => boolean = () => true,
): Omit<KpiFigures, 'obligations'> {
  const known = events.filter((e) => e.metadata.recordedAt <= knownAt);
  const inst = new Map<string, { count: number; revisions: { on: string; count: number }[] }>();
  const patents = new Map<string, { institutionId: string; cohort: string; status: string; on: string }>();
  const tags = new Map<string, { on: string; admitted: boolean }[]>();
  const evaluations = new Map<string, string[]>();
  const deals: { an: string; kind: string; on: string; fen: number | null }[] = [];
  for (const s of known) {
    if (s.streamName.startsWith('institution-')) {
      const d = s.data as { institutionId: string; stockPatentCount: number; occurredOn: string };
      if (s.type === 'InstitutionRegistered' && keep(d.institutionId))
        inst.set(d.institutionId, { count: d.stockPatentCount, revisions: [] });
      if (s.type === 'StockCountRevised')
        inst.get(d.institutionId)?.revisions.push({ on: d.occurredOn, count: d.stockPatentCount });
      continue;
    }
    if (!s.streamName.startsWith('patent-')) continue;
    const e = upcastPatentEvent(s).event as PatentEvent;
    const an = e.data.applicationNumber;
    switch (e.type) {
      case 'PatentInventoried':
        if (keep(e.data.institutionId))
          patents.set(an, {
            institutionId: e.data.institutionId,
            cohort: e.data.cohort,
            status: e.data.implementationStatus,
            on: e.data.occurredOn,
          });
        break;
      case 'IntentTagged':
        tags.set(an, [
          ...(tags.get(an) ?? []),
          { on: e.data.occurredOn, admitted: e.data.screening.decision === 'admitted' },
        ]);
        break;
      case 'EnterpriseEvaluated':
        evaluations.set(an, [...(evaluations.get(an) ?? []), e.data.occurredOn]);
        break;
      case 'Transferred':
        deals.push({ an, kind: 'transfer', on: e.data.contractDate, fen: moneyToFen(e.data.price) });
        break;
      case 'Licensed':
        deals.push({ an, kind: 'license', on: e.data.contractDate, fen: moneyToFen(e.data.royalty) });
        break;
      case 'OpenLicenseTaken':
        deals.push({
          an,
          kind: 'open-license',
          on: e.data.notifiedOn,
          fen: e.data.payment ? moneyToFen(e.data.payment.amount) : 0,
        });
        break;
      case 'Industrialized':
        deals.push({ an, kind: 'industrialization', on: e.data.startedOn, fen: null });
        break;
      case 'EquityContributed':
        deals.push({
          an,
          kind: 'equity-contribution',
          on: e.data.contractDate,
          fen: moneyToFen(e.data.valuation),
        });
        break;
      default:
        break;
    }
  }
  let stock = 0;
  for (const i of inst.values()) {
    // stable sort: the later revision of a day wins (log order)
    const r = i.revisions
      .filter((x) => x.on <= asOf)
      .sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
    stock += r.length ? r[r.length - 1]!.count : i.count;
  }
  const inventoried = [...patents].filter(([, p]) => p.on <= asOf);
  const ours = new Set(patents.keys());
  const dealsBy = deals.filter((d) => ours.has(d.an) && d.on <= asOf);
  const inPool = inventoried.filter(([an]) => {
    const t = (tags.get(an) ?? []).filter((x) => x.on <= asOf);
    // the latest by date; on a tie, the later in the log (stable sort keeps log order)
    const last = [...t].sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0)).pop();
    return last?.admitted === true;
  });
  const evaluated = inPool.filter(([an]) => (evaluations.get(an) ?? []).some((d) => d <= asOf));
  const hasDeal = (an: string, kinds: string[]) => dealsBy.some((d) => d.an === an && kinds.includes(d.kind));
  const implemented = inventoried.filter(
    ([an, p]) =>
      p.status !== 'not-implemented' ||
      hasDeal(an, ['transfer', 'license', 'open-license', 'equity-contribution', 'industrialization']),
  );
  const industrialized = inventoried.filter(
    ([an, p]) => p.status === 'industrialized' || hasDeal(an, ['industrialization']),
  );
  const sum = (kind: string) => {
    const list = dealsBy.filter((d) => d.kind === kind);
    return { count: list.length, fen: list.reduce((n, d) => n + (d.fen ?? 0), 0) };
  };
  const days: number[] = [];
  for (const an of ours) {
    const admitted = (tags.get(an) ?? [])
      .filter((t) => t.admitted && t.on <= asOf)
      .map((t) => t.on)
      .sort()[0];
    const first = dealsBy
      .filter(
        (d) => d.an === an && ['transfer', 'license', 'open-license', 'equity-contribution'].includes(d.kind),
      )
      .map((d) => d.on)
      .sort()[0];
    if (admitted !== undefined && first !== undefined && first >= admitted)
      days.push(dayNumber(first) - dayNumber(admitted));
  }
  const t = sum('transfer');
  const l = sum('license');
  const o = sum('open-license');
  const q = sum('equity-contribution');
  const stockInventoried = inventoried.filter(([, p]) => p.cohort === 'stock').length;
  return {
    institutions: inst.size,
    stockPatentCount: stock,
    inventoried: inventoried.length,
    stockInventoried,
    inventoryCoverage: percent(stockInventoried, stock),
    poolPatents: inPool.length,
    poolAdmissionRate: percent(inPool.length, inventoried.length),
    evaluatedPoolPatents: evaluated.length,
    evaluationCoverage: percent(evaluated.length, inPool.length),
    deals: {
      transfer: { count: t.count, contractValue: yuan(t.fen) },
      license: { count: l.count, contractValue: yuan(l.fen) },
      openLicense: { count: o.count, contractValue: yuan(o.fen) },
      equityContribution: { count: q.count, contractValue: yuan(q.fen) },
      industrialization: { count: sum('industrialization').count },
    },
    implemented: implemented.length,
    implementationRate: percent(implemented.length, inventoried.length),
    industrialized: industrialized.length,
    industrializationRate: percent(industrialized.length, inventoried.length),
    openLicenseTakings: o.count,
    medianDaysAdmissionToFirstDeal: median(days),
  };
}

describe('GET /kpis figures on a generated province', () => {
  let rm: SqliteReadModels;
  let events: StoredEvent[];
  let knownAt: string;
  beforeAll(async () => {
    const province = generateProvince({ patents: 600, institutions: 9, seed: 15 });
    const store = new MemoryEventStore();
    let tick = Date.parse('2026-01-01T00:00:00Z');
    const summary = await applyProvince(store, province, {
      clock: () => new Date((tick += 1000)).toISOString(),
    });
    expect(summary.errorCount).toBe(0);
    events = await store.readAll({ limit: 1_000_000 });
    knownAt = events[Math.floor(events.length / 2)]!.metadata.recordedAt;
    rm = SqliteReadModels.open(':memory:', [
      progressProjection,
      obligationsProjection(DEFAULT_OBLIGATION_POLICY),
      auditProjection,
    ]);
    await rm.init();
    for (const name of ['progress', 'obligations', 'audit']) await rm.applyBatch(name, events);
  }, 60_000);
  afterAll(() => rm.close());

  /** The figures of a report (any of its rows), without the obligations and the report's own fields. */
  const without = (r: KpiFigures): Omit<KpiFigures, 'obligations'> => {
    const keys = Object.keys(recount([], '2024-01-01')) as (keyof KpiFigures)[];
    return Object.fromEntries(keys.map((k) => [k, r[k]])) as Omit<KpiFigures, 'obligations'>;
  };

  it.each(['2024-03-31', '2024-06-30', '2024-12-31', '2025-12-31'])(
    'as of %s equal a recount from the events',
    async (asOf) => {
      const r = await queryKpis(rm.sql, { asOf });
      expect(without(r)).toEqual(recount(events, asOf));
      // something to count: the generated province has deals of every kind by its end
      if (asOf === '2025-12-31') {
        expect(r.deals.transfer.count).toBeGreaterThan(0);
        expect(r.deals.license.count).toBeGreaterThan(0);
        expect(r.implemented).toBeGreaterThan(0);
        expect(r.medianDaysAdmissionToFirstDeal).not.toBeNull();
      }
    },
  );

  it('as known at an instant count only what was recorded by then', async () => {
    const r = await queryKpis(rm.sql, { asOf: '2025-12-31', knownAt });
    expect(without(r)).toEqual(recount(events, '2025-12-31', knownAt));
    expect(r.inventoried).toBeLessThan((await queryKpis(rm.sql, { asOf: '2025-12-31' })).inventoried);
  });

  it('per institution, department and province add up; a filter gives the same as its row', async () => {
    const r = await queryKpis(rm.sql, { asOf: '2025-12-31' });
    const one = r.byInstitution[0]!;
    expect(without(r.byInstitution.find((i) => i.institutionId === one.institutionId)!)).toEqual(
      recount(events, '2025-12-31', '9999', (id) => id === one.institutionId),
    );
    const filtered = await queryKpis(rm.sql, { asOf: '2025-12-31', institutionId: one.institutionId });
    expect(without(filtered)).toEqual(without(one));
    expect(filtered.obligations).toEqual(one.obligations);
    expect(r.byProvince.reduce((n, p) => n + p.inventoried, 0)).toBe(r.inventoried);
    expect(r.byDepartment.reduce((n, p) => n + p.institutions, 0)).toBe(r.institutions);
    // the generator gives each institution the department of its kind
    expect(r.byDepartment.map((d) => d.department)).toEqual(['education', 'health', 'science-technology']);
    expect(r.byInstitution.reduce((n, p) => n + p.deals.transfer.count, 0)).toBe(r.deals.transfer.count);
  });

  it('counts the obligations as the obligations ledger does', async () => {
    const asOf = '2025-06-30';
    const r = await queryKpis(rm.sql, { asOf });
    const count = async (status: 'fulfilled' | 'overdue' | 'open' | 'cancelled') =>
      (await queryObligations(rm.sql, { asOf, status })).total;
    expect(r.obligations.onTime + r.obligations.late).toBe(await count('fulfilled'));
    expect(r.obligations.overdue).toBe(await count('overdue'));
    expect(r.obligations.open).toBe(await count('open'));
    expect(r.obligations.cancelled).toBe(await count('cancelled'));
    expect(r.obligations.overdue + r.obligations.late).toBeGreaterThan(0);
  });

  it('gives a monthly series whose last point is asOf', async () => {
    const r = await queryKpis(rm.sql, { asOf: '2024-06-15', series: 'monthly', from: '2024-03-01' });
    expect(r.series!.map((p) => p.asOf)).toEqual(['2024-03-31', '2024-04-30', '2024-05-31', '2024-06-15']);
    expect(without(r.series![1]!)).toEqual(recount(events, '2024-04-30'));
    expect(without(r.series![3]!)).toEqual(without(r));
    expect(monthEnds('2024-12-20', '2025-01-31')).toEqual(['2024-12-31', '2025-01-31']);
  });

  it('refuses a bad date naming the field', async () => {
    await expect(queryKpis(rm.sql, { asOf: '2024-13-01' })).rejects.toMatchObject({ field: 'asOf' });
    await expect(queryKpis(rm.sql, { asOf: '2024-06-01', from: '2024-07-01' })).rejects.toMatchObject({
      field: 'from',
    });
  });
});
