import { spec } from '../testing/given-when-then';
import { NOW, TODAY } from '../testing/fixtures';
import {
  planDecider,
  planInForce,
  validatePlanDocument,
  type PlanCommand,
  type PlanDocument,
  type PlanPublished,
} from './plan';
import { shanxiPlan2024 } from './shanxi-2024';

const plan = spec(planDecider);

const doc = (o: Partial<PlanDocument> = {}): PlanDocument => ({
  planId: 'beijing-2024',
  version: 1,
  title: '北京市存量专利盘活工作方案',
  province: '北京',
  effectiveFrom: '2024-03-15',
  programmeStart: '2024-03-15',
  milestones: [
    {
      id: 'all-50',
      description: 'every institution inventories half',
      metric: 'inventory-coverage',
      target: 50,
      due: '2024-09-30',
      stage: 'staged',
      appliesTo: { scope: 'all-institutions' },
    },
  ],
  ...o,
});
const publish = (o: Partial<PlanDocument> = {}): PlanCommand => ({
  type: 'PublishPlan',
  data: doc(o),
  now: NOW,
});
const published = (o: Partial<PlanDocument> = {}): PlanPublished => ({
  type: 'PlanPublished',
  data: { ...doc(o), publishedOn: TODAY },
});
/** A command whose document is broken at one place (as JSON would carry it). */
const broken = (patch: (d: Record<string, unknown>) => void): PlanCommand => {
  const d = JSON.parse(JSON.stringify(doc())) as Record<string, unknown>;
  patch(d);
  return { type: 'PublishPlan', data: d as unknown as PlanDocument, now: NOW };
};
const milestone0 = (d: Record<string, unknown>): Record<string, unknown> =>
  (d['milestones'] as Record<string, unknown>[])[0]!;

describe('PublishPlan', () => {
  it('publishes the first version of a plan', () => {
    plan.given([]).when(publish()).then([published()]);
  });

  it('defaults a milestone stage to final and its description to its id', () => {
    const events = plan
      .given([])
      .when(
        broken((d) => {
          delete milestone0(d)['stage'];
          delete milestone0(d)['description'];
        }),
      )
      .events();
    expect(events[0]!.data.milestones[0]).toMatchObject({ stage: 'final', description: 'all-50' });
  });

  it('re-publishing the same version with the same content changes nothing', () => {
    plan.given([published()]).when(publish()).then([]);
  });

  it('publishes a newer version, in force from a later date', () => {
    plan
      .given([published()])
      .when(publish({ version: 2, effectiveFrom: '2024-07-01' }))
      .then([published({ version: 2, effectiveFrom: '2024-07-01' })]);
  });

  it('refuses other content under a published version', () => {
    plan
      .given([published()])
      .when(publish({ title: 'changed' }))
      .thenThrows('PLAN.VERSION_EXISTS', 'rule');
  });

  it('refuses an older version', () => {
    plan
      .given([published({ version: 3 })])
      .when(publish({ version: 2 }))
      .thenThrows('PLAN.VERSION_NOT_NEWER', 'rule');
  });

  it('refuses a version in force before the current one', () => {
    plan
      .given([published({ effectiveFrom: '2024-05-01' })])
      .when(publish({ version: 2, effectiveFrom: '2024-04-01' }))
      .thenThrows('PLAN.EFFECTIVE_BACKDATED', 'rule');
  });

  it('keeps the province of a plan', () => {
    plan
      .given([published()])
      .when(publish({ version: 2, province: '天津' }))
      .thenThrows('PLAN.PROVINCE_FIXED', 'rule');
  });

  type Patch = (d: Record<string, unknown>) => void;
  const cases: [string, string, Patch][] = [
    ['version', 'PLAN.INVALID', (d) => (d['version'] = 0)],
    ['effectiveFrom', 'DATE.INVALID', (d) => (d['effectiveFrom'] = '2024-02-30')],
    ['milestones', 'PLAN.INVALID', (d) => (d['milestones'] = [])],
    ['milestones[0].metric', 'FIELD.NOT_ALLOWED', (d) => (milestone0(d)['metric'] = 'happiness')],
    ['milestones[0].target', 'PLAN.INVALID', (d) => (milestone0(d)['target'] = 120)],
    ['milestones[0].due', 'PLAN.INVALID', (d) => (milestone0(d)['due'] = '2024-01-31')],
    ['milestones[0].stage', 'FIELD.NOT_ALLOWED', (d) => (milestone0(d)['stage'] = 'halfway')],
    [
      'milestones[0].appliesTo.scope',
      'FIELD.NOT_ALLOWED',
      (d) => (milestone0(d)['appliesTo'] = { scope: 'nation' }),
    ],
    [
      'milestones[0].appliesTo.group',
      'FIELD.NOT_ALLOWED',
      (d) => (milestone0(d)['appliesTo'] = { scope: 'group', group: 'top10' }),
    ],
    [
      'milestones[0].appliesTo.institutions',
      'PLAN.INVALID',
      (d) => (milestone0(d)['appliesTo'] = { scope: 'institutions', institutions: [] }),
    ],
    [
      'milestones[0].appliesTo.scope',
      'PLAN.INVALID',
      (d) => (milestone0(d)['metric'] = 'evaluation-coverage'),
    ],
    [
      'milestones[1].id',
      'PLAN.DUPLICATE_MILESTONE',
      (d) => (d['milestones'] = [milestone0(d), { ...milestone0(d) }]),
    ],
  ];
  it.each(cases)('refuses a bad plan naming the field %s (%s), and appends nothing', (field, code, patch) => {
    const err = plan.given([]).when(broken(patch)).thenThrows(code, 'invalid');
    expect(err.field).toBe(field);
  });

  it('a promotion count must be a whole number ≥ 1 and measured over the province', () => {
    const promotion = (target: unknown, scope = 'province') =>
      broken((d) => {
        d['milestones'] = [
          { id: 'p', metric: 'promotion-launched', target, due: '2024-06-30', appliesTo: { scope } },
        ];
      });
    expect(plan.given([]).when(promotion(0.5)).thenThrows('PLAN.INVALID').field).toBe('milestones[0].target');
    expect(plan.given([]).when(promotion(1, 'all-institutions')).thenThrows('PLAN.INVALID').field).toBe(
      'milestones[0].appliesTo.scope',
    );
    expect(plan.given([]).when(promotion(2)).events()).toHaveLength(1);
  });
});

describe('the default plan', () => {
  it('is a valid plan with the six milestones and the two staged ones of the Shanxi text', () => {
    const p = shanxiPlan2024();
    expect(validatePlanDocument(p)).toEqual(p);
    expect(p.milestones.map((m) => [m.id, m.stage, m.due])).toEqual([
      ['tyut-100', 'final', '2024-03-31'],
      ['key4-staged', 'staged', '2024-03-31'],
      ['evaluation-staged', 'staged', '2024-04-30'],
      ['key4-100', 'final', '2024-06-30'],
      ['others-30', 'final', '2024-06-30'],
      ['all-100', 'final', '2024-12-31'],
      ['promotion-launch', 'final', '2024-06-30'],
      ['evaluation-basic', 'final', '2024-12-31'],
    ]);
    expect(shanxiPlan2024(80).milestones.find((m) => m.id === 'evaluation-basic')!.target).toBe(80);
  });
});

describe('planInForce', () => {
  it('takes the latest effectiveFrom on or before the date, the later publication on a tie', () => {
    const v = [
      { v: 1, effectiveFrom: '2024-02-29' },
      { v: 2, effectiveFrom: '2024-07-01' },
      { v: 3, effectiveFrom: '2024-07-01' },
    ];
    expect(planInForce(v, '2024-02-28')).toBeUndefined();
    expect(planInForce(v, '2024-06-30')!.v).toBe(1);
    expect(planInForce(v, '2024-07-01')!.v).toBe(3);
  });
});
