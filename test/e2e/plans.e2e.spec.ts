/**
 * Plans as data (issue 15) over HTTP: an ip-office admin publishes a plan (PUT /plans/{planId}),
 * validated against its JSON Schema and the plan rules (a bad plan: 400 naming the field, nothing
 * appended); GET /plans lists it; /progress measures each province by the plan in force on asOf,
 * per institution, supervising department and province.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLAN_SCHEMA, shanxiPlan2024 } from '@patent-ledger/domain';
import {
  actors,
  applicationNumber,
  authAs,
  expectProblem,
  headPosition,
  inventoryBody,
  send,
  startHarness,
  type Harness,
} from './harness';

const beijing = (o: Record<string, unknown> = {}) => ({
  planId: 'beijing-2024',
  version: 1,
  title: '北京市存量专利盘活工作方案',
  province: '北京',
  effectiveFrom: '2024-03-01',
  programmeStart: '2024-03-01',
  milestones: [
    {
      id: 'all-50',
      description: 'every institution inventories half of its stock',
      metric: 'inventory-coverage',
      target: 50,
      due: '2024-09-30',
      stage: 'staged',
      appliesTo: { scope: 'all-institutions' },
    },
  ],
  ...o,
});

describe('plans as data over HTTP', () => {
  let h: Harness;
  let bj: Record<string, string>;
  beforeAll(async () => {
    h = await startHarness();
    bj = await authAs({ role: 'institution', orgId: 'bj-tech', userId: 'tto-zhang' });
  });
  afterAll(async () => h.close());

  it('ships the plan document schema and the default plan in docs/plans, equal to the code', () => {
    const dir = join(__dirname, '../../docs/plans');
    expect(JSON.parse(readFileSync(join(dir, 'plan.schema.json'), 'utf8'))).toEqual(PLAN_SCHEMA);
    expect(JSON.parse(readFileSync(join(dir, 'shanxi-2024.json'), 'utf8'))).toEqual(shanxiPlan2024());
  });

  it('refuses a bad plan with a problem naming the field, and appends nothing', async () => {
    const before = await headPosition(h);
    const put = (body: unknown) => send(h, 'put', '/plans/beijing-2024', body, { headers: actors.ipOffice });

    const noDue = beijing();
    delete (noDue.milestones as Record<string, unknown>[])[0]!['due'];
    expectProblem(await put(noDue), 400, 'PLAN.SCHEMA_INVALID', ['milestones[0].due']);
    expectProblem(await put({ ...beijing(), colour: 'red' }), 400, 'PLAN.SCHEMA_INVALID', ['colour']);
    expectProblem(
      await put(beijing({ milestones: [{ ...beijing().milestones[0], metric: 'happiness' }] })),
      400,
      'PLAN.SCHEMA_INVALID',
      ['milestones[0].metric'],
    );
    expectProblem(await put(beijing({ version: '1' })), 400, 'PLAN.SCHEMA_INVALID', ['version']);
    // what the schema cannot say: the plan rules of the domain
    expectProblem(
      await put(beijing({ milestones: [beijing().milestones[0], beijing().milestones[0]] })),
      400,
      'PLAN.DUPLICATE_MILESTONE',
      ['milestones[1].id'],
    );
    expectProblem(await put(beijing({ effectiveFrom: '2024-02-30' })), 400, 'DATE.INVALID', [
      'effectiveFrom',
    ]);
    expectProblem(await put(beijing({ planId: 'tianjin-2024' })), 400, 'PLAN.ID_MISMATCH', ['planId']);
    expect(await headPosition(h)).toBe(before);
    expect((await h.http().get('/plans')).body.plans).toEqual([]);
  });

  it('only an ip-office admin publishes a plan', async () => {
    const officer = await authAs({ role: 'ip-office', orgId: 'sx-cnipa', userId: 'officer-2' });
    const res = await send(h, 'put', '/plans/beijing-2024', beijing(), { headers: officer });
    expectProblem(res, 403, 'ACCESS.DENIED');
    expect(res.body.rule).toBe('plan-publish');
    expectProblem(
      await send(h, 'put', '/plans/beijing-2024', beijing(), { headers: actors.institution }),
      403,
      'ACCESS.DENIED',
    );
  });

  it('publishes a second province’s plan beside the default, lists it, and measures Beijing by it', async () => {
    const res = await send(h, 'put', '/plans/beijing-2024', beijing(), { headers: actors.ipOffice });
    expect(res.status).toBe(201);
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['PlanPublished']);
    expect(res.body.streamName).toBe('plan-beijing-2024');
    const again = await send(h, 'put', '/plans/beijing-2024', beijing(), { headers: actors.ipOffice });
    expect(again.status).toBe(200);
    expect(again.body.events).toEqual([]);
    expectProblem(
      await send(h, 'put', '/plans/beijing-2024', beijing({ title: 'other' }), { headers: actors.ipOffice }),
      409,
      'PLAN.VERSION_EXISTS',
      ['version'],
    );

    const reg = await send(
      h,
      'put',
      '/institutions/bj-tech',
      {
        name: '北京某理工大学',
        kind: 'university',
        province: '北京',
        milestoneGroup: 'other',
        department: 'education',
        stockPatentCount: 2,
        occurredOn: '2024-03-01',
      },
      { headers: actors.ipOffice },
    );
    expect(reg.status).toBe(201);
    expectProblem(
      await send(
        h,
        'put',
        '/institutions/bj-other',
        {
          name: 'X',
          kind: 'university',
          province: '北京',
          milestoneGroup: 'other',
          department: 'magic',
          stockPatentCount: 1,
        },
        { headers: actors.ipOffice },
      ),
      400,
      'REQUEST.VALIDATION_FAILED',
      ['department'],
    );
    const inv = await send(
      h,
      'post',
      '/patents',
      inventoryBody(applicationNumber(2018, 1, 4242), { institutionId: 'bj-tech', occurredOn: '2024-04-01' }),
      { headers: bj },
    );
    expect(inv.status).toBe(201);
    const position = inv.body.events[0].position as number;

    const plans = await h.http().get(`/plans?asOf=2024-06-30&minPosition=${position}`).set(actors.analyst);
    expect(plans.status).toBe(200);
    expect(
      plans.body.plans.map((p: { planId: string; version: number; inForce: boolean }) => [
        p.planId,
        p.version,
        p.inForce,
      ]),
    ).toEqual([['beijing-2024', 1, true]]);
    expect(plans.body.default.planId).toBe('shanxi-2024');
    const csv = await h.http().get('/plans?asOf=2024-06-30').set('Accept', 'text/csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n').slice(0, 2)).toEqual([
      '\ufeffplanId,version,province,effectiveFrom,publishedOn,inForce,milestones',
      expect.stringMatching(/^beijing-2024,1,北京,2024-03-01,\d{4}-\d{2}-\d{2},true,all-50$/),
    ]);

    const progress = await h.http().get(`/progress?asOf=2024-10-01&province=北京&minPosition=${position}`);
    expect(progress.status).toBe(200);
    expect(progress.body.plans).toEqual([
      expect.objectContaining({ planId: 'beijing-2024', version: 1, default: false }),
    ]);
    expect(progress.body.institutions).toEqual([
      expect.objectContaining({
        institutionId: 'bj-tech',
        department: 'education',
        coveragePercent: 50,
        milestones: [expect.objectContaining({ id: 'all-50', status: 'met' })],
      }),
    ]);
    expect(progress.body.byDepartment).toEqual([
      expect.objectContaining({ department: 'education', institutions: 1 }),
    ]);
    const dept = await h.http().get('/progress?asOf=2024-10-01&department=health');
    expect(dept.body.institutions).toEqual([]);
    expectProblem(await h.http().get('/progress?department=magic'), 400, 'REQUEST.VALIDATION_FAILED', [
      'department',
    ]);
  });

  it('a new version mid-year: asOf before it uses the old one, after it the new one', async () => {
    const v2 = beijing({
      version: 2,
      effectiveFrom: '2024-07-01',
      milestones: [{ ...beijing().milestones[0], id: 'all-80', target: 80, stage: 'final' }],
    });
    const res = await send(h, 'put', '/plans/beijing-2024', v2, { headers: actors.ipOffice });
    expect(res.status).toBe(201);
    const position = res.body.events[0].position as number;
    const at = async (asOf: string) =>
      (await h.http().get(`/progress?asOf=${asOf}&institutionId=bj-tech&minPosition=${position}`)).body as {
        plans: { version: number }[];
        milestones: { id: string; status: string }[];
      };
    const june = await at('2024-06-30');
    expect(june.plans.map((p) => p.version)).toEqual([1]);
    expect(june.milestones.map((m) => m.id)).toEqual(['all-50']);
    const october = await at('2024-10-01');
    expect(october.plans.map((p) => p.version)).toEqual([2]);
    expect(october.milestones.map((m) => [m.id, m.status])).toEqual([['all-80', 'missed']]);
    expectProblem(
      await send(h, 'put', '/plans/beijing-2024', beijing(), { headers: actors.ipOffice }),
      409,
      'PLAN.VERSION_NOT_NEWER',
      ['version'],
    );
  });
});

describe('KPIs and knownAt over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('answers /kpis from the read models, as of a date and as known at an instant; /progress and /obligations take knownAt', async () => {
    const reg = await send(
      h,
      'put',
      '/institutions/tyut',
      {
        name: '太原理工大学',
        kind: 'university',
        province: '山西',
        milestoneGroup: 'tyut',
        department: 'education',
        stockPatentCount: 4,
        occurredOn: '2024-03-01',
      },
      { headers: actors.ipOffice },
    );
    expect(reg.status).toBe(201);
    const first = await send(
      h,
      'post',
      '/patents',
      inventoryBody(applicationNumber(2017, 1, 601), { occurredOn: '2024-03-15' }),
      { headers: actors.institution },
    );
    expect(first.status).toBe(201);
    const between = new Date(Date.parse(first.body.events[0].recordedAt as string) + 1).toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const number = applicationNumber(2017, 1, 602);
    const second = await send(h, 'post', '/patents', inventoryBody(number, { occurredOn: '2024-03-20' }), {
      headers: actors.institution,
    });
    expect(second.status).toBe(201);
    const transfer = await send(
      h,
      'post',
      `/patents/${number}/transfers`,
      {
        dealId: 'deal-1',
        assigneeId: 'sx-coal-materials',
        assigneeName: '山西煤基新材料有限公司',
        contractDate: '2024-05-10',
        price: '800000.00',
        pricingMethod: 'agreed',
      },
      { headers: actors.institution },
    );
    expect(transfer.status).toBe(201);
    const position = transfer.body.events[0].position as number;

    const now = await h.http().get(`/kpis?asOf=2024-06-30&minPosition=${position}`).set(actors.analyst);
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({
      asOf: '2024-06-30',
      institutions: 1,
      stockPatentCount: 4,
      inventoried: 2,
      inventoryCoverage: 50,
      implementationRate: 50,
      deals: { transfer: { count: 1, contractValue: '800000.00' } },
      obligations: { overdue: 1, open: 1 },
    });
    expect(now.body.byDepartment).toEqual([
      expect.objectContaining({ department: 'education', inventoried: 2 }),
    ]);
    const then = await h.http().get(`/kpis?asOf=2024-06-30&knownAt=${between}`);
    expect(then.body).toMatchObject({ knownAt: between, inventoried: 1, deals: { transfer: { count: 0 } } });

    const progress = await h.http().get(`/progress?asOf=2024-06-30&knownAt=${between}`);
    expect(progress.body.institutions[0]).toMatchObject({ institutionId: 'tyut', inventoried: 1 });
    expect((await h.http().get('/progress?asOf=2024-06-30')).body.institutions[0].inventoried).toBe(2);
    const obligations = await h.http().get(`/obligations?asOf=2024-06-30&knownAt=${between}`);
    expect(obligations.status).toBe(200);
    expect(obligations.body.total).toBe(0);
    expect((await h.http().get('/obligations?asOf=2024-06-30')).body.total).toBe(2);

    expectProblem(await h.http().get('/kpis?knownAt=yesterday'), 400, 'REQUEST.INVALID_QUERY', ['knownAt']);
    expectProblem(await h.http().get('/kpis?asOf=2024-02-30'), 400, 'REQUEST.VALIDATION_FAILED', ['asOf']);
    const denied = await h.http().get('/kpis').set(actors.enterprise);
    expectProblem(denied, 403, 'ACCESS.DENIED');
    expect(denied.body.rule).toBe('kpis');
    expectProblem(
      await h.http().get('/kpis?institutionId=sxu').set(actors.institution),
      403,
      'ACCESS.DENIED',
    );
    const own = await h.http().get('/kpis?asOf=2024-06-30').set(actors.institution);
    expect(own.body.byInstitution.map((i: { institutionId: string }) => i.institutionId)).toEqual(['tyut']);
    const csv = await h.http().get('/kpis?asOf=2024-06-30&format=csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const [header, row] = csv.text.replace(/^\ufeff/, '').split('\r\n');
    const cells = Object.fromEntries(header!.split(',').map((k, i) => [k, row!.split(',')[i]]));
    expect(cells).toMatchObject({
      institutionId: 'tyut',
      inventoryCoverage: '50',
      transfers: '1',
      transferValue: '800000.00',
    });
    const series = await h.http().get('/kpis?asOf=2024-05-31&series=monthly&from=2024-03-01');
    expect(
      series.body.series.map((p: { asOf: string; inventoried: number }) => [p.asOf, p.inventoried]),
    ).toEqual([
      ['2024-03-31', 2],
      ['2024-04-30', 2],
      ['2024-05-31', 2],
    ]);
  });
});
