import type { IsoDate } from '../dates';
import { invalid, notFound, rule } from '../errors';
import { intIn, optionalText, requireId, requireOrder, requirePastDate, requireText } from '../validate';
import { patentList, requirePoolPatents, type PromotionFacts } from './common';

/**
 * Key-promotion projects (plan §二(三)3: 选取若干高价值专利项目予以重点推广，发挥典型带动作用): the
 * ip-office selects a group of high-value pool patents for featured promotion, changes the group while
 * the project is open, and closes it with a summary of what it achieved (及时总结…有效模式). Stream
 * `key-promotion-<keyPromotionId>`.
 */

export interface KeyPromotionOutcomeCounts {
  /** Deals (transfers, licences) the project led to. */
  deals?: number;
  /** Enterprises the project reached (matchmaking, roadshows). */
  enterprisesEngaged?: number;
}

export interface KeyPromotionOpened {
  type: 'KeyPromotionOpened';
  data: {
    keyPromotionId: string;
    name: string;
    organizerId: string;
    organizerName: string;
    province: string;
    applicationNumbers: string[];
    startedOn: IsoDate;
    description?: string;
  };
}
export interface KeyPromotionPatentsChanged {
  type: 'KeyPromotionPatentsChanged';
  data: { keyPromotionId: string; added: string[]; removed: string[]; changedOn: IsoDate; reason?: string };
}
export interface KeyPromotionClosed {
  type: 'KeyPromotionClosed';
  data: { keyPromotionId: string; closedOn: IsoDate; summary: string; counts?: KeyPromotionOutcomeCounts };
}
export type KeyPromotionEvent = KeyPromotionOpened | KeyPromotionPatentsChanged | KeyPromotionClosed;
export const KEY_PROMOTION_EVENT_TYPES: readonly KeyPromotionEvent['type'][] = [
  'KeyPromotionOpened',
  'KeyPromotionPatentsChanged',
  'KeyPromotionClosed',
];

export interface OpenKeyPromotion extends PromotionFacts {
  type: 'OpenKeyPromotion';
  data: KeyPromotionOpened['data'];
  now: string;
}
export interface ChangeKeyPromotionPatents extends PromotionFacts {
  type: 'ChangeKeyPromotionPatents';
  data: { keyPromotionId: string; add?: string[]; remove?: string[]; changedOn: IsoDate; reason?: string };
  now: string;
}
export interface CloseKeyPromotion {
  type: 'CloseKeyPromotion';
  data: { keyPromotionId: string; closedOn: IsoDate; summary: string; counts?: KeyPromotionOutcomeCounts };
  now: string;
}
export type KeyPromotionCommand = OpenKeyPromotion | ChangeKeyPromotionPatents | CloseKeyPromotion;

export type KeyPromotion = KeyPromotionOpened['data'] & {
  status: 'open' | 'closed';
  /** The latest business date of the project (its start or last change): later facts may not precede it. */
  lastChangedOn: IsoDate;
  closed?: KeyPromotionClosed['data'];
};
export type KeyPromotionState = { status: 'none' } | KeyPromotion;

export const keyPromotionStream = (keyPromotionId: string): string => `key-promotion-${keyPromotionId}`;

function requireOpen(state: KeyPromotionState): KeyPromotion {
  if (state.status === 'none')
    throw notFound('KEY_PROMOTION.NOT_FOUND', 'no key-promotion project with this id has been opened');
  if (state.status === 'closed')
    throw rule('KEY_PROMOTION.CLOSED', `the key-promotion project was closed on ${state.closed?.closedOn}`);
  return state;
}

function countsOf(value: unknown): KeyPromotionOutcomeCounts | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalid('FIELD.INVALID', 'counts must be an object {deals?, enterprisesEngaged?}', 'counts');
  const v = value as Record<string, unknown>;
  const unknownKey = Object.keys(v).find((k) => k !== 'deals' && k !== 'enterprisesEngaged');
  if (unknownKey !== undefined)
    throw invalid(
      'FIELD.NOT_ALLOWED',
      `counts.${unknownKey} is not a count this record keeps`,
      `counts.${unknownKey}`,
    );
  const counts: KeyPromotionOutcomeCounts = {};
  if (v['deals'] !== undefined) counts.deals = intIn(v['deals'], 0, 1_000_000, 'counts.deals');
  if (v['enterprisesEngaged'] !== undefined)
    counts.enterprisesEngaged = intIn(v['enterprisesEngaged'], 0, 1_000_000, 'counts.enterprisesEngaged');
  return Object.keys(counts).length > 0 ? counts : undefined;
}

export function decideKeyPromotion(
  command: KeyPromotionCommand,
  state: KeyPromotionState,
): KeyPromotionEvent[] {
  switch (command.type) {
    case 'OpenKeyPromotion': {
      const d = command.data;
      const keyPromotionId = requireId(d.keyPromotionId, 'keyPromotionId');
      if (state.status !== 'none')
        throw rule(
          'KEY_PROMOTION.EXISTS',
          `key-promotion project ${keyPromotionId} has already been opened`,
          'keyPromotionId',
        );
      const name = requireText(d.name, 'name', 200);
      const organizerId = requireId(d.organizerId, 'organizerId');
      const organizerName = requireText(d.organizerName, 'organizerName', 200);
      const province = requireText(d.province, 'province', 50);
      const startedOn = requirePastDate(d.startedOn, 'startedOn', command.now);
      const applicationNumbers = patentList(
        d.applicationNumbers,
        'applicationNumbers',
        'KEY_PROMOTION.NO_PATENTS',
      );
      requirePoolPatents(applicationNumbers, 'applicationNumbers', command, startedOn, 'startedOn');
      const description = optionalText(d.description, 'description', 4000);
      return [
        {
          type: 'KeyPromotionOpened',
          data: {
            keyPromotionId,
            name,
            organizerId,
            organizerName,
            province,
            applicationNumbers,
            startedOn,
            ...(description !== undefined ? { description } : {}),
          },
        },
      ];
    }
    case 'ChangeKeyPromotionPatents': {
      const k = requireOpen(state);
      const d = command.data;
      const none = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);
      const add = none(d.add) ? [] : patentList(d.add, 'add', 'FIELD.INVALID');
      const remove = none(d.remove) ? [] : patentList(d.remove, 'remove', 'FIELD.INVALID');
      if (add.length === 0 && remove.length === 0)
        throw invalid('KEY_PROMOTION.NO_CHANGE', 'name patents to add or to remove', 'add');
      const changedOn = requirePastDate(d.changedOn, 'changedOn', command.now);
      requireOrder(k.lastChangedOn, 'the project’s last change', changedOn, 'changedOn');
      add.forEach((an, i) => {
        if (k.applicationNumbers.includes(an))
          throw rule(
            'KEY_PROMOTION.PATENT_ALREADY_IN',
            `patent ${an} is already in the project`,
            `add[${i}]`,
          );
        if (remove.includes(an))
          throw invalid('FIELD.INVALID', `patent ${an} is both added and removed`, `add[${i}]`);
      });
      remove.forEach((an, i) => {
        if (!k.applicationNumbers.includes(an))
          throw rule('KEY_PROMOTION.PATENT_NOT_IN', `patent ${an} is not in the project`, `remove[${i}]`);
      });
      const after = k.applicationNumbers.filter((an) => !remove.includes(an)).length + add.length;
      if (after === 0)
        throw rule('KEY_PROMOTION.NO_PATENTS', 'a key-promotion project keeps at least one patent', 'remove');
      if (after > 100)
        throw invalid('FIELD.TOO_LONG', 'a key-promotion project groups at most 100 patents', 'add');
      requirePoolPatents(add, 'add', command, changedOn, 'changedOn');
      const reason = optionalText(d.reason, 'reason', 2000);
      return [
        {
          type: 'KeyPromotionPatentsChanged',
          data: {
            keyPromotionId: k.keyPromotionId,
            added: add,
            removed: remove,
            changedOn,
            ...(reason !== undefined ? { reason } : {}),
          },
        },
      ];
    }
    case 'CloseKeyPromotion': {
      const k = requireOpen(state);
      const closedOn = requirePastDate(command.data.closedOn, 'closedOn', command.now);
      requireOrder(k.lastChangedOn, 'the project’s last change', closedOn, 'closedOn');
      const summary = requireText(command.data.summary, 'summary', 8000);
      const counts = countsOf(command.data.counts);
      return [
        {
          type: 'KeyPromotionClosed',
          data: { keyPromotionId: k.keyPromotionId, closedOn, summary, ...(counts ? { counts } : {}) },
        },
      ];
    }
    default: {
      const unknown: never = command;
      throw invalid('COMMAND.UNKNOWN', `unknown command ${String((unknown as { type: string }).type)}`);
    }
  }
}

export function evolveKeyPromotion(state: KeyPromotionState, event: KeyPromotionEvent): KeyPromotionState {
  switch (event.type) {
    case 'KeyPromotionOpened':
      return { status: 'open', ...event.data, lastChangedOn: event.data.startedOn };
    case 'KeyPromotionPatentsChanged': {
      if (state.status === 'none') return state;
      const { added, removed, changedOn } = event.data;
      return {
        ...state,
        applicationNumbers: [...state.applicationNumbers.filter((an) => !removed.includes(an)), ...added],
        lastChangedOn: changedOn,
      };
    }
    case 'KeyPromotionClosed':
      if (state.status === 'none') return state;
      return { ...state, status: 'closed', closed: event.data, lastChangedOn: event.data.closedOn };
    default:
      return state;
  }
}

export const keyPromotionDecider = {
  decide: decideKeyPromotion,
  evolve: evolveKeyPromotion,
  initialState: (): KeyPromotionState => ({ status: 'none' }),
};
