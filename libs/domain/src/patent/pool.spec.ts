import { patentDecider } from './decider';
import { spec } from '../testing/given-when-then';
import {
  AN,
  declinedTag,
  ENT_A,
  ENT_B,
  evaluated,
  evaluatePatent,
  inPool,
  intentTagged,
  inventoried,
  promoted,
  promotePatent,
  tagIntent,
  TOMORROW,
  transferred,
  transferRegistered,
} from '../testing/fixtures';
import type { Patent } from './state';

const patent = spec(patentDecider);

describe('TagIntent → IntentTagged (筛选入库)', () => {
  it('admits the patent to the pool with its modes and asking price', () => {
    patent
      .given([inventoried()])
      .when(
        tagIntent({
          modes: ['license', 'transfer', 'license'],
          screening: { method: 'inventor-self', decision: 'admitted', reason: '  strong demand ' },
          askingPrice: 80000000,
        }),
      )
      .then([
        {
          type: 'IntentTagged',
          data: {
            applicationNumber: AN,
            modes: ['license', 'transfer'],
            screening: { method: 'inventor-self', decision: 'admitted', reason: 'strong demand' },
            askingPrice: '800000.00',
            occurredOn: '2024-03-20',
          },
        },
      ]);
  });

  it('declines with no modes and no asking price', () => {
    patent
      .given([inventoried()])
      .when(
        tagIntent({
          modes: [],
          screening: { method: 'institution-central', decision: 'declined', reason: 'no market' },
        }),
      )
      .then([
        {
          type: 'IntentTagged',
          data: {
            applicationNumber: AN,
            modes: [],
            screening: { method: 'institution-central', decision: 'declined', reason: 'no market' },
            occurredOn: '2024-03-20',
          },
        },
      ]);
  });

  it('puts an admitted patent in the pool', () => {
    expect((patent.given(inPool()).state as Patent).inPool).toBe(true);
  });

  describe('re-tagging: the latest tag wins', () => {
    it('is allowed', () => {
      patent
        .given([inventoried(), intentTagged()])
        .when(tagIntent({ modes: ['self-implementation'], occurredOn: '2024-06-01' }))
        .then([intentTagged({ modes: ['self-implementation'], occurredOn: '2024-06-01' })]);
    });

    it('declined after admitted removes the patent from the pool', () => {
      const { state } = patent.given([
        inventoried(),
        intentTagged(),
        declinedTag({ occurredOn: '2024-06-01' }),
      ]);
      expect(state).toMatchObject({
        inPool: false,
        intent: { modes: [], screening: { decision: 'declined' }, taggedOn: '2024-06-01' },
      });
      patent
        .given([inventoried(), intentTagged(), declinedTag({ occurredOn: '2024-06-01' })])
        .when(evaluatePatent())
        .thenThrows('PATENT.NOT_IN_POOL', 'rule');
    });

    it('admitted after declined puts it back', () => {
      const events = [
        inventoried(),
        declinedTag(),
        intentTagged({ occurredOn: '2024-06-01', askingPrice: '500000.00' }),
      ];
      expect(patent.given(events).state).toMatchObject({
        inPool: true,
        intent: { modes: ['transfer', 'license'], askingPrice: '500000.00', taggedOn: '2024-06-01' },
      });
      patent.given(events).when(evaluatePatent()).then([evaluated()]);
    });

    it('a re-tag without an asking price drops the earlier one', () => {
      const { state } = patent.given([inventoried(), intentTagged({ askingPrice: '1.00' }), intentTagged()]);
      expect((state as Patent).intent).not.toHaveProperty('askingPrice');
    });
  });

  it('is allowed after a transfer contract that is not yet registered', () => {
    patent
      .given([...inPool(), transferred()])
      .when(tagIntent())
      .then([intentTagged()]);
  });

  it('is rejected once ownership moved (TransferRegistered)', () => {
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(tagIntent())
      .thenThrows('PATENT.NOT_HELD_BY_INSTITUTION', 'rule');
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(tagIntent()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });

  it.each([
    [{ modes: [] }, 'INTENT.MODES_REQUIRED', 'modes'],
    [{ modes: 'transfer' }, 'FIELD.INVALID', 'modes'],
    [{ modes: undefined }, 'FIELD.INVALID', 'modes'],
    [{ modes: ['transfer', 'pledge'] }, 'FIELD.NOT_ALLOWED', 'modes[1]'],
    [{ screening: undefined }, 'FIELD.NOT_ALLOWED', 'screening.decision'],
    [
      { screening: { method: 'inventor-self', decision: 'maybe' } },
      'FIELD.NOT_ALLOWED',
      'screening.decision',
    ],
    [{ screening: { method: 'committee', decision: 'admitted' } }, 'FIELD.NOT_ALLOWED', 'screening.method'],
    [
      { screening: { method: 'inventor-self', decision: 'admitted', reason: 42 } },
      'FIELD.INVALID',
      'screening.reason',
    ],
    [{ askingPrice: -5 }, 'MONEY.INVALID', 'askingPrice'],
    [{ askingPrice: '12.345' }, 'MONEY.INVALID', 'askingPrice'],
    [{ occurredOn: TOMORROW }, 'DATE.IN_FUTURE', 'occurredOn'],
    [{ occurredOn: '2024-02-30' }, 'DATE.INVALID', 'occurredOn'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given([inventoried()]).when(tagIntent(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });
});

describe('EvaluatePatent → EnterpriseEvaluated (市场评价)', () => {
  it('records an evaluation of a pool patent', () => {
    patent
      .given(inPool())
      .when(
        evaluatePatent({
          enterpriseName: ' Shanxi Energy Co. ',
          improvementNeeds: { level: 'pilot-needed', notes: ' needs a pilot line ' },
          industrializationProspect: 5,
          cooperationWillingness: 'joint-rd',
          enterpriseCategory: 'specialized-sme',
        }),
      )
      .then([
        {
          type: 'EnterpriseEvaluated',
          data: {
            applicationNumber: AN,
            evaluationId: 'ev-1',
            enterpriseId: ENT_A.id,
            enterpriseName: 'Shanxi Energy Co.',
            enterpriseCategory: 'specialized-sme',
            industrializationProspect: 5,
            improvementNeeds: { level: 'pilot-needed', notes: 'needs a pilot line' },
            cooperationWillingness: 'joint-rd',
            occurredOn: '2024-04-10',
          },
        },
      ]);
  });

  it('a first evaluation carries no supersedes', () => {
    const [e] = patent.given(inPool()).when(evaluatePatent()).events();
    expect(e?.data).not.toHaveProperty('supersedes');
  });

  it('evaluations by different enterprises coexist (many per patent)', () => {
    patent
      .given([...inPool(), evaluated()])
      .when(evaluatePatent({ evaluationId: 'ev-2', enterpriseId: ENT_B.id, enterpriseName: ENT_B.name }))
      .then([evaluated({ evaluationId: 'ev-2', enterpriseId: ENT_B.id, enterpriseName: ENT_B.name })]);
    const { state } = patent.given([
      ...inPool(),
      evaluated(),
      evaluated({ evaluationId: 'ev-2', enterpriseId: ENT_B.id, enterpriseName: ENT_B.name }),
    ]);
    expect((state as Patent).evaluations.map((e) => e.evaluationId)).toEqual(['ev-1', 'ev-2']);
  });

  describe('one per enterprise: a second evaluation from the same enterprise supersedes the first', () => {
    it('the event carries supersedes', () => {
      patent
        .given([...inPool(), evaluated()])
        .when(
          evaluatePatent({ evaluationId: 'ev-2', industrializationProspect: 2, occurredOn: '2024-08-01' }),
        )
        .then([
          evaluated({
            evaluationId: 'ev-2',
            industrializationProspect: 2,
            occurredOn: '2024-08-01',
            supersedes: 'ev-1',
          }),
        ]);
    });

    it('a third supersedes the second, not the first', () => {
      patent
        .given([...inPool(), evaluated(), evaluated({ evaluationId: 'ev-2', supersedes: 'ev-1' })])
        .when(evaluatePatent({ evaluationId: 'ev-3' }))
        .then([evaluated({ evaluationId: 'ev-3', supersedes: 'ev-2' })]);
    });

    it('the state keeps only the latest evaluation per enterprise but remembers every id', () => {
      const { state } = patent.given([
        ...inPool(),
        evaluated(),
        evaluated({ evaluationId: 'ev-b', enterpriseId: ENT_B.id, enterpriseName: ENT_B.name }),
        evaluated({
          evaluationId: 'ev-2',
          industrializationProspect: 2,
          supersedes: 'ev-1',
          occurredOn: '2024-08-01',
        }),
      ]);
      const p = state as Patent;
      expect(p.evaluations).toEqual([
        {
          evaluationId: 'ev-b',
          enterpriseId: ENT_B.id,
          enterpriseName: ENT_B.name,
          enterpriseCategory: 'high-tech',
          industrializationProspect: 4,
          improvementNeeds: { level: 'minor' },
          cooperationWillingness: 'license',
          occurredOn: '2024-04-10',
        },
        {
          evaluationId: 'ev-2',
          enterpriseId: ENT_A.id,
          enterpriseName: ENT_A.name,
          enterpriseCategory: 'high-tech',
          industrializationProspect: 2,
          improvementNeeds: { level: 'minor' },
          cooperationWillingness: 'license',
          occurredOn: '2024-08-01',
        },
      ]);
      expect(p.evaluationIds).toEqual(['ev-1', 'ev-b', 'ev-2']);
    });
  });

  it('rejects a reused evaluationId, even a superseded one', () => {
    patent
      .given([...inPool(), evaluated(), evaluated({ evaluationId: 'ev-2', supersedes: 'ev-1' })])
      .when(evaluatePatent({ evaluationId: 'ev-1', enterpriseId: ENT_B.id }))
      .thenThrows('EVALUATION.DUPLICATE_ID', 'rule');
  });

  it('only for pool patents: rejected when never tagged', () => {
    patent.given([inventoried()]).when(evaluatePatent()).thenThrows('PATENT.NOT_IN_POOL', 'rule');
  });

  it('only for pool patents: rejected when declined', () => {
    patent
      .given([inventoried(), declinedTag()])
      .when(evaluatePatent())
      .thenThrows('PATENT.NOT_IN_POOL', 'rule');
  });

  it('is rejected once ownership moved', () => {
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(evaluatePatent())
      .thenThrows('PATENT.NOT_HELD_BY_INSTITUTION', 'rule');
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(evaluatePatent()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });

  it.each([
    [{ evaluationId: 'ev 1' }, 'FIELD.INVALID_ID', 'evaluationId'],
    [{ enterpriseId: '' }, 'FIELD.INVALID_ID', 'enterpriseId'],
    [{ enterpriseName: undefined }, 'FIELD.REQUIRED', 'enterpriseName'],
    [{ enterpriseCategory: 'startup' }, 'FIELD.NOT_ALLOWED', 'enterpriseCategory'],
    [{ industrializationProspect: 0 }, 'FIELD.OUT_OF_RANGE', 'industrializationProspect'],
    [{ industrializationProspect: 6 }, 'FIELD.OUT_OF_RANGE', 'industrializationProspect'],
    [{ industrializationProspect: 3.5 }, 'FIELD.OUT_OF_RANGE', 'industrializationProspect'],
    [{ improvementNeeds: undefined }, 'FIELD.NOT_ALLOWED', 'improvementNeeds.level'],
    [{ improvementNeeds: { level: 'huge' } }, 'FIELD.NOT_ALLOWED', 'improvementNeeds.level'],
    [{ improvementNeeds: { level: 'minor', notes: 3 } }, 'FIELD.INVALID', 'improvementNeeds.notes'],
    [{ cooperationWillingness: 'maybe' }, 'FIELD.NOT_ALLOWED', 'cooperationWillingness'],
    [{ occurredOn: TOMORROW }, 'DATE.IN_FUTURE', 'occurredOn'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given(inPool()).when(evaluatePatent(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });
});

describe('PromotePatent → Promoted (分层推广)', () => {
  it('promotes a pool patent', () => {
    patent
      .given(inPool())
      .when(promotePatent({ channel: 'roadshow', tier: 'standard', organizer: ' Taiyuan IP Bureau ' }))
      .then([
        {
          type: 'Promoted',
          data: {
            applicationNumber: AN,
            promotionId: 'pr-1',
            channel: 'roadshow',
            tier: 'standard',
            organizer: 'Taiyuan IP Bureau',
            occurredOn: '2024-05-01',
          },
        },
      ]);
  });

  it('folds promotions in order', () => {
    const { state } = patent.given([
      ...inPool(),
      promoted(),
      promoted({ promotionId: 'pr-2', channel: 'online' }),
    ]);
    expect((state as Patent).promotions.map((p) => [p.promotionId, p.channel])).toEqual([
      ['pr-1', 'salon'],
      ['pr-2', 'online'],
    ]);
  });

  it('rejects a reused promotionId', () => {
    patent
      .given([...inPool(), promoted()])
      .when(promotePatent())
      .thenThrows('PROMOTION.DUPLICATE_ID', 'rule');
  });

  it('only for pool patents', () => {
    patent.given([inventoried()]).when(promotePatent()).thenThrows('PATENT.NOT_IN_POOL', 'rule');
    patent
      .given([inventoried(), declinedTag()])
      .when(promotePatent())
      .thenThrows('PATENT.NOT_IN_POOL', 'rule');
  });

  it('is rejected once ownership moved', () => {
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(promotePatent())
      .thenThrows('PATENT.NOT_HELD_BY_INSTITUTION', 'rule');
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(promotePatent()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });

  it.each([
    [{ promotionId: '/pr' }, 'FIELD.INVALID_ID', 'promotionId'],
    [{ channel: 'tv' }, 'FIELD.NOT_ALLOWED', 'channel'],
    [{ tier: 'gold' }, 'FIELD.NOT_ALLOWED', 'tier'],
    [{ organizer: '' }, 'FIELD.REQUIRED', 'organizer'],
    [{ occurredOn: TOMORROW }, 'DATE.IN_FUTURE', 'occurredOn'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given(inPool()).when(promotePatent(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });
});
