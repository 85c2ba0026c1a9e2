import { applyProvince, generateProvince } from '@patent-ledger/bulk';
import { MemoryEventStore, type StoredEvent } from '@patent-ledger/eventsourcing';
import { DEFAULT_OBLIGATION_POLICY } from '../policy';
import { obligationsProjection } from '../projections/obligations';
import { progressProjection } from '../projections/progress';
import type { SqliteReadModels } from '../sqlite-read-models';
import { actors, applicationNumber, Ledger, openReadModels, project } from '../testing/fixtures';
import { queryProgress, type ProgressQuery, type ProgressReport } from './progress';

// GET /progress without knownAt sums the progress projection's KPI counters (inventories, pool,
// evaluated pool); with knownAt it counts the fact rows. A knownAt after every event must give the
// same report, on any date, filtered or not, also after events dated before the ones already recorded.

const EVERYTHING = '9999-12-31T23:59:59.999Z';

/** The report from the counters, and the same from the fact rows. */
async function both(rm: SqliteReadModels, q: ProgressQuery): Promise<[ProgressReport, ProgressReport]> {
  const counted = await queryProgress(rm.sql, q);
  const { knownAt: _k, ...rows } = await queryProgress(rm.sql, { ...q, knownAt: EVERYTHING });
  return [counted, rows];
}

const AS_OF = [
  '2024-02-29',
  '2024-03-31',
  '2024-06-30',
  '2024-12-31',
  '2025-03-15',
  '2025-06-30',
  '2025-12-31',
  '2026-03-01',
  '2026-06-30',
];

describe('GET /progress from the counters on a generated province with backdated events', () => {
  let events: StoredEvent[];
  let rm: SqliteReadModels;
  let backdated = 0;
  const refused: string[] = [];
  beforeAll(async () => {
    // Given a generated province
    const store = new MemoryEventStore();
    let tick = Date.parse('2026-01-01T00:00:00Z');
    const province = generateProvince({ patents: 400, institutions: 6, seed: 47 });
    expect(
      (await applyProvince(store, province, { clock: () => new Date((tick += 1000)).toISOString() }))
        .errorCount,
    ).toBe(0);
    const generated = await store.readAll({ limit: 1_000_000 });
    const inventoried = generated
      .filter((e) => e.type === 'PatentInventoried')
      .map((e) => e.data as { applicationNumber: string; institutionId: string; occurredOn: string });
    // And, recorded after it, events dated before those already recorded: tags that reverse a
    // patent's pool membership on an earlier date, early evaluations, inventories months back
    const ledger = new Ledger(store, '2026-07-01T00:00:00.000Z');
    const ok = async (p: Promise<unknown>): Promise<void> => {
      try {
        await p;
        backdated += 1;
      } catch (err) {
        refused.push(String(err));
        // a command the patent's state refuses (terminated, not held, …): not a backdated fact
      }
    };
    for (const [i, p] of inventoried.entries()) {
      const actor = { actor: actors.tto(p.institutionId) };
      const day = `2024-${String((i % 9) + 3).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`;
      if (day < p.occurredOn) continue;
      if (i % 5 === 0) await ok(ledger.admit(p.applicationNumber, { occurredOn: day }, actor));
      else if (i % 5 === 1) await ok(ledger.decline(p.applicationNumber, { occurredOn: day }, actor));
      else if (i % 5 === 2) {
        await ok(ledger.admit(p.applicationNumber, { occurredOn: day }, actor));
        await ok(
          ledger.evaluate(p.applicationNumber, `ev-late-${i}`, `ent-late-${i % 7}`, 3, { occurredOn: day }),
        );
      }
    }
    const institutions = [...new Set(inventoried.map((p) => p.institutionId))];
    for (let i = 0; i < 30; i++) {
      const institutionId = institutions[i % institutions.length]!;
      const an = applicationNumber(900 + i, i % 3 === 0 ? 2023 : 2019);
      await ok(
        ledger.inventory(
          an,
          {
            institutionId,
            // granted in 2024: the new cohort; in 2021: the stock
            grantDate: i % 3 === 0 ? '2024-02-10' : '2021-06-20',
            occurredOn: `2024-${String((i % 10) + 3).padStart(2, '0')}-15`,
          },
          { actor: actors.tto(institutionId) },
        ),
      );
    }
    events = await store.readAll({ limit: 1_000_000 });
    // When it is projected in batches of 97 events
    rm = await openReadModels(':memory:', [
      progressProjection,
      obligationsProjection(DEFAULT_OBLIGATION_POLICY),
    ]);
    await project(store, rm, { batchSize: 97 });
  }, 120_000);
  afterAll(() => rm.close());

  it('records backdated events after the province', () => {
    // (a lapsed or terminated patent refuses new tags: those are domain refusals, nothing else)
    expect(refused.filter((r) => !r.startsWith('DomainError'))).toEqual([]);
    expect(backdated).toBeGreaterThan(100);
    expect(
      events.filter((e) => e.type === 'PatentInventoried' && e.metadata.recordedAt >= '2026-07'),
    ).toHaveLength(30);
    expect(events.length).toBeGreaterThan(backdated);
  });

  it('gives the report of the fact rows on every date', async () => {
    let pools = 0;
    for (const asOf of AS_OF) {
      const [counted, rows] = await both(rm, { asOf });
      expect(counted).toEqual(rows);
      for (const m of counted.milestones) pools += m.pool?.evaluated ?? 0;
    }
    // The figures are not all zero: inventories of both cohorts, an evaluated pool
    const last = (await both(rm, { asOf: '2026-06-30' }))[0];
    expect(last.province.inventoried).toBeGreaterThan(0);
    expect(last.province.newCohortInventoried).toBeGreaterThan(0);
    expect(pools).toBeGreaterThan(0);
  });

  it('gives the report of the fact rows for one province, department and institution', async () => {
    const all = await queryProgress(rm.sql, { asOf: '2026-06-30' });
    const one = all.institutions[all.institutions.length - 1]!;
    for (const asOf of AS_OF) {
      for (const f of [
        { province: one.province },
        { department: one.department },
        { institutionId: one.institutionId },
        { province: 'nowhere' },
      ]) {
        const [counted, rows] = await both(rm, { asOf, ...f });
        expect(counted).toEqual(rows);
      }
    }
  });
});
