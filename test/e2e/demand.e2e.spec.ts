/**
 * Demand and response (plan §二(四)1, 精准对接) over HTTP: enterprises post needs on pool patents, the
 * institution answers within the working days of the plan in force (an obligation of the ledger),
 * an accepted need opens a cooperation project, and a patent inventoried later names the project.
 */
import { shanxiPlan2024 } from '@patent-ledger/domain';
import {
  actors,
  applicationNumber,
  expectProblem,
  headPosition,
  inventory,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from './harness';

const POOL = applicationNumber(2017, 1, 7001);
const NOT_POOLED = applicationNumber(2017, 1, 7002);
const RESULT = applicationNumber(2025, 1, 7003);

const need = (o: Record<string, unknown> = {}) => ({
  applicationNumber: POOL,
  kind: 'improvement',
  description: '中试放大工艺',
  postedOn: '2025-04-30',
  ...o,
});

describe('demand and response over HTTP', () => {
  let h: Harness;
  const at = (position: number) => `minPosition=${position}`;
  beforeAll(async () => {
    h = await startHarness();
    await registerInstitution(h);
    await pooledPatent(h, POOL);
    await inventory(h, NOT_POOLED);
  });
  afterAll(async () => h.close());

  it('a need only on a pool patent (plan §二(四)1): refused on a patent not admitted or unknown, nothing appended', async () => {
    const before = await headPosition(h);
    expectProblem(
      await send(h, 'post', '/needs', need({ applicationNumber: NOT_POOLED }), {
        headers: actors.enterprise,
      }),
      409,
      'PATENT.NOT_IN_POOL',
    );
    expectProblem(
      await send(h, 'post', '/needs', need({ applicationNumber: applicationNumber(2017, 1, 7999) }), {
        headers: actors.enterprise,
      }),
      404,
      'PATENT.NOT_FOUND',
    );
    expectProblem(
      await send(h, 'post', '/needs', need({ kind: 'money' }), { headers: actors.enterprise }),
      400,
      'REQUEST.VALIDATION_FAILED',
      ['kind'],
    );
    expect(await headPosition(h)).toBe(before);
  });

  it('only an enterprise posts a need in its own name; the institution answers, the enterprise withdraws', async () => {
    for (const who of [actors.institution, actors.analyst, actors.auditor, actors.ipOffice]) {
      const r = await send(h, 'post', '/needs', need({ needId: 'need-denied' }), { headers: who });
      expectProblem(r, 403, 'ACCESS.DENIED');
      expect(r.body.rule).toBe('need-post');
    }
    const posted = await send(h, 'post', '/needs', need({ needId: 'need-1' }), {
      headers: actors.enterprise,
    });
    expect(posted.status).toBe(201);
    expect(posted.body).toEqual(
      expect.objectContaining({ needId: 'need-1', streamName: 'need-need-1', version: 1 }),
    );
    expect(posted.headers['etag']).toBe('"1"');
    const pos = posted.body.events[0].position as number;

    const one = await h
      .http()
      .get(`/needs/need-1?${at(pos)}`)
      .set(actors.enterprise);
    expect(one.status).toBe(200);
    // 15 working days (the default plan) after 2025-04-30, the May Day holiday skipped
    expect(one.body).toEqual(
      expect.objectContaining({
        institutionId: 'tyut',
        enterpriseId: 'sx-coal-materials',
        status: 'open',
        respondBy: '2025-05-26',
        responseWorkingDays: 15,
      }),
    );
    for (const [who, count] of [
      [actors.enterprise, 1],
      [actors.institution, 1],
      [actors.analyst, 1],
      [actors.ipOffice, 1],
      [actors.licensee, 0],
      [actors.otherInstitution, 0],
    ] as const) {
      const list = await h
        .http()
        .get(`/needs?${at(pos)}`)
        .set(who);
      expect(list.status).toBe(200);
      expect(list.body.items).toHaveLength(count);
    }
    const filtered = await h
      .http()
      .get(`/needs?status=answered&${at(pos)}`)
      .set(actors.ipOffice);
    expect(filtered.body.items).toHaveLength(0);
    const denied = await h.http().get('/needs/need-1').set(actors.licensee);
    expectProblem(denied, 403, 'ACCESS.DENIED');
    expect(denied.body.rule).toBe('needs');

    for (const who of [actors.enterprise, actors.otherInstitution, actors.analyst]) {
      const r = await send(
        h,
        'post',
        '/needs/need-1/answer',
        { answer: 'accepted', text: '可', answeredOn: '2025-05-10' },
        { headers: who },
      );
      expectProblem(r, 403, 'ACCESS.DENIED');
      expect(r.body.rule).toBe('need-answer');
    }
    for (const who of [actors.institution, actors.licensee]) {
      const r = await send(
        h,
        'post',
        '/needs/need-1/withdraw',
        { withdrawnOn: '2025-05-08' },
        { headers: who },
      );
      expectProblem(r, 403, 'ACCESS.DENIED');
      expect(r.body.rule).toBe('need-withdraw');
    }
    // If-Match pins the need's version
    expectProblem(
      await send(
        h,
        'post',
        '/needs/need-1/answer',
        { answer: 'accepted', text: '可联合攻关', answeredOn: '2025-05-10' },
        {
          headers: actors.institution,
          ifMatch: '"7"',
        },
      ),
      412,
      'PRECONDITION.VERSION_MISMATCH',
    );
    const answered = await send(
      h,
      'post',
      '/needs/need-1/answer',
      { answer: 'accepted', text: '可联合攻关', answeredOn: '2025-05-10' },
      {
        headers: actors.institution,
        ifMatch: '"1"',
      },
    );
    expect(answered.status).toBe(201);
    expectProblem(
      await send(
        h,
        'post',
        '/needs/need-1/withdraw',
        { withdrawnOn: '2025-05-12' },
        { headers: actors.enterprise },
      ),
      409,
      'NEED.ALREADY_ANSWERED',
    );
  });

  it('an Idempotency-Key names the same need on a retry', async () => {
    const first = await send(h, 'post', '/needs', need(), {
      headers: actors.enterprise,
      key: 'need-retry-1',
    });
    const again = await send(h, 'post', '/needs', need(), {
      headers: actors.enterprise,
      key: 'need-retry-1',
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.needId).toBe(first.body.needId);
    expect(again.body.events).toEqual(first.body.events);
  });

  it('the answer is an obligation of the institution: on time, late, overdue, cancelled by a withdrawal', async () => {
    const post = async (needId: string) => {
      const r = await send(h, 'post', '/needs', need({ needId }), { headers: actors.enterprise });
      expect(r.status).toBe(201);
    };
    await post('need-late');
    await post('need-overdue');
    await post('need-withdrawn');
    expect(
      (
        await send(
          h,
          'post',
          '/needs/need-late/answer',
          { answer: 'declined', text: '暂无条件', answeredOn: '2025-06-10' },
          { headers: actors.institution },
        )
      ).status,
    ).toBe(201);
    const w = await send(
      h,
      'post',
      '/needs/need-withdrawn/withdraw',
      { withdrawnOn: '2025-05-08' },
      { headers: actors.enterprise },
    );
    expect(w.status).toBe(201);
    const pos = w.body.events[0].position as number;

    const list = await h
      .http()
      .get(`/obligations?kind=need-response&asOf=2025-06-20&${at(pos)}`)
      .set(actors.institution);
    expect(list.status).toBe(200);
    const byRef = Object.fromEntries(
      (list.body.items as { ref: string }[]).map((i) => [i.ref, i as Record<string, unknown>]),
    );
    expect(byRef['need-1']).toEqual(
      expect.objectContaining({
        status: 'fulfilled',
        late: false,
        dueDate: '2025-05-26',
        responsibleParty: { kind: 'institution', id: 'tyut' },
      }),
    );
    expect(byRef['need-late']).toEqual(expect.objectContaining({ status: 'fulfilled', late: true }));
    expect(byRef['need-overdue']).toEqual(expect.objectContaining({ status: 'overdue', daysOverdue: 25 }));
    expect(byRef['need-withdrawn']).toEqual(
      expect.objectContaining({ status: 'cancelled', cancelledOn: '2025-05-08' }),
    );
    const early = await h
      .http()
      .get(`/obligations?kind=need-response&asOf=2025-05-20`)
      .set(actors.institution);
    expect(
      (early.body.items as { ref: string; status: string }[]).find((i) => i.ref === 'need-overdue')?.status,
    ).toBe('open');
    const other = await h
      .http()
      .get(`/obligations?kind=need-response&asOf=2025-06-20`)
      .set(actors.otherInstitution);
    expect(other.body.items).toHaveLength(0);
  });

  it('the plan in force sets the answer period (needResponseWorkingDays)', async () => {
    const plan = { ...shanxiPlan2024(), version: 2, needResponseWorkingDays: 1 };
    const pub = await send(h, 'put', `/plans/${plan.planId}`, plan, { headers: actors.ipOffice });
    expect(pub.status).toBe(201);
    // the plans are read from the progress projection: let it see the publication first
    const seen = await h
      .http()
      .get(`/plans?${at(pub.body.events[0].position)}`)
      .set(actors.ipOffice);
    expect(seen.status).toBe(200);
    const r = await send(h, 'post', '/needs', need({ needId: 'need-plan' }), { headers: actors.enterprise });
    expect(r.status).toBe(201);
    const one = await h
      .http()
      .get(`/needs/need-plan?${at(r.body.events[0].position)}`)
      .set(actors.ipOffice);
    expect(one.body).toEqual(expect.objectContaining({ respondBy: '2025-05-06', responseWorkingDays: 1 }));
  });

  it('an accepted need opens a project; a patent inventoried later names it; the parties close it', async () => {
    const body = {
      projectId: 'prj-1',
      kind: 'joint-rd',
      enterpriseId: 'sx-coal-materials',
      institutionId: 'tyut',
      applicationNumbers: [POOL],
      needId: 'need-1',
      startedOn: '2025-05-20',
    };
    for (const who of [actors.licensee, actors.otherInstitution, actors.analyst]) {
      const r = await send(h, 'post', '/projects', body, { headers: who });
      expectProblem(r, 403, 'ACCESS.DENIED');
      expect(r.body.rule).toBe('project-open');
    }
    expectProblem(
      await send(
        h,
        'post',
        '/projects',
        { ...body, projectId: 'prj-declined', needId: 'need-late' },
        { headers: actors.enterprise },
      ),
      409,
      'NEED.NOT_ACCEPTED',
    );
    const opened = await send(h, 'post', '/projects', body, { headers: actors.enterprise });
    expect(opened.status).toBe(201);
    expect(opened.body.projectId).toBe('prj-1');

    expectProblem(
      await send(
        h,
        'post',
        '/patents',
        { ...inventoryOf(RESULT), projectId: 'prj-none' },
        { headers: actors.institution },
      ),
      404,
      'PROJECT.NOT_FOUND',
    );
    const inv = await send(
      h,
      'post',
      '/patents',
      { ...inventoryOf(RESULT), projectId: 'prj-1' },
      { headers: actors.institution },
    );
    expect(inv.status).toBe(201);
    const pos = inv.body.events[0].position as number;
    const p = await h
      .http()
      .get(`/projects/prj-1?${at(pos)}`)
      .set(actors.institution);
    expect(p.status).toBe(200);
    expect(p.body).toEqual(
      expect.objectContaining({
        status: 'open',
        needId: 'need-1',
        applicationNumbers: [POOL],
        resultingPatents: [expect.objectContaining({ applicationNumber: RESULT })],
      }),
    );
    expectProblem(await h.http().get('/projects/prj-1').set(actors.licensee), 403, 'ACCESS.DENIED');
    expect(
      (
        await h
          .http()
          .get(`/projects?${at(pos)}`)
          .set(actors.otherInstitution)
      ).body.items,
    ).toHaveLength(0);
    expect(
      (
        await h
          .http()
          .get(`/projects?${at(pos)}`)
          .set(actors.analyst)
      ).body.items,
    ).toHaveLength(1);

    const closeBody = { closedOn: '2025-11-30', outcome: 'completed', notes: '形成新专利 1 件' };
    const deniedClose = await send(h, 'post', '/projects/prj-1/close', closeBody, {
      headers: actors.analyst,
    });
    expectProblem(deniedClose, 403, 'ACCESS.DENIED');
    expect(deniedClose.body.rule).toBe('project-close');
    const closed = await send(h, 'post', '/projects/prj-1/close', closeBody, { headers: actors.institution });
    expect(closed.status).toBe(201);
    const after = await h
      .http()
      .get(`/projects/prj-1?${at(closed.body.events[0].position)}`)
      .set(actors.enterprise);
    expect(after.body).toEqual(
      expect.objectContaining({
        status: 'closed',
        closed: { closedOn: '2025-11-30', outcome: 'completed', notes: '形成新专利 1 件' },
      }),
    );
    expect(after.headers['etag']).toBe('"2"');
  });
});

function inventoryOf(number: string): Record<string, unknown> {
  return {
    applicationNumber: number,
    institutionId: 'tyut',
    title: '一种煤矸石基多孔陶瓷的中试制备方法',
    kind: 'invention',
    filingDate: '2025-06-02',
    grantDate: '2025-10-20',
    inventors: ['王磊'],
    ipc: ['C04B 38/00'],
    fiscallyFunded: false,
    implementationStatus: 'not-implemented',
    technologyReadiness: 6,
    selfAssessedGrade: 'A',
    occurredOn: '2025-11-01',
  };
}
