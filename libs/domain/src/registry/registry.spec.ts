import { spec } from '../testing/given-when-then';
import { NOW, TODAY } from '../testing/fixtures';
import {
  enterpriseDecider,
  expertDecider,
  type EnterpriseRegistered,
  type ExpertRecommended,
  type RecommendExpert,
  type RegisterEnterprise,
} from './registry';

const enterprise = spec(enterpriseDecider);
const expert = spec(expertDecider);

const register = (o: Partial<RegisterEnterprise['data']> = {}): RegisterEnterprise => ({
  type: 'RegisterEnterprise',
  data: {
    enterpriseId: 'sx-coal-materials',
    name: '山西煤基新材料有限公司',
    category: 'specialized-sme',
    region: '140100',
    contact: { name: '李明', phone: '+86 351 1234567', email: 'li.ming@example.cn' },
    occurredOn: '2024-04-10',
    ...o,
  },
  now: NOW,
});
const registered = (o: Partial<EnterpriseRegistered['data']> = {}): EnterpriseRegistered => ({
  type: 'EnterpriseRegistered',
  data: {
    enterpriseId: 'sx-coal-materials',
    name: '山西煤基新材料有限公司',
    category: 'specialized-sme',
    region: '140100',
    contact: { name: '李明', phone: '+86 351 1234567', email: 'li.ming@example.cn' },
    occurredOn: '2024-04-10',
    ...o,
  },
});

/** The command without a business date (it defaults to today in China). */
const undated = (c: RegisterEnterprise): RegisterEnterprise => {
  const { occurredOn: _o, ...data } = c.data;
  return { ...c, data };
};

describe('RegisterEnterprise (PUT /enterprises/{id})', () => {
  it('registers an enterprise', () => {
    enterprise.given([]).when(register()).then([registered()]);
  });

  it('an identical PUT changes nothing; changed details are recorded', () => {
    enterprise.given([registered()]).when(register()).then([]);
    enterprise
      .given([registered()])
      .when(undated(register({ category: 'high-tech' })))
      .then([
        {
          type: 'EnterpriseDetailsChanged',
          data: { ...registered().data, category: 'high-tech', occurredOn: TODAY },
        },
      ]);
  });

  it.each([
    ['category', { category: 'giant' }, 'FIELD.NOT_ALLOWED'],
    ['region', { region: '1401' }, 'FIELD.INVALID'],
    ['contact.name', { contact: { name: '' } }, 'FIELD.REQUIRED'],
    ['contact.phone', { contact: { name: '李明', phone: 'call me' } }, 'FIELD.INVALID'],
    ['contact.email', { contact: { name: '李明', email: 'li.ming' } }, 'FIELD.INVALID'],
    ['occurredOn', { occurredOn: '2099-01-01' }, 'DATE.IN_FUTURE'],
  ])('refuses a bad %s', (field, o, code) => {
    const err = enterprise
      .given([])
      .when(register(o as Partial<RegisterEnterprise['data']>))
      .thenThrows(code, 'invalid');
    expect(err.field).toBe(field);
  });
});

const recommend = (o: Partial<RecommendExpert['data']> = {}): RecommendExpert => ({
  type: 'RecommendExpert',
  data: {
    expertId: 'exp-wang',
    name: '王工',
    fields: ['C04B', '煤基材料'],
    organisation: '山西焦煤集团',
    title: '高级工程师',
    recommendedBy: 'sx-cnipa',
    occurredOn: '2024-04-20',
    ...o,
  },
  now: NOW,
});
const recommended = (o: Partial<ExpertRecommended['data']> = {}): ExpertRecommended => ({
  type: 'ExpertRecommended',
  data: {
    expertId: 'exp-wang',
    name: '王工',
    fields: ['C04B', '煤基材料'],
    organisation: '山西焦煤集团',
    title: '高级工程师',
    recommendedBy: 'sx-cnipa',
    occurredOn: '2024-04-20',
    ...o,
  },
});

describe('RecommendExpert (PUT /experts/{id})', () => {
  it('recommends an expert into the pool; the same again changes nothing; changes are recorded', () => {
    expert.given([]).when(recommend()).then([recommended()]);
    expert.given([recommended()]).when(recommend()).then([]);
    expert
      .given([recommended()])
      .when(recommend({ fields: ['C04B'], occurredOn: '2024-05-01' }))
      .then([
        {
          type: 'ExpertDetailsChanged',
          data: { ...recommended().data, fields: ['C04B'], occurredOn: '2024-05-01' },
        },
      ]);
  });

  it('needs at least one field and a recommending organisation', () => {
    expect(
      expert
        .given([])
        .when(recommend({ fields: [] }))
        .thenThrows('FIELD.REQUIRED').field,
    ).toBe('fields');
    expect(
      expert
        .given([])
        .when(recommend({ recommendedBy: '' }))
        .thenThrows('FIELD.INVALID_ID').field,
    ).toBe('recommendedBy');
  });
});
