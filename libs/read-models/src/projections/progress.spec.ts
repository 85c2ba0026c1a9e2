import {
  checkDigit,
  type InstitutionEvent,
  type MilestoneGroup,
  type PatentEvent,
} from '@patent-ledger/domain';
import { MemoryEventStore, type JsonObject, type StoredEvent } from '@patent-ledger/eventsourcing';
import * as f from '../../../domain/src/testing/fixtures';
import { QueryError } from '../cursor';
import { DEFAULT_PROGRAMME_POLICY } from '../policy';
import {
  elapsedFraction,
  milestoneStatus,
  programmeMilestones,
  queryProgress,
  type MilestoneId,
  type ProgressReport,
} from '../queries/progress';
import { SqliteReadModels } from '../sqlite-read-models';
import { progressProjection } from './progress';

// ---------------------------------------------------------------------------------------------
// helpers

let serial = 0;
/** A fresh valid invention application number of 2019. */
const nextAn = (): string => {
  const digits = `20191${String(++serial).padStart(7, '0')}`;
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
        actor: { role: 'ip-office', orgId: 'sxipo', userId: 'officer-1' },
        recordedAt: '2025-06-01T04:00:00.000Z',
        schemaVersion: 1,
      },
    };
    this.events.push(stored);
    return stored;
  }

  patent(...events: PatentEvent[]): void {
    for (const e of events) this.add(`patent-${e.data.applicationNumber}`, e);
  }

  institution(e: InstitutionEvent): void {
    this.add(`institution-${e.data.institutionId}`, e);
  }

  register(
    institutionId: string,
    milestoneGroup: MilestoneGroup,
    stockPatentCount: number,
    province = 'Shanxi',
  ): void {
    this.institution(
      f.institutionRegistered({
        institutionId,
        name: institutionId.toUpperCase(),
        milestoneGroup,
        stockPatentCount,
        province,
      }),
    );
  }

  /** Inventories a patent of the institution on each date; returns their numbers. */
  inventory(institutionId: string, dates: string[], cohort: 'stock' | 'new' = 'stock'): string[] {
    return dates.map((occurredOn) => {
      const applicationNumber = nextAn();
      this.patent(f.inventoried({ applicationNumber, institutionId, occurredOn, cohort }));
      return applicationNumber;
    });
  }
}

async function readModels(log: Log): Promise<SqliteReadModels> {
  const rm = SqliteReadModels.open(':memory:', [progressProjection]);
  await rm.init();
  await rm.applyBatch('progress', log.events);
  return rm;
}

const milestone = (r: ProgressReport, id: MilestoneId) => r.milestones.find((m) => m.id === id)!;
const institution = (r: ProgressReport, id: string) => r.institutions.find((i) => i.institutionId === id)!;
const statusOf = (r: ProgressReport, id: MilestoneId): string => milestone(r, id).status;
const institutionStatus = (r: ProgressReport, institutionId: string, id: MilestoneId): string =>
  institution(r, institutionId).milestones.find((m) => m.id === id)!.status;

// ---------------------------------------------------------------------------------------------
// a small synthetic province

/**
 * tyut (4 stock), sxu and nuc (key4, 2 each), o1 (other, 10) and o2 (other, 10 revised to 5 on
 * 2024-06-15); one new-cohort tyut patent; one promotion on 2024-05-20; tagging with a re-tag to
 * declined; evaluations.
 */
function province(): Log {
  const log = new Log();
  log.register('tyut', 'tyut', 4);
  log.register('sxu', 'key4', 2);
  log.register('nuc', 'key4', 2);
  log.register('o1', 'other', 10);
  log.register('o2', 'other', 10);

  const [p1, p2, p3] = log.inventory('tyut', ['2024-03-05', '2024-03-10', '2024-03-25', '2024-03-31']);
  log.inventory('tyut', ['2024-03-15'], 'new');
  const [s1] = log.inventory('sxu', ['2024-04-10', '2024-06-20']);
  log.inventory('nuc', ['2024-04-01', '2024-07-10']);
  const [a1] = log.inventory('o1', ['2024-04-01', '2024-05-01', '2024-06-01']);
  log.inventory('o1', ['2024-08-15', '2024-08-15', '2024-08-15', '2024-08-15']);
  log.inventory('o2', ['2024-05-01', '2024-06-10']);
  log.institution(
    f.stockCountRevised({ institutionId: 'o2', stockPatentCount: 5, occurredOn: '2024-06-15' }),
  );
  log.inventory('o2', ['2024-12-01', '2024-12-01', '2024-12-01']);

  log.patent(
    f.intentTagged({ applicationNumber: p1!, occurredOn: '2024-04-01' }),
    f.intentTagged({ applicationNumber: p2!, occurredOn: '2024-04-01' }),
    f.intentTagged({ applicationNumber: p3!, occurredOn: '2024-04-01' }),
    f.intentTagged({ applicationNumber: s1!, occurredOn: '2024-05-01' }),
    f.evaluated({ applicationNumber: p1!, evaluationId: 'ev-p1', occurredOn: '2024-05-01' }),
    f.promoted({ applicationNumber: p1!, promotionId: 'pr-1', occurredOn: '2024-05-20' }),
    f.declinedTag({ applicationNumber: p3!, occurredOn: '2024-06-01' }),
    f.evaluated({ applicationNumber: s1!, evaluationId: 'ev-s1', occurredOn: '2024-06-15' }),
    f.evaluated({
      applicationNumber: s1!,
      evaluationId: 'ev-s1b',
      enterpriseId: f.ENT_B.id,
      occurredOn: '2024-07-01',
    }),
    f.evaluated({ applicationNumber: p2!, evaluationId: 'ev-p2', occurredOn: '2024-10-01' }),
    f.intentTagged({ applicationNumber: a1!, occurredOn: '2024-11-01' }),
  );
  return log;
}

describe('progress: milestones of a synthetic province', () => {
  let rm: SqliteReadModels;
  beforeAll(async () => {
    rm = await readModels(province());
  });
  afterAll(async () => rm.close());
  const at = (asOf: string, policy = DEFAULT_PROGRAMME_POLICY): Promise<ProgressReport> =>
    queryProgress(rm.sql, { asOf, policy });

  it('lists the eight milestones of the default plan (§6) with their targets and due dates', async () => {
    expect((await at('2024-07-01')).milestones.map((m) => [m.id, m.target, m.due])).toEqual([
      ['tyut-100', 100, '2024-03-31'],
      ['key4-staged', 50, '2024-03-31'],
      ['evaluation-staged', 30, '2024-04-30'],
      ['key4-100', 100, '2024-06-30'],
      ['others-30', 30, '2024-06-30'],
      ['all-100', 100, '2024-12-31'],
      ['promotion-launch', 1, '2024-06-30'],
      ['evaluation-basic', 90, '2024-12-31'],
    ]);
  });

  it('tyut-100: on-track, at-risk, then met', async () => {
    // 2/4 = 50 % ≥ 100 × 10/31
    expect(statusOf(await at('2024-03-10'), 'tyut-100')).toBe('on-track');
    // 2/4 = 50 % < 100 × 20/31
    expect(statusOf(await at('2024-03-20'), 'tyut-100')).toBe('at-risk');
    expect(milestone(await at('2024-03-20'), 'tyut-100')).toMatchObject({
      value: 50,
      measuredOn: '2024-03-20',
      institutions: { total: 1, met: 0 },
    });
    expect(statusOf(await at('2024-03-31'), 'tyut-100')).toBe('met');
    expect(milestone(await at('2025-01-01'), 'tyut-100')).toMatchObject({
      status: 'met',
      value: 100,
      measuredOn: '2024-03-31',
    });
  });

  it('key4-100: on-track, at-risk, then missed for good although nuc finishes later', async () => {
    expect(statusOf(await at('2024-04-15'), 'key4-100')).toBe('on-track');
    expect(statusOf(await at('2024-05-15'), 'key4-100')).toBe('at-risk');
    const july = await at('2024-07-01');
    expect(milestone(july, 'key4-100')).toMatchObject({
      status: 'missed',
      value: 75,
      measuredOn: '2024-06-30',
      institutions: { total: 2, met: 1 },
    });
    expect(institutionStatus(july, 'sxu', 'key4-100')).toBe('met');
    expect(institutionStatus(july, 'nuc', 'key4-100')).toBe('missed');
    const later = await at('2024-07-15');
    expect(institution(later, 'nuc')).toMatchObject({ inventoried: 2, coveragePercent: 100 });
    expect(institution(later, 'nuc').milestones.find((m) => m.id === 'key4-100')).toEqual({
      id: 'key4-100',
      target: 100,
      due: '2024-06-30',
      measuredOn: '2024-06-30',
      status: 'missed',
      coveragePercent: 50,
    });
    expect(statusOf(later, 'key4-100')).toBe('missed');
  });

  it('others-30: at-risk before the revision, met with the revised count at the due date', async () => {
    expect(statusOf(await at('2024-04-15'), 'others-30')).toBe('at-risk');
    const june = await at('2024-06-10');
    expect(institutionStatus(june, 'o1', 'others-30')).toBe('met');
    expect(institutionStatus(june, 'o2', 'others-30')).toBe('at-risk');
    expect(milestone(june, 'others-30')).toMatchObject({
      status: 'at-risk',
      value: 25,
      institutions: { total: 2, met: 1 },
    });
    const july = await at('2024-07-01');
    expect(milestone(july, 'others-30')).toMatchObject({
      status: 'met',
      value: 33.3,
      institutions: { total: 2, met: 2 },
    });
    expect(institution(july, 'o2').milestones.find((m) => m.id === 'others-30')).toMatchObject({
      coveragePercent: 40,
    });
  });

  it('all-100: at-risk during the year, missed after it', async () => {
    const sept = await at('2024-09-30');
    expect(institutionStatus(sept, 'tyut', 'all-100')).toBe('met');
    // 7/10 = 70 % ≥ 100 × 214/306
    expect(institutionStatus(sept, 'o1', 'all-100')).toBe('on-track');
    expect(institutionStatus(sept, 'o2', 'all-100')).toBe('at-risk');
    expect(statusOf(sept, 'all-100')).toBe('at-risk');
    const next = await at('2025-01-01');
    expect(milestone(next, 'all-100')).toMatchObject({
      status: 'missed',
      value: 87,
      measuredOn: '2024-12-31',
      institutions: { total: 5, met: 4 },
    });
    expect(institutionStatus(next, 'o1', 'all-100')).toBe('missed');
    expect(institutionStatus(next, 'o2', 'all-100')).toBe('met');
  });

  it('promotion-launch: on-track at the programme start, at-risk without promotion, met after one', async () => {
    expect(statusOf(await at('2024-02-29'), 'promotion-launch')).toBe('on-track');
    expect(milestone(await at('2024-04-15'), 'promotion-launch')).toMatchObject({
      status: 'at-risk',
      value: 0,
    });
    expect(milestone(await at('2024-05-19'), 'promotion-launch')).toMatchObject({
      status: 'at-risk',
      value: 0,
    });
    expect(milestone(await at('2024-05-20'), 'promotion-launch')).toMatchObject({ status: 'met', value: 1 });
    expect(milestone(await at('2025-01-01'), 'promotion-launch')).toMatchObject({
      status: 'met',
      value: 1,
      measuredOn: '2024-06-30',
    });
  });

  it('evaluation-basic: measures the pool as of each date, re-tags included', async () => {
    expect(milestone(await at('2024-04-15'), 'evaluation-basic')).toMatchObject({
      status: 'at-risk',
      value: 0,
      pool: { patents: 3, evaluated: 0 },
    });
    // P1 of P1, P2, P3, S1: 25 % ≥ 90 × 76/306
    expect(milestone(await at('2024-05-15'), 'evaluation-basic')).toMatchObject({
      status: 'on-track',
      value: 25,
      pool: { patents: 4, evaluated: 1 },
    });
    // P3 was re-tagged declined on 2024-06-01 and left the pool
    expect(milestone(await at('2024-06-20'), 'evaluation-basic')).toMatchObject({
      status: 'on-track',
      value: 66.7,
      pool: { patents: 3, evaluated: 2 },
    });
    expect(milestone(await at('2024-10-15'), 'evaluation-basic')).toMatchObject({
      status: 'met',
      value: 100,
      pool: { patents: 3, evaluated: 3 },
    });
    // A1 joined the pool on 2024-11-01 and was never evaluated: 3/4 at the due date
    expect(milestone(await at('2025-01-01'), 'evaluation-basic')).toMatchObject({
      status: 'missed',
      value: 75,
      measuredOn: '2024-12-31',
      pool: { patents: 4, evaluated: 3 },
    });
  });

  it('evaluation-basic takes its target from the policy', async () => {
    const policy = { ...DEFAULT_PROGRAMME_POLICY, evaluationTargetPercent: 75 };
    expect(milestone(await at('2025-01-01', policy), 'evaluation-basic')).toMatchObject({
      target: 75,
      status: 'met',
    });
    expect(milestone(await at('2025-01-01', policy), 'evaluation-basic').description).toContain('75 %');
  });

  it('reports stock counts as of the date, the registration count before any', async () => {
    expect(institution(await at('2024-06-14'), 'o2')).toMatchObject({
      stockPatentCount: 10,
      inventoried: 2,
      coveragePercent: 20,
    });
    expect(institution(await at('2024-06-15'), 'o2')).toMatchObject({
      stockPatentCount: 5,
      inventoried: 2,
      coveragePercent: 40,
    });
    const before = await at('2024-02-01');
    expect(
      before.institutions.map((i) => [i.institutionId, i.stockPatentCount, i.inventoried, i.coveragePercent]),
    ).toEqual([
      ['tyut', 4, 0, 0],
      ['nuc', 2, 0, 0],
      ['sxu', 2, 0, 0],
      ['o1', 10, 0, 0],
      ['o2', 10, 0, 0],
    ]);
  });

  it('reports coverage and province totals; new-cohort patents do not count', async () => {
    const march = await at('2024-03-20');
    expect(institution(march, 'tyut')).toMatchObject({
      stockPatentCount: 4,
      inventoried: 2,
      coveragePercent: 50,
    });
    expect(march.province.newCohortInventoried).toBe(1);
    expect((await at('2024-03-14')).province.newCohortInventoried).toBe(0);

    const july = await at('2024-07-01');
    expect(july.asOf).toBe('2024-07-01');
    expect(july.province).toEqual({
      institutions: 5,
      stockPatentCount: 23,
      inventoried: 12,
      coveragePercent: 52.2,
      newCohortInventoried: 1,
    });
    expect(institution(july, 'tyut')).toMatchObject({
      name: 'TYUT',
      milestoneGroup: 'tyut',
      inventoried: 4,
      coveragePercent: 100,
    });
    expect(institution(july, 'tyut').milestones.map((m) => m.id)).toEqual(['tyut-100', 'all-100']);
    expect(institution(july, 'o1').milestones.map((m) => m.id)).toEqual(['others-30', 'all-100']);
    expect(institution(july, 'o1').coveragePercent).toBe(30);
    expect(institution(july, 'o1').note).toBeUndefined();
  });

  it('rejects a malformed asOf', async () => {
    await expect(queryProgress(rm.sql, { asOf: '2024-13-01' })).rejects.toThrow(QueryError);
  });
});

describe('progress: edge cases', () => {
  /** z0: Shanxi, stock count 0; bj: Beijing, 4 stock, one inventoried, promoted after the due date. */
  function edge(): Log {
    const log = new Log();
    log.register('z0', 'other', 0);
    log.register('bj', 'other', 4, 'Beijing');
    const [q1] = log.inventory('bj', ['2024-03-10']);
    log.patent(
      f.intentTagged({
        applicationNumber: q1!,
        occurredOn: '2024-03-20',
        screening: { method: 'inventor-self', decision: 'declined' },
      }),
      f.promoted({ applicationNumber: q1!, occurredOn: '2024-07-05' }),
    );
    return log;
  }

  let rm: SqliteReadModels;
  beforeAll(async () => {
    rm = await readModels(edge());
  });
  afterAll(async () => rm.close());

  it('reports null coverage for a zero stock count, with a note, and meets coverage milestones vacuously', async () => {
    const r = await queryProgress(rm.sql, { asOf: '2024-07-10', policy: DEFAULT_PROGRAMME_POLICY });
    const z0 = institution(r, 'z0');
    expect(z0).toMatchObject({ stockPatentCount: 0, inventoried: 0, coveragePercent: null });
    expect(z0.note).toMatch(/stockPatentCount is 0/);
    expect(z0.milestones).toEqual([
      {
        id: 'others-30',
        target: 30,
        due: '2024-06-30',
        measuredOn: '2024-06-30',
        status: 'met',
        coveragePercent: null,
      },
      {
        id: 'all-100',
        target: 100,
        due: '2024-12-31',
        measuredOn: '2024-07-10',
        status: 'met',
        coveragePercent: null,
      },
    ]);
  });

  it('a group with no institution has not met its milestone', async () => {
    const r = await queryProgress(rm.sql, { asOf: '2024-07-10', policy: DEFAULT_PROGRAMME_POLICY });
    expect(milestone(r, 'tyut-100')).toMatchObject({
      status: 'missed',
      value: null,
      institutions: { total: 0, met: 0 },
    });
    expect(milestone(r, 'key4-100')).toMatchObject({ status: 'missed', value: null });
    expect(statusOf(await queryProgress(rm.sql, { asOf: '2024-03-01' }), 'tyut-100')).toBe('at-risk');
  });

  it('a promotion after the due date leaves promotion-launch missed; an empty pool is not evaluated', async () => {
    const r = await queryProgress(rm.sql, { asOf: '2024-07-10' });
    expect(milestone(r, 'promotion-launch')).toMatchObject({
      status: 'missed',
      value: 0,
      measuredOn: '2024-06-30',
    });
    expect(milestone(r, 'evaluation-basic')).toMatchObject({
      status: 'at-risk',
      value: null,
      pool: { patents: 0, evaluated: 0 },
    });
    expect(milestone(await queryProgress(rm.sql, { asOf: '2025-01-01' }), 'evaluation-basic').status).toBe(
      'missed',
    );
  });

  it('takes the later of two tags on the same day (by log position)', async () => {
    const log = new Log();
    log.register('o1', 'other', 2);
    const [q2, q3] = log.inventory('o1', ['2024-03-10', '2024-03-10']);
    log.patent(
      f.intentTagged({ applicationNumber: q2!, occurredOn: '2024-04-01' }),
      f.declinedTag({ applicationNumber: q2!, occurredOn: '2024-04-01' }),
      f.declinedTag({ applicationNumber: q3!, occurredOn: '2024-04-01' }),
      f.intentTagged({ applicationNumber: q3!, occurredOn: '2024-04-01' }),
      f.evaluated({ applicationNumber: q3!, occurredOn: '2024-04-02' }),
    );
    const own = await readModels(log);
    expect(milestone(await queryProgress(own.sql, { asOf: '2024-04-01' }), 'evaluation-basic').pool).toEqual({
      patents: 1,
      evaluated: 0,
    });
    expect(milestone(await queryProgress(own.sql, { asOf: '2024-04-02' }), 'evaluation-basic')).toMatchObject(
      {
        status: 'met',
        pool: { patents: 1, evaluated: 1 },
      },
    );
    await own.close();
  });

  it('filters by province', async () => {
    const shanxi = await queryProgress(rm.sql, { asOf: '2024-07-10', province: 'Shanxi' });
    expect(shanxi.provinceName).toBe('Shanxi');
    expect(shanxi.institutions.map((i) => i.institutionId)).toEqual(['z0']);
    expect(shanxi.province).toEqual({
      institutions: 1,
      stockPatentCount: 0,
      inventoried: 0,
      coveragePercent: null,
      newCohortInventoried: 0,
    });
    expect(statusOf(shanxi, 'others-30')).toBe('met');
    const beijing = await queryProgress(rm.sql, { asOf: '2024-07-10', province: 'Beijing' });
    expect(beijing.institutions.map((i) => i.institutionId)).toEqual(['bj']);
    expect(milestone(beijing, 'others-30')).toMatchObject({ status: 'missed', value: 25 });
    // the Beijing promotion counts for Beijing only (as of after it)
    expect(
      milestone(await queryProgress(rm.sql, { asOf: '2024-06-01', province: 'Beijing' }), 'promotion-launch')
        .value,
    ).toBe(0);
    const all = await queryProgress(rm.sql, { asOf: '2024-07-10' });
    expect(all.provinceName).toBeUndefined();
    expect(all.institutions.map((i) => i.institutionId)).toEqual(['bj', 'z0']);
    expect(statusOf(all, 'others-30')).toBe('missed');
  });
});

describe('milestoneStatus', () => {
  const start = '2024-02-29';
  it('measures against the due date once it has passed', async () => {
    expect(milestoneStatus({ reached: true, value: 100 }, 100, '2024-06-30', '2024-06-30', start)).toBe(
      'met',
    );
    expect(milestoneStatus({ reached: false, value: 99 }, 100, '2024-06-30', '2024-06-30', start)).toBe(
      'missed',
    );
    expect(milestoneStatus({ reached: false, value: 99 }, 100, '2024-06-30', '2025-06-30', start)).toBe(
      'missed',
    );
  });

  it('pro-rates the target over the period before the due date', async () => {
    expect(milestoneStatus({ reached: true, value: 100 }, 100, '2024-06-30', '2024-03-01', start)).toBe(
      'met',
    );
    // half-way (61 of 122 days)
    expect(elapsedFraction('2024-04-30', '2024-06-30', start)).toBe(0.5);
    expect(milestoneStatus({ reached: false, value: 50 }, 100, '2024-06-30', '2024-04-30', start)).toBe(
      'on-track',
    );
    expect(milestoneStatus({ reached: false, value: 49.9 }, 100, '2024-06-30', '2024-04-30', start)).toBe(
      'at-risk',
    );
    expect(milestoneStatus({ reached: false, value: null }, 100, '2024-06-30', '2024-02-01', start)).toBe(
      'on-track',
    );
    expect(elapsedFraction('2024-01-01', '2024-06-30', start)).toBe(0);
    expect(elapsedFraction('2024-06-01', '2024-01-01', start)).toBe(1);
  });

  it('has the configured evaluation target', async () => {
    expect(
      programmeMilestones({ evaluationTargetPercent: 80, programmeStart: start }).find(
        (m) => m.id === 'evaluation-basic',
      )!.target,
    ).toBe(80);
  });
});

describe('progress rebuild', () => {
  it('gives the same tables as incremental application', async () => {
    const log = province();
    const store = new MemoryEventStore();
    for (const e of log.events) {
      await store.append(e.streamName, [{ type: e.type, data: e.data, metadata: e.metadata }], {
        expectedVersion: 'any',
      });
    }
    const incremental = SqliteReadModels.open(':memory:', [progressProjection]);
    await incremental.init();
    for (let i = 0; i < log.events.length; i += 5)
      await incremental.applyBatch('progress', log.events.slice(i, i + 5));

    const rebuilt = SqliteReadModels.open(':memory:', [progressProjection], { rebuildBatchSize: 7 });
    await rebuilt.init();
    await rebuilt.applyBatch('progress', log.events.slice(0, 3));
    await rebuilt.rebuild('progress', store);

    const rows = (rm: SqliteReadModels): Record<string, string[]> =>
      Object.fromEntries(
        progressProjection.tables.map((t) => [
          t,
          (rm.db.prepare(`SELECT * FROM "${t}"`).all() as object[]).map((r) => JSON.stringify(r)).sort(),
        ]),
      );
    expect(rows(rebuilt)).toEqual(rows(incremental));
    expect(await incremental.tableCounts('progress')).toEqual({
      progress_deals: 0,
      progress_kpi_counters: 41,
      progress_kpi_days: 0,
      progress_plans: 0,
      progress_departments: 0,
      progress_institutions: 5,
      progress_stock_counts: 6,
      progress_patents: 21,
      progress_intents: 6,
      progress_evaluations: 4,
      progress_promotions: 1,
    });
    for (const asOf of ['2024-03-20', '2024-07-01', '2025-01-01']) {
      expect(await queryProgress(rebuilt.sql, { asOf })).toEqual(
        await queryProgress(incremental.sql, { asOf }),
      );
    }
    await incremental.close();
    await rebuilt.close();
  });
});
