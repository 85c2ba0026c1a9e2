import {
  checkDigit,
  shanxiPlan2024,
  type InstitutionEvent,
  type MilestoneGroup,
  type PatentEvent,
  type PlanDocument,
  type SupervisingDepartment,
} from '@patent-ledger/domain';
import type { JsonObject, StoredEvent } from '@patent-ledger/eventsourcing';
import * as f from '../../../domain/src/testing/fixtures';
import { queryPlans, queryProgress, type ProgressReport } from '../queries/progress';
import { SqliteReadModels } from '../sqlite-read-models';
import { progressProjection } from './progress';

// Plans as data (issue 15): progress of the same events under two plans, a plan changed mid-year,
// the default plan's staged milestones, and totals per province and supervising department.

let serial = 0;
const nextAn = (): string => {
  const digits = `20181${String(++serial).padStart(7, '0')}`;
  return `${digits}.${checkDigit(digits)}`;
};

class Log {
  readonly events: StoredEvent[] = [];
  private readonly versions = new Map<string, number>();

  add(streamName: string, e: { type: string; data: unknown }, recordedAt = '2025-06-01T04:00:00.000Z'): void {
    const version = (this.versions.get(streamName) ?? 0) + 1;
    this.versions.set(streamName, version);
    const position = this.events.length + 1;
    this.events.push({
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
        actor: { role: 'ip-office', orgId: 'office', userId: 'admin' },
        recordedAt,
        schemaVersion: 1,
      },
    });
  }

  register(
    institutionId: string,
    milestoneGroup: MilestoneGroup,
    stockPatentCount: number,
    province: string,
    department?: SupervisingDepartment,
  ): void {
    const e: InstitutionEvent = f.institutionRegistered({
      institutionId,
      name: institutionId.toUpperCase(),
      milestoneGroup,
      stockPatentCount,
      province,
      ...(department !== undefined ? { department } : {}),
    });
    this.add(`institution-${institutionId}`, e);
  }

  inventory(institutionId: string, dates: string[]): string[] {
    return dates.map((occurredOn) => {
      const applicationNumber = nextAn();
      const e: PatentEvent = f.inventoried({ applicationNumber, institutionId, occurredOn, cohort: 'stock' });
      this.add(`patent-${applicationNumber}`, e);
      return applicationNumber;
    });
  }

  publish(doc: PlanDocument, publishedOn = '2024-03-01'): void {
    this.add(`plan-${doc.planId}`, { type: 'PlanPublished', data: { ...doc, publishedOn } });
  }
}

async function readModels(log: Log): Promise<SqliteReadModels> {
  const rm = SqliteReadModels.open(':memory:', [progressProjection]);
  await rm.init();
  await rm.applyBatch('progress', log.events);
  return rm;
}

const milestone = (r: ProgressReport, id: string) => {
  const m = r.milestones.find((x) => x.id === id);
  if (!m) throw new Error(`no milestone ${id} in ${r.milestones.map((x) => x.id).join(', ')}`);
  return m;
};
const institution = (r: ProgressReport, id: string) => r.institutions.find((i) => i.institutionId === id)!;

/** A plan of `province` with one coverage milestone for every institution. */
const coveragePlan = (o: {
  planId: string;
  province: string;
  version?: number;
  effectiveFrom?: string;
  target: number;
  due?: string;
}): PlanDocument => ({
  planId: o.planId,
  version: o.version ?? 1,
  title: `${o.province} plan`,
  province: o.province,
  effectiveFrom: o.effectiveFrom ?? '2024-02-29',
  programmeStart: '2024-02-29',
  milestones: [
    {
      id: 'cover',
      description: `every institution inventories ${o.target} %`,
      metric: 'inventory-coverage',
      target: o.target,
      due: o.due ?? '2024-12-31',
      stage: 'final',
      appliesTo: { scope: 'all-institutions' },
    },
  ],
});

describe('progress under the default plan: the two staged milestones', () => {
  let rm: SqliteReadModels;
  beforeAll(async () => {
    const log = new Log();
    log.register('sxu', 'key4', 4, '山西');
    log.register('nuc', 'key4', 4, '山西');
    log.inventory('sxu', ['2024-03-10', '2024-03-20']);
    log.inventory('nuc', ['2024-03-20', '2024-04-20']);
    const [p] = log.inventory('sxu', ['2024-03-25']);
    log.add(`patent-${p}`, f.intentTagged({ applicationNumber: p!, occurredOn: '2024-04-01' }));
    log.add(
      `patent-${p}`,
      f.evaluated({ applicationNumber: p!, evaluationId: 'ev-1', occurredOn: '2024-04-29' }),
    );
    rm = await readModels(log);
  });
  afterAll(() => rm.close());

  it('key4-staged (50 % by 2024-03-31) is per institution: met by sxu, missed by nuc', async () => {
    const r = await queryProgress(rm.sql, { asOf: '2024-04-30' });
    expect(r.plans).toEqual([
      expect.objectContaining({ planId: 'shanxi-2024', version: 1, default: true, institutions: 2 }),
    ]);
    expect(institution(r, 'sxu').milestones.map((m) => [m.id, m.status])).toEqual([
      ['key4-staged', 'met'],
      ['key4-100', 'on-track'],
      ['all-100', 'on-track'],
    ]);
    expect(institution(r, 'nuc').milestones.find((m) => m.id === 'key4-staged')).toMatchObject({
      status: 'missed',
      measuredOn: '2024-03-31',
      coveragePercent: 25,
    });
    expect(milestone(r, 'key4-staged')).toMatchObject({
      stage: 'staged',
      status: 'missed',
      institutions: { total: 2, met: 1 },
    });
  });

  it('evaluation-staged (30 % of the pool by 2024-04-30) is met by the evaluation of 04-29', async () => {
    expect(milestone(await queryProgress(rm.sql, { asOf: '2024-04-28' }), 'evaluation-staged')).toMatchObject(
      {
        status: 'at-risk',
        pool: { patents: 1, evaluated: 0 },
      },
    );
    expect(milestone(await queryProgress(rm.sql, { asOf: '2024-05-01' }), 'evaluation-staged')).toMatchObject(
      {
        status: 'met',
        measuredOn: '2024-04-30',
        value: 100,
      },
    );
  });
});

describe('progress of the same events under two plans, and under a plan changed mid-year', () => {
  /** Shanxi: s1 (10 stock, 4 inventoried by June); Beijing: b1 (10 stock, 4 inventoried by June). */
  const events = (): Log => {
    const log = new Log();
    log.register('s1', 'other', 10, '山西', 'education');
    log.register('b1', 'other', 10, '北京', 'science-technology');
    log.register('b2', 'other', 0, '北京');
    log.inventory('s1', ['2024-03-10', '2024-04-10', '2024-05-10', '2024-06-10']);
    log.inventory('b1', ['2024-03-10', '2024-04-10', '2024-05-10', '2024-06-10']);
    return log;
  };

  it('a second province’s plan is loaded beside the default: each institution is measured by its own', async () => {
    const log = events();
    log.publish(coveragePlan({ planId: 'beijing-2024', province: '北京', target: 50, due: '2024-06-30' }));
    const rm = await readModels(log);
    const r = await queryProgress(rm.sql, { asOf: '2024-07-01' });
    // in the order of their first institution (group, then id)
    expect(r.plans.map((p) => [p.planId, p.default, p.institutions])).toEqual([
      ['beijing-2024', false, 2],
      ['shanxi-2024', true, 1],
    ]);
    expect(institution(r, 's1')).toMatchObject({ plan: { planId: 'shanxi-2024', default: true } });
    expect(institution(r, 's1').milestones.map((m) => [m.id, m.status])).toEqual([
      ['others-30', 'met'],
      ['all-100', 'at-risk'],
    ]);
    expect(institution(r, 'b1').milestones).toEqual([
      expect.objectContaining({ id: 'cover', target: 50, status: 'missed', coveragePercent: 40 }),
    ]);
    expect(milestone(r, 'cover')).toMatchObject({
      planId: 'beijing-2024',
      institutions: { total: 2, met: 1 },
    });

    // the same events, Beijing's plan without: both provinces under the default
    const none = await readModels(events());
    const d = await queryProgress(none.sql, { asOf: '2024-07-01' });
    expect(d.plans.map((p) => [p.planId, p.institutions])).toEqual([['shanxi-2024', 3]]);
    expect(institution(d, 'b1').milestones.map((m) => [m.id, m.status])).toEqual([
      ['others-30', 'met'],
      ['all-100', 'at-risk'],
    ]);

    // per province and per supervising department
    expect(
      r.byProvince.map((p) => [p.province, p.plan.planId, p.institutions, p.inventoried, p.coveragePercent]),
    ).toEqual([
      ['北京', 'beijing-2024', 2, 4, 40],
      ['山西', 'shanxi-2024', 1, 4, 40],
    ]);
    expect(r.byDepartment.map((x) => [x.department, x.institutions, x.milestones])).toEqual([
      ['education', 1, { met: 1, 'on-track': 0, 'at-risk': 1, missed: 0 }],
      ['science-technology', 1, { met: 0, 'on-track': 0, 'at-risk': 0, missed: 1 }],
      ['unspecified', 1, { met: 1, 'on-track': 0, 'at-risk': 0, missed: 0 }],
    ]);
    const edu = await queryProgress(rm.sql, { asOf: '2024-07-01', department: 'education' });
    expect(edu.institutions.map((i) => i.institutionId)).toEqual(['s1']);
    expect(edu.department).toBe('education');
    const one = await queryProgress(rm.sql, { asOf: '2024-07-01', institutionId: 'b1' });
    expect(one.institutions.map((i) => i.institutionId)).toEqual(['b1']);
    expect(one.plans.map((p) => p.planId)).toEqual(['beijing-2024']);
    await rm.close();
    await none.close();
  });

  it('asOf before a new version uses the version then in force; after it, the new one', async () => {
    const log = events();
    log.publish(coveragePlan({ planId: 'sx-custom', province: '山西', target: 60 }));
    log.publish(
      coveragePlan({
        planId: 'sx-custom',
        province: '山西',
        version: 2,
        effectiveFrom: '2024-07-01',
        target: 40,
      }),
      '2024-07-01',
    );
    const rm = await readModels(log);
    const june = await queryProgress(rm.sql, { asOf: '2024-06-30', province: '山西' });
    expect(june.plans.map((p) => [p.planId, p.version])).toEqual([['sx-custom', 1]]);
    expect(milestone(june, 'cover')).toMatchObject({ target: 60, value: 40, planVersion: 1 });
    const december = await queryProgress(rm.sql, { asOf: '2024-12-31', province: '山西' });
    expect(december.plans.map((p) => [p.planId, p.version])).toEqual([['sx-custom', 2]]);
    expect(milestone(december, 'cover')).toMatchObject({ target: 40, status: 'met', planVersion: 2 });
    // before the first version is in force: the default plan
    const before = await queryProgress(rm.sql, { asOf: '2024-02-28', province: '山西' });
    expect(before.plans.map((p) => [p.planId, p.default])).toEqual([['shanxi-2024', true]]);

    const listed = await queryPlans(rm.sql, { asOf: '2024-06-30' });
    expect(listed.plans.map((p) => [p.planId, p.version, p.inForce])).toEqual([
      ['sx-custom', 1, true],
      ['sx-custom', 2, false],
    ]);
    expect(listed.default).toMatchObject({ planId: 'shanxi-2024' });
    expect(listed.plans[1]!.document).toEqual(
      coveragePlan({
        planId: 'sx-custom',
        province: '山西',
        version: 2,
        effectiveFrom: '2024-07-01',
        target: 40,
      }),
    );
    expect((await queryPlans(rm.sql, { asOf: '2024-07-01' })).plans.map((p) => p.inForce)).toEqual([
      false,
      true,
    ]);
    await rm.close();
  });

  it('a published Shanxi plan equal to the default gives the default’s answers', async () => {
    const log = events();
    log.publish(shanxiPlan2024());
    const rm = await readModels(log);
    const published = await queryProgress(rm.sql, { asOf: '2024-07-01', province: '山西' });
    const fallback = await queryProgress((await readModels(events())).sql, {
      asOf: '2024-07-01',
      province: '山西',
    });
    expect(published.plans[0]).toMatchObject({ planId: 'shanxi-2024', default: false });
    expect(published.milestones.map(({ status, value }) => [status, value])).toEqual(
      fallback.milestones.map(({ status, value }) => [status, value]),
    );
    await rm.close();
  });
});

describe('supervising department of an old registration', () => {
  it('is unspecified until SupervisingDepartmentAssigned', async () => {
    const log = new Log();
    log.register('h1', 'other', 1, '山西');
    const rm = await readModels(log);
    expect(institution(await queryProgress(rm.sql, { asOf: '2024-07-01' }), 'h1').department).toBe(
      'unspecified',
    );
    await rm.applyBatch('progress', [
      (() => {
        const l2 = new Log();
        l2.events.push(...log.events);
        l2.add('institution-h1', {
          type: 'SupervisingDepartmentAssigned',
          data: { institutionId: 'h1', department: 'health', occurredOn: '2024-05-01' },
        });
        return l2.events[l2.events.length - 1]!;
      })(),
    ]);
    expect(institution(await queryProgress(rm.sql, { asOf: '2024-07-01' }), 'h1').department).toBe('health');
    await rm.close();
  });
});
