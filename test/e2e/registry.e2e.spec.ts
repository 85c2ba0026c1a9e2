/** The registries of the plan's §二(二)1 over HTTP: enterprises and the expert pool (issue 15). */
import { actors, expectProblem, headPosition, send, startHarness, type Harness } from './harness';

const enterprise = (o: Record<string, unknown> = {}) => ({
  name: '山西煤基新材料有限公司',
  category: 'specialized-sme',
  region: '140100',
  contact: { name: '李明', phone: '+86 351 1234567', email: 'li.ming@example.cn' },
  occurredOn: '2024-04-10',
  ...o,
});
const expert = (o: Record<string, unknown> = {}) => ({
  name: '王工',
  fields: ['C04B', '煤基材料'],
  organisation: '山西焦煤集团',
  title: '高级工程师',
  recommendedBy: 'sx-kjt',
  occurredOn: '2024-04-20',
  ...o,
});

describe('registries over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('an enterprise registers itself (or ip-office registers it); others may not; bad fields are named', async () => {
    const before = await headPosition(h);
    expectProblem(
      await send(h, 'put', '/enterprises/sx-coal-materials', enterprise({ region: '14' }), {
        headers: actors.enterprise,
      }),
      400,
      'REQUEST.VALIDATION_FAILED',
      ['region'],
    );
    expectProblem(
      await send(
        h,
        'put',
        '/enterprises/sx-coal-materials',
        enterprise({ contact: { name: '李明', email: 'li.ming' } }),
        {
          headers: actors.enterprise,
        },
      ),
      400,
      'FIELD.INVALID',
      ['contact.email'],
    );
    const other = await send(h, 'put', '/enterprises/sx-coal-materials', enterprise(), {
      headers: actors.licensee,
    });
    expectProblem(other, 403, 'ACCESS.DENIED');
    expect(other.body.rule).toBe('enterprise-register');
    // nothing appended but the denial itself (the day's accessDenials stream)
    expect(await headPosition(h)).toBe(before + 1);

    const res = await send(h, 'put', '/enterprises/sx-coal-materials', enterprise(), {
      headers: actors.enterprise,
    });
    expect(res.status).toBe(201);
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['EnterpriseRegistered']);
    const same = await send(h, 'put', '/enterprises/sx-coal-materials', enterprise(), {
      headers: actors.enterprise,
    });
    expect(same.status).toBe(200);
    expect(same.body.events).toEqual([]);
    const changed = await send(
      h,
      'put',
      '/enterprises/sx-coal-materials',
      enterprise({ category: 'high-tech', occurredOn: '2024-06-01' }),
      { headers: actors.enterprise },
    );
    expect(changed.body.events.map((e: { type: string }) => e.type)).toEqual(['EnterpriseDetailsChanged']);
    const byOffice = await send(
      h,
      'put',
      '/enterprises/jz-ceramics',
      enterprise({ name: '晋中陶瓷', category: 'other', region: '140700' }),
      { headers: actors.ipOffice },
    );
    expect(byOffice.status).toBe(201);
    const p = byOffice.body.events[0].position as number;

    const asAnalyst = await h.http().get(`/enterprises?minPosition=${p}`).set(actors.analyst);
    expect(asAnalyst.status).toBe(200);
    expect(asAnalyst.body.items).toEqual([
      {
        enterpriseId: 'jz-ceramics',
        name: '晋中陶瓷',
        category: 'other',
        region: '140700',
        registeredOn: '2024-04-10',
        updatedOn: '2024-04-10',
      },
      {
        enterpriseId: 'sx-coal-materials',
        name: '山西煤基新材料有限公司',
        category: 'high-tech',
        region: '140100',
        registeredOn: '2024-04-10',
        updatedOn: '2024-06-01',
      },
    ]);
    const own = await h.http().get('/enterprises?region=1401').set(actors.enterprise);
    expect(own.body.items).toEqual([
      expect.objectContaining({ enterpriseId: 'sx-coal-materials', contact: enterprise().contact }),
    ]);
    expect((await h.http().get('/enterprises?category=other')).body.items).toEqual([
      expect.objectContaining({ enterpriseId: 'jz-ceramics', contact: expect.any(Object) }),
    ]);
    expectProblem(await h.http().get('/enterprises?category=giant'), 400, 'REQUEST.INVALID_QUERY', [
      'category',
    ]);
  });

  it('ip-office recommends experts into the pool; they are listed by field', async () => {
    expectProblem(
      await send(h, 'put', '/experts/exp-wang', expert(), { headers: actors.institution }),
      403,
      'ACCESS.DENIED',
    );
    expectProblem(
      await send(h, 'put', '/experts/exp-wang', expert({ fields: [] }), { headers: actors.ipOffice }),
      400,
      'REQUEST.VALIDATION_FAILED',
      ['fields'],
    );
    const res = await send(h, 'put', '/experts/exp-wang', expert(), { headers: actors.ipOffice });
    expect(res.status).toBe(201);
    expect(res.body.streamName).toBe('expert-exp-wang');
    const p = res.body.events[0].position as number;
    const listed = await h.http().get(`/experts?field=C04B&minPosition=${p}`).set(actors.enterprise);
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        expertId: 'exp-wang',
        fields: ['C04B', '煤基材料'],
        recommendedBy: 'sx-kjt',
      }),
    ]);
    expect((await h.http().get('/experts?field=H01M')).body.items).toEqual([]);
    const csv = await h.http().get('/experts?format=csv');
    expect(csv.text.split('\r\n').slice(0, 2)).toEqual([
      '\ufeffexpertId,name,fields,organisation,title,recommendedBy,recommendedOn',
      'exp-wang,王工,C04B; 煤基材料,山西焦煤集团,高级工程师,sx-kjt,2024-04-20',
    ]);
  });
});
