import { addDays, type IsoDate } from '../dates';
import { isWorkingDay } from '../calendar';
import { invalid, notFound, rule } from '../errors';
import { requireInPool, requireInventoried, requireOpenForDealings } from '../patent/guards';
import type { PatentState } from '../patent/state';
import { intIn, oneOf, requireId, requireOrder, requirePastDate, requireText } from '../validate';

/**
 * Enterprise demand and the institutions' response (plan §二(四)1, 精准对接): an enterprise posts a
 * technology or improvement need on a patent of the resource pool; the patent's institution answers
 * it within the working days the plan in force sets (`needResponseWorkingDays`, default 15). The open
 * answer is an obligation of the institution (obligations ledger, kind `need-response`).
 * Stream `need-<needId>`.
 */

export type NeedKind = 'technology' | 'improvement';
export const NEED_KINDS: readonly NeedKind[] = ['technology', 'improvement'];
export type NeedAnswer = 'accepted' | 'declined';
export const NEED_ANSWERS: readonly NeedAnswer[] = ['accepted', 'declined'];

/** The default answer period (working days after the posting) when the plan in force sets none. */
export const DEFAULT_NEED_RESPONSE_WORKING_DAYS = 15;

export interface NeedPosted {
  type: 'NeedPosted';
  data: {
    needId: string;
    applicationNumber: string;
    /** The institution that holds the patent, which owes the answer. */
    institutionId: string;
    enterpriseId: string;
    kind: NeedKind;
    description: string;
    postedOn: IsoDate;
    /** The last day to answer: `responseWorkingDays` working days after postedOn (China's official calendar). */
    respondBy: IsoDate;
    responseWorkingDays: number;
  };
}
export interface NeedAnswered {
  type: 'NeedAnswered';
  data: { needId: string; answer: NeedAnswer; text: string; answeredOn: IsoDate };
}
export interface NeedWithdrawn {
  type: 'NeedWithdrawn';
  data: { needId: string; withdrawnOn: IsoDate };
}
export type NeedEvent = NeedPosted | NeedAnswered | NeedWithdrawn;
export const NEED_EVENT_TYPES: readonly NeedEvent['type'][] = ['NeedPosted', 'NeedAnswered', 'NeedWithdrawn'];

export interface PostNeed {
  type: 'PostNeed';
  data: {
    needId: string;
    applicationNumber: string;
    enterpriseId: string;
    kind: NeedKind;
    description: string;
    postedOn: IsoDate;
    /** From the plan in force on postedOn for the institution's province. */
    responseWorkingDays: number;
  };
  /** The patent as it stands, loaded by the command handler. */
  patent?: PatentState | undefined;
  now: string;
}
export interface AnswerNeed {
  type: 'AnswerNeed';
  data: { needId: string; answer: NeedAnswer; text: string; answeredOn: IsoDate };
  now: string;
}
export interface WithdrawNeed {
  type: 'WithdrawNeed';
  data: { needId: string; withdrawnOn: IsoDate };
  now: string;
}
export type NeedCommand = PostNeed | AnswerNeed | WithdrawNeed;

export type NeedStatus = 'open' | 'answered' | 'withdrawn';
export type Need = { status: NeedStatus } & NeedPosted['data'] & {
    answer?: { answer: NeedAnswer; text: string; answeredOn: IsoDate };
    withdrawnOn?: IsoDate;
  };
export type NeedState = { status: 'none' } | Need;

export const needStream = (needId: string): string => `need-${needId}`;

/** The day `n` working days after `date` (the first working day after it counts as day 1). */
export function addWorkingDays(date: IsoDate, n: number): IsoDate {
  let d = date;
  for (let left = n; left > 0;) {
    d = addDays(d, 1);
    if (isWorkingDay(d)) left -= 1;
  }
  return d;
}

function requireNeed(state: NeedState): Need {
  if (state.status === 'none') throw notFound('NEED.NOT_FOUND', 'no need with this id has been posted');
  return state;
}

function requireOpen(n: Need): void {
  if (n.status === 'answered')
    throw rule('NEED.ALREADY_ANSWERED', `the need was answered on ${n.answer?.answeredOn}`);
  if (n.status === 'withdrawn') throw rule('NEED.WITHDRAWN', `the need was withdrawn on ${n.withdrawnOn}`);
}

export function decideNeed(command: NeedCommand, state: NeedState): NeedEvent[] {
  switch (command.type) {
    case 'PostNeed': {
      const d = command.data;
      const needId = requireId(d.needId, 'needId');
      if (state.status !== 'none')
        throw rule('NEED.EXISTS', `need ${needId} has already been posted`, 'needId');
      const enterpriseId = requireId(d.enterpriseId, 'enterpriseId');
      const kind = oneOf(d.kind, NEED_KINDS, 'kind');
      const description = requireText(d.description, 'description', 4000);
      const postedOn = requirePastDate(d.postedOn, 'postedOn', command.now);
      const days = intIn(d.responseWorkingDays, 1, 250, 'responseWorkingDays');
      // Only on a patent currently in the pool: inventoried, admitted, neither lapsed nor expired.
      const p = requireInventoried(command.patent ?? { status: 'none' });
      if (p.applicationNumber !== d.applicationNumber)
        throw invalid('FIELD.INVALID', 'the patent loaded is not the one named', 'applicationNumber');
      requireOpenForDealings(p, postedOn, 'postedOn', command.now);
      requireInPool(p);
      return [
        {
          type: 'NeedPosted',
          data: {
            needId,
            applicationNumber: p.applicationNumber,
            institutionId: p.institutionId,
            enterpriseId,
            kind,
            description,
            postedOn,
            respondBy: addWorkingDays(postedOn, days),
            responseWorkingDays: days,
          },
        },
      ];
    }
    case 'AnswerNeed': {
      const n = requireNeed(state);
      requireOpen(n);
      const answer = oneOf(command.data.answer, NEED_ANSWERS, 'answer');
      const text = requireText(command.data.text, 'text', 4000);
      const answeredOn = requirePastDate(command.data.answeredOn, 'answeredOn', command.now);
      requireOrder(n.postedOn, 'postedOn', answeredOn, 'answeredOn');
      return [{ type: 'NeedAnswered', data: { needId: n.needId, answer, text, answeredOn } }];
    }
    case 'WithdrawNeed': {
      const n = requireNeed(state);
      requireOpen(n);
      const withdrawnOn = requirePastDate(command.data.withdrawnOn, 'withdrawnOn', command.now);
      requireOrder(n.postedOn, 'postedOn', withdrawnOn, 'withdrawnOn');
      return [{ type: 'NeedWithdrawn', data: { needId: n.needId, withdrawnOn } }];
    }
    default: {
      const unknown: never = command;
      throw invalid('COMMAND.UNKNOWN', `unknown command ${String((unknown as { type: string }).type)}`);
    }
  }
}

export function evolveNeed(state: NeedState, event: NeedEvent): NeedState {
  switch (event.type) {
    case 'NeedPosted':
      return { status: 'open', ...event.data };
    case 'NeedAnswered':
      if (state.status === 'none') return state;
      return {
        ...state,
        status: 'answered',
        answer: { answer: event.data.answer, text: event.data.text, answeredOn: event.data.answeredOn },
      };
    case 'NeedWithdrawn':
      if (state.status === 'none') return state;
      return { ...state, status: 'withdrawn', withdrawnOn: event.data.withdrawnOn };
    default:
      return state;
  }
}

export const needDecider = {
  decide: decideNeed,
  evolve: evolveNeed,
  initialState: (): NeedState => ({ status: 'none' }),
};
