/**
 * Promotion as the plan runs it (§二(三)2–3) over HTTP: the quarterly salons and whether each quarter
 * had one, the key-promotion projects (重点推广), and the technology verification and maturation
 * services (技术验证和熟化) performed on patents. Bad input is refused with a problem naming the field,
 * and nothing is appended.
 */
import Ajv2020 from 'ajv/dist/2020';
import {
  actors,
  applicationNumber,
  expectProblem,
  headPosition,
  inventory,
  newKey,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from './harness';

const POOL = applicationNumber(2017, 1, 8001);
const POOL2 = applicationNumber(2018, 1, 8002);
const NOT_POOLED = applicationNumber(2017, 1, 8003);
const UNKNOWN = applicationNumber(2017, 1, 8999);
const COAL = 'sx-coal-materials';
const CERAMICS = 'jz-ceramics';

/** The province of the harness's institution (tyut). */
const SHANXI = '山西';
const salon = (o: Record<string, unknown> = {}) => ({
  organizerId: 'sx-ip-service-assoc',
  organizerName: '山西省知识产权服务协会',
  province: SHANXI,
  heldOn: '2025-02-18',
  title: '新材料领域存量专利知识产权沙龙',
  applicationNumbers: [POOL],
  enterpriseIds: [COAL, CERAMICS],
  ...o,
});
const keyPromotion = (o: Record<string, unknown> = {}) => ({
  name: '煤基新材料高价值专利重点推广',
  organizerName: '山西省知识产权局',
  province: SHANXI,
  applicationNumbers: [POOL],
  startedOn: '2025-03-01',
  ...o,
});
const service = (o: Record<string, unknown> = {}) => ({
  applicationNumber: POOL,
  providerId: 'zz-sx-ip-ops',
  providerName: '中知（山西）知识产权运营中心',
  kind: 'maturation',
  startedOn: '2025-02-10',
  completedOn: '2025-05-10',
  outcome: '完成中试放大，良品率 92%',
  technologyReadinessAfter: 7,
  ...o,
});

describe('promotion over HTTP (plan §二(三)2–3)', () => {
  let h: Harness;
  const at = (position: number) => `minPosition=${position}`;
  beforeAll(async () => {
    h = await startHarness();
    await registerInstitution(h);
    await pooledPatent(h, POOL);
    await pooledPatent(h, POOL2);
    await inventory(h, NOT_POOLED);
    for (const id of [COAL, CERAMICS]) {
      const r = await send(
        h,
        'put',
        `/enterprises/${id}`,
        {
          name: `企业 ${id}`,
          category: 'specialized-sme',
          region: '140100',
          contact: { name: '李明' },
          occurredOn: '2024-04-10',
        },
        { headers: actors.ipOffice },
      );
      expect(r.status).toBe(201);
    }
  });
  afterAll(async () => h.close());

  it('refuses a salon without patents, dated after today, with an unknown enterprise or a patent not in the pool; nothing appended', async () => {
    const before = await headPosition(h);
    const post = (body: Record<string, unknown>) =>
      send(h, 'post', '/salons', body, { headers: actors.ipOffice });
    expectProblem(await post(salon({ applicationNumbers: [] })), 400, 'SALON.NO_PATENTS', [
      'applicationNumbers',
    ]);
    expectProblem(await post(salon({ heldOn: '2099-01-01' })), 400, 'DATE.IN_FUTURE', ['heldOn']);
    expectProblem(
      await post(salon({ enterpriseIds: [COAL, 'nobody-ltd'] })),
      409,
      'ENTERPRISE.NOT_REGISTERED',
      ['enterpriseIds[1]'],
    );
    expectProblem(await post(salon({ enterpriseIds: [] })), 400, 'SALON.NO_ENTERPRISES', ['enterpriseIds']);
    expectProblem(await post(salon({ applicationNumbers: [POOL, UNKNOWN] })), 404, 'PATENT.NOT_FOUND', [
      'applicationNumbers[1]',
    ]);
    expectProblem(await post(salon({ applicationNumbers: [NOT_POOLED] })), 409, 'PATENT.NOT_IN_POOL', [
      'applicationNumbers[0]',
    ]);
    expectProblem(await post(salon({ heldOn: '2025-02-30' })), 400, 'REQUEST.VALIDATION_FAILED', ['heldOn']);
    expectProblem(await post(salon({ venue: 'x' })), 400, 'REQUEST.VALIDATION_FAILED', ['venue']);
    // an institution organises for its own province only
    expectProblem(
      await send(
        h,
        'post',
        '/salons',
        salon({ organizerId: undefined, organizerName: '太原理工大学', province: '河北' }),
        { headers: actors.institution },
      ),
      409,
      'SALON.OTHER_PROVINCE',
      ['province'],
    );
    expect(await headPosition(h)).toBe(before);
  });

  it('ip-office records a salon for any organizer; an institution only its own; the others never', async () => {
    for (const who of [actors.enterprise, actors.analyst, actors.auditor, actors.institution]) {
      const r = await send(h, 'post', '/salons', salon({ salonId: 'salon-denied' }), { headers: who });
      expectProblem(r, 403, 'ACCESS.DENIED');
      expect(r.body.rule).toBe('salon-record');
    }
    const key = newKey('salon');
    const q1 = await send(h, 'post', '/salons', salon(), { headers: actors.ipOffice, key });
    expect(q1.status).toBe(201);
    expect(q1.body.streamName).toBe(`salon-${q1.body.salonId}`);
    expect(q1.headers['location']).toBe(`/salons/${q1.body.salonId}`);
    // a retry with the same key is the same salon, not a second one
    const again = await send(h, 'post', '/salons', salon(), { headers: actors.ipOffice, key });
    expect(again.body.salonId).toBe(q1.body.salonId);
    expect(again.headers['idempotent-replayed']).toBe('true');

    const own = await send(
      h,
      'post',
      '/salons',
      salon({
        salonId: 'salon-tyut-2025q3',
        organizerId: undefined,
        organizerName: '太原理工大学技术转移中心',
        heldOn: '2025-09-30',
        applicationNumbers: [POOL, POOL2],
        enterpriseIds: [COAL],
      }),
      { headers: actors.institution },
    );
    expect(own.status).toBe(201);
    const pos = own.body.events[0].position as number;

    const one = await h
      .http()
      .get(`/salons/salon-tyut-2025q3?${at(pos)}`)
      .set(actors.enterprise);
    expect(one.status).toBe(200);
    expect(one.headers['etag']).toBe('"1"');
    expect(one.body).toEqual(
      expect.objectContaining({
        organizerId: 'tyut',
        province: SHANXI,
        heldOn: '2025-09-30',
        applicationNumbers: [POOL, POOL2],
        enterpriseIds: [COAL],
      }),
    );
    expectProblem(await h.http().get('/salons/salon-none').set(actors.analyst), 404, 'SALON.NOT_FOUND');

    const quarters = await h
      .http()
      .get(`/salons/quarters?province=${encodeURIComponent(SHANXI)}&year=2025&${at(pos)}`)
      .set(actors.analyst);
    expect(quarters.status).toBe(200);
    expect(
      quarters.body.quarters.map(
        (q: { quarter: number; held: boolean; ended: boolean; salons: unknown[] }) => [
          q.quarter,
          q.held,
          q.ended,
          q.salons.length,
        ],
      ),
    ).toEqual([
      [1, true, true, 1],
      [2, false, true, 0],
      [3, true, true, 1],
      [4, false, true, 0],
    ]);
    const byOrganizer = await h
      .http()
      .get(`/salons/quarters?organizerId=tyut&year=2025&asOf=2025-08-01&${at(pos)}`)
      .set(actors.ipOffice);
    expect(
      byOrganizer.body.quarters.map((q: { held: boolean; ended: boolean }) => [q.held, q.ended]),
    ).toEqual([
      [false, true],
      [false, true],
      [true, false],
      [false, false],
    ]);
    expectProblem(
      await h
        .http()
        .get(`/salons/quarters?province=${encodeURIComponent(SHANXI)}`)
        .set(actors.analyst),
      400,
      'REQUEST.INVALID_QUERY',
      ['year'],
    );
    const presenting = await h
      .http()
      .get(`/salons?applicationNumber=${POOL2}&${at(pos)}`)
      .set(actors.auditor);
    expect(presenting.body.items.map((s: { salonId: string }) => s.salonId)).toEqual(['salon-tyut-2025q3']);
    const attended = await h
      .http()
      .get(`/salons?enterpriseId=${CERAMICS}&${at(pos)}`)
      .set(actors.licensee);
    expect(attended.body.items).toHaveLength(1);
  });

  it('a key-promotion project groups pool patents, changes while open, and closes with its outcome', async () => {
    const before = await headPosition(h);
    expectProblem(
      await send(h, 'post', '/key-promotions', keyPromotion({ applicationNumbers: [] }), {
        headers: actors.ipOffice,
      }),
      400,
      'KEY_PROMOTION.NO_PATENTS',
      ['applicationNumbers'],
    );
    expectProblem(
      await send(h, 'post', '/key-promotions', keyPromotion({ applicationNumbers: [NOT_POOLED] }), {
        headers: actors.ipOffice,
      }),
      409,
      'PATENT.NOT_IN_POOL',
      ['applicationNumbers[0]'],
    );
    expect(await headPosition(h)).toBe(before);
    // (a denial is kept in the denied-access log, so after the count)
    const denied = await send(h, 'post', '/key-promotions', keyPromotion({ keyPromotionId: 'kp-x' }), {
      headers: actors.institution,
    });
    expectProblem(denied, 403, 'ACCESS.DENIED');
    expect(denied.body.rule).toBe('key-promotion');

    const opened = await send(h, 'post', '/key-promotions', keyPromotion({ keyPromotionId: 'kp-1' }), {
      headers: actors.ipOffice,
    });
    expect(opened.status).toBe(201);
    const change = (body: Record<string, unknown>, who = actors.ipOffice) =>
      send(h, 'post', '/key-promotions/kp-1/patents', body, { headers: who });
    expectProblem(await change({ add: [NOT_POOLED], changedOn: '2025-04-01' }), 409, 'PATENT.NOT_IN_POOL', [
      'add[0]',
    ]);
    expectProblem(
      await change({ add: [POOL], changedOn: '2025-04-01' }),
      409,
      'KEY_PROMOTION.PATENT_ALREADY_IN',
      ['add[0]'],
    );
    expectProblem(
      await change({ remove: [POOL], changedOn: '2025-04-01' }),
      409,
      'KEY_PROMOTION.NO_PATENTS',
      ['remove'],
    );
    expectProblem(await change({ add: [POOL2], changedOn: '2025-02-01' }), 400, 'DATE.ORDER', ['changedOn']);
    expectProblem(
      await change({ add: [POOL2], changedOn: '2025-04-01' }, actors.enterprise),
      403,
      'ACCESS.DENIED',
    );
    expect((await change({ add: [POOL2], changedOn: '2025-04-01' })).status).toBe(201);
    expect((await change({ remove: [POOL], changedOn: '2025-04-15', reason: '已许可' })).status).toBe(201);

    const close = (body: Record<string, unknown>) =>
      send(h, 'post', '/key-promotions/kp-1/close', body, { headers: actors.ipOffice });
    expectProblem(
      await close({ closedOn: '2025-06-30', summary: '促成许可 1 项', counts: { deals: -1 } }),
      400,
      'REQUEST.VALIDATION_FAILED',
      ['counts.deals'],
    );
    const closed = await close({
      closedOn: '2025-06-30',
      summary: '路演 2 场，促成许可 1 项',
      counts: { deals: 1, enterprisesEngaged: 12 },
    });
    expect(closed.status).toBe(201);
    const afterClose = await headPosition(h);
    expectProblem(await change({ add: [POOL], changedOn: '2025-07-01' }), 409, 'KEY_PROMOTION.CLOSED');
    expectProblem(await close({ closedOn: '2025-07-01', summary: 'again' }), 409, 'KEY_PROMOTION.CLOSED');
    expect(await headPosition(h)).toBe(afterClose);
    expectProblem(
      await send(
        h,
        'post',
        '/key-promotions/kp-none/close',
        { closedOn: '2025-07-01', summary: 's' },
        {
          headers: actors.ipOffice,
        },
      ),
      404,
      'KEY_PROMOTION.NOT_FOUND',
    );

    const pos = closed.body.events[0].position as number;
    const k = await h
      .http()
      .get(`/key-promotions/kp-1?${at(pos)}`)
      .set(actors.analyst);
    expect(k.status).toBe(200);
    expect(k.headers['etag']).toBe('"4"');
    expect(k.body).toEqual(
      expect.objectContaining({
        organizerId: 'sx-cnipa',
        applicationNumbers: [POOL2],
        status: 'closed',
        closed: {
          closedOn: '2025-06-30',
          summary: '路演 2 场，促成许可 1 项',
          counts: { deals: 1, enterprisesEngaged: 12 },
        },
        changes: [
          { changedOn: '2025-04-01', added: [POOL2], removed: [] },
          { changedOn: '2025-04-15', added: [], removed: [POOL], reason: '已许可' },
        ],
      }),
    );
    const list = await h
      .http()
      .get(`/key-promotions?status=closed&applicationNumber=${POOL2}&${at(pos)}`)
      .set(actors.enterprise);
    expect(list.body.items.map((x: { keyPromotionId: string }) => x.keyPromotionId)).toEqual(['kp-1']);
    expectProblem(
      await h.http().get('/key-promotions?status=done').set(actors.enterprise),
      400,
      'REQUEST.INVALID_QUERY',
    );
  });

  it('a technology service is recorded by ip-office or the patent institution, on a known patent', async () => {
    const before = await headPosition(h);
    const post = (body: Record<string, unknown>) =>
      send(h, 'post', '/services', body, { headers: actors.institution });
    expectProblem(await post(service({ applicationNumber: UNKNOWN })), 404, 'PATENT.NOT_FOUND', [
      'applicationNumber',
    ]);
    expectProblem(await post(service({ completedOn: '2099-01-01' })), 400, 'DATE.IN_FUTURE', ['completedOn']);
    expectProblem(await post(service({ completedOn: '2025-01-01' })), 400, 'DATE.ORDER', ['completedOn']);
    expectProblem(await post(service({ kind: 'roadshow' })), 400, 'REQUEST.VALIDATION_FAILED', ['kind']);
    expect(await headPosition(h)).toBe(before);
    for (const who of [actors.otherInstitution, actors.enterprise, actors.analyst]) {
      const r = await send(h, 'post', '/services', service({ serviceId: 'svc-denied' }), { headers: who });
      expectProblem(r, 403, 'ACCESS.DENIED');
      expect(r.body.rule).toBe('service-record');
    }

    const own = await post(service({ serviceId: 'svc-1' }));
    expect(own.status).toBe(201);
    const office = await send(
      h,
      'post',
      '/services',
      service({
        serviceId: 'svc-2',
        applicationNumber: NOT_POOLED,
        kind: 'verification',
        technologyReadinessAfter: undefined,
      }),
      { headers: actors.ipOffice },
    );
    expect(office.status).toBe(201);
    expectProblem(await post(service({ serviceId: 'svc-1' })), 409, 'SERVICE.EXISTS', ['serviceId']);
    const pos = office.body.events[0].position as number;

    const one = await h
      .http()
      .get(`/services/svc-1?${at(pos)}`)
      .set(actors.auditor);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(
      expect.objectContaining({
        applicationNumber: POOL,
        institutionId: 'tyut',
        kind: 'maturation',
        technologyReadinessAfter: 7,
      }),
    );
    const onPatent = await h
      .http()
      .get(`/services?applicationNumber=${NOT_POOLED}&${at(pos)}`)
      .set(actors.enterprise);
    expect(onPatent.body.items.map((s: { serviceId: string }) => s.serviceId)).toEqual(['svc-2']);
    const ofTyut = await h
      .http()
      .get(`/services?institutionId=tyut&kind=maturation&${at(pos)}`)
      .set(actors.analyst);
    expect(ofTyut.body.items).toHaveLength(1);
    expectProblem(await h.http().get('/services/svc-none').set(actors.analyst), 404, 'SERVICE.NOT_FOUND');
  });

  it('answers as the OpenAPI document says (every read of promotion against its schema)', async () => {
    const doc = (await h.anonymous().get('/docs-json')).body as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>
      >;
      components: object;
    };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/).addFormat('date-time', () => true);
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const pos = await headPosition(h);
    for (const [path, url] of [
      ['/salons', `/salons?${at(pos)}`],
      ['/salons/{salonId}', '/salons/salon-tyut-2025q3'],
      ['/salons/quarters', `/salons/quarters?year=2025&province=${encodeURIComponent(SHANXI)}`],
      ['/key-promotions', '/key-promotions'],
      ['/key-promotions/{keyPromotionId}', '/key-promotions/kp-1'],
      ['/services', '/services'],
      ['/services/{serviceId}', '/services/svc-1'],
    ] as const) {
      const res = await h.http().get(url).set(actors.analyst);
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
      const schema = JSON.parse(
        JSON.stringify(
          doc.paths[path]!['get']!.responses['200']!.content['application/json']!.schema,
        ).replaceAll('"#/components/', '"doc#/components/'),
      ) as object;
      const valid = ajv.validate(schema, res.body);
      expect({ url, errors: valid ? [] : ajv.errors }).toEqual({ url, errors: [] });
    }
  });
});
