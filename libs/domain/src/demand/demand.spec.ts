import { spec } from '../testing/given-when-then';
import { shanxiPlan2024, validatePlanDocument } from '../programme';
import {
  AN,
  ENT_A,
  ENT_B,
  INSTITUTION_ID,
  NOW,
  declinedTag,
  inPool,
  inventoried,
  lapsed,
} from '../testing/fixtures';
import { patentDecider } from '../patent/decider';
import type { PatentEvent } from '../patent/events';
import type { Patent, PatentState } from '../patent/state';
import {
  addWorkingDays,
  needDecider,
  type AnswerNeed,
  type NeedAnswered,
  type NeedPosted,
  type PostNeed,
  type WithdrawNeed,
} from './need';
import { projectDecider, type CloseProject, type OpenProject, type ProjectOpened } from './project';

const need = spec(needDecider);
const project = spec(projectDecider);

const patentOf = (events: PatentEvent[]): PatentState =>
  events.reduce(patentDecider.evolve, patentDecider.initialState());

const post = (o: Partial<PostNeed['data']> = {}, patent: PatentState = patentOf(inPool())): PostNeed => ({
  type: 'PostNeed',
  data: {
    needId: 'need-1',
    applicationNumber: AN,
    enterpriseId: ENT_A.id,
    kind: 'improvement',
    description: '需要中试放大工艺',
    postedOn: '2025-04-30',
    responseWorkingDays: 15,
    ...o,
  },
  patent,
  now: NOW,
});
const posted = (o: Partial<NeedPosted['data']> = {}): NeedPosted => ({
  type: 'NeedPosted',
  data: {
    needId: 'need-1',
    applicationNumber: AN,
    institutionId: INSTITUTION_ID,
    enterpriseId: ENT_A.id,
    kind: 'improvement',
    description: '需要中试放大工艺',
    postedOn: '2025-04-30',
    respondBy: '2025-05-26',
    responseWorkingDays: 15,
    ...o,
  },
});
const answer = (o: Partial<AnswerNeed['data']> = {}): AnswerNeed => ({
  type: 'AnswerNeed',
  data: { needId: 'need-1', answer: 'accepted', text: '可联合攻关', answeredOn: '2025-05-10', ...o },
  now: NOW,
});
const answered = (o: Partial<NeedAnswered['data']> = {}): NeedAnswered => ({
  type: 'NeedAnswered',
  data: { needId: 'need-1', answer: 'accepted', text: '可联合攻关', answeredOn: '2025-05-10', ...o },
});
const withdraw = (withdrawnOn = '2025-05-08'): WithdrawNeed => ({
  type: 'WithdrawNeed',
  data: { needId: 'need-1', withdrawnOn },
  now: NOW,
});

describe('working days (China official calendar, 细则 r.5 calendar)', () => {
  it('skips the May Day holiday: one working day after 2025-04-30 is 2025-05-06', () => {
    expect(addWorkingDays('2025-04-30', 1)).toBe('2025-05-06');
  });
  it('counts the make-up working day 2025-04-27 (a Sunday) as a working day', () => {
    expect(addWorkingDays('2025-04-26', 1)).toBe('2025-04-27');
  });
});

describe('PostNeed (POST /needs, plan §二(四)1)', () => {
  it('posts a need on a pool patent, owed by the patent institution, due 15 working days later', () => {
    need.given([]).when(post()).then([posted()]);
  });
  it('takes the period from the plan in force', () => {
    need
      .given([])
      .when(post({ responseWorkingDays: 1 }))
      .then([posted({ responseWorkingDays: 1, respondBy: '2025-05-06' })]);
  });
  it('refuses a patent that is not inventoried', () => {
    need
      .given([])
      .when(post({}, { status: 'none' }))
      .thenThrows('PATENT.NOT_FOUND', 'not-found');
  });
  it('refuses a patent not in the pool (screening declined)', () => {
    need
      .given([])
      .when(post({}, patentOf([inventoried(), declinedTag()])))
      .thenThrows('PATENT.NOT_IN_POOL');
    need
      .given([])
      .when(post({}, patentOf([inventoried()])))
      .thenThrows('PATENT.NOT_IN_POOL');
  });
  it('refuses a lapsed patent', () => {
    need
      .given([])
      .when(post({}, patentOf([...inPool(), lapsed({ effectiveOn: '2025-03-01' })])))
      .thenThrows('PATENT.LAPSED');
  });
  it('refuses a need posted after the patent expired (专利法 Art. 42)', () => {
    const expired = { ...(patentOf(inPool()) as Patent), expiryDate: '2025-04-29' };
    need.given([]).when(post({}, expired)).thenThrows('PATENT.EXPIRED');
  });
  it('refuses a second posting of the same id, a future date, an unknown kind', () => {
    need.given([posted()]).when(post()).thenThrows('NEED.EXISTS');
    need
      .given([])
      .when(post({ postedOn: '2025-06-02' }))
      .thenThrows('DATE.IN_FUTURE');
    need
      .given([])
      .when(post({ kind: 'money' as never }))
      .thenThrows('FIELD.NOT_ALLOWED');
  });
});

describe('AnswerNeed (POST /needs/{id}/answer)', () => {
  it('records the answer', () => {
    need.given([posted()]).when(answer()).then([answered()]);
    need
      .given([posted()])
      .when(answer({ answer: 'declined', text: '暂无条件' }))
      .then([answered({ answer: 'declined', text: '暂无条件' })]);
  });
  it('refuses an answer before the posting, a second answer, an answer to a withdrawn need', () => {
    need
      .given([posted()])
      .when(answer({ answeredOn: '2025-04-29' }))
      .thenThrows('DATE.ORDER');
    need.given([posted(), answered()]).when(answer()).thenThrows('NEED.ALREADY_ANSWERED');
    need
      .given([posted(), { type: 'NeedWithdrawn', data: { needId: 'need-1', withdrawnOn: '2025-05-08' } }])
      .when(answer())
      .thenThrows('NEED.WITHDRAWN');
    need.given([]).when(answer()).thenThrows('NEED.NOT_FOUND', 'not-found');
  });
});

describe('WithdrawNeed (POST /needs/{id}/withdraw)', () => {
  it('withdraws an open need', () => {
    need
      .given([posted()])
      .when(withdraw())
      .then([{ type: 'NeedWithdrawn', data: { needId: 'need-1', withdrawnOn: '2025-05-08' } }]);
  });
  it('refuses once answered', () => {
    need.given([posted(), answered()]).when(withdraw()).thenThrows('NEED.ALREADY_ANSWERED');
  });
});

const needState = (events: (NeedPosted | NeedAnswered)[]) =>
  events.reduce(needDecider.evolve, needDecider.initialState());
const open = (o: Partial<OpenProject['data']> = {}, n = needState([posted(), answered()])): OpenProject => ({
  type: 'OpenProject',
  data: {
    projectId: 'prj-1',
    kind: 'joint-rd',
    enterpriseId: ENT_A.id,
    institutionId: INSTITUTION_ID,
    applicationNumbers: [AN],
    needId: 'need-1',
    startedOn: '2025-05-12',
    ...o,
  },
  need: n,
  now: NOW,
});
const opened = (o: Partial<ProjectOpened['data']> = {}): ProjectOpened => ({
  type: 'ProjectOpened',
  data: {
    projectId: 'prj-1',
    kind: 'joint-rd',
    enterpriseId: ENT_A.id,
    institutionId: INSTITUTION_ID,
    applicationNumbers: [AN],
    needId: 'need-1',
    startedOn: '2025-05-12',
    ...o,
  },
});
const close = (o: Partial<CloseProject['data']> = {}): CloseProject => ({
  type: 'CloseProject',
  data: { projectId: 'prj-1', closedOn: '2025-05-30', outcome: 'completed', ...o },
  now: NOW,
});

describe('OpenProject (POST /projects: 联合攻关, 订单式研发)', () => {
  it('opens a project on an accepted need', () => {
    project.given([]).when(open()).then([opened()]);
  });
  it('opens an ordered-research project without a need', () => {
    const { needId: _n, ...data } = open().data;
    const { needId: _m, ...event } = opened({ kind: 'ordered-research' }).data;
    project
      .given([])
      .when({ ...open(), data: { ...data, kind: 'ordered-research' }, need: undefined })
      .then([{ type: 'ProjectOpened', data: event }]);
  });
  it('refuses a need that was declined or is still open', () => {
    project
      .given([])
      .when(open({}, needState([posted(), answered({ answer: 'declined' })])))
      .thenThrows('NEED.NOT_ACCEPTED');
    project
      .given([])
      .when(open({}, needState([posted()])))
      .thenThrows('NEED.NOT_ACCEPTED');
    project
      .given([])
      .when(open({}, { status: 'none' }))
      .thenThrows('NEED.NOT_FOUND');
  });
  it('refuses other parties than the need, or without the need patent', () => {
    project
      .given([])
      .when(open({ enterpriseId: ENT_B.id }))
      .thenThrows('PROJECT.PARTIES_MISMATCH');
    project
      .given([])
      .when(open({ applicationNumbers: ['202010000001.1'] }))
      .thenThrows('PROJECT.NEED_PATENT_MISSING');
  });
  it('refuses a start before the answer, a duplicate number, a second opening', () => {
    project
      .given([])
      .when(open({ startedOn: '2025-05-09' }))
      .thenThrows('DATE.ORDER');
    project
      .given([])
      .when(open({ applicationNumbers: [AN, AN] }))
      .thenThrows('FIELD.INVALID');
    project.given([opened()]).when(open()).thenThrows('PROJECT.EXISTS');
  });
});

describe('CloseProject (POST /projects/{id}/close)', () => {
  it('closes an open project', () => {
    project
      .given([opened()])
      .when(close())
      .then([{ type: 'ProjectClosed', data: close().data }]);
  });
  it('refuses a closed or unknown project, a date before the start', () => {
    project
      .given([opened(), { type: 'ProjectClosed', data: close().data }])
      .when(close())
      .thenThrows('PROJECT.CLOSED');
    project.given([]).when(close()).thenThrows('PROJECT.NOT_FOUND', 'not-found');
    project
      .given([opened()])
      .when(close({ closedOn: '2025-05-01' }))
      .thenThrows('DATE.ORDER');
  });
});

describe('the plan sets the answer period (needResponseWorkingDays)', () => {
  it('keeps a valid period and refuses one outside 1–250 working days', () => {
    const doc = { ...shanxiPlan2024(), needResponseWorkingDays: 10 };
    expect(validatePlanDocument(doc).needResponseWorkingDays).toBe(10);
    expect(validatePlanDocument(shanxiPlan2024()).needResponseWorkingDays).toBeUndefined();
    expect(() => validatePlanDocument({ ...doc, needResponseWorkingDays: 0 })).toThrow(
      /needResponseWorkingDays/,
    );
  });
});
