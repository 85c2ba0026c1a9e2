import { spec } from '../testing/given-when-then';
import { AN, NOW, declinedTag, inPool, inventoried } from '../testing/fixtures';
import { patentDecider } from '../patent/decider';
import type { PatentEvent } from '../patent/events';
import type { PatentState } from '../patent/state';
import {
  keyPromotionDecider,
  type ChangeKeyPromotionPatents,
  type CloseKeyPromotion,
  type KeyPromotionEvent,
  type KeyPromotionOpened,
  type OpenKeyPromotion,
} from './key-promotion';

const kp = spec(keyPromotionDecider);
const patentOf = (events: PatentEvent[]): PatentState =>
  events.reduce(patentDecider.evolve, patentDecider.initialState());
const AN2 = '202010000001.1';
const pool = (an: string) =>
  patentOf([inventoried({ applicationNumber: an, filingDate: '2020-01-01' }), ...inPool().slice(1)]);
const patents: Record<string, PatentState> = { [AN]: patentOf(inPool()), [AN2]: pool(AN2) };

const open = (
  o: Partial<Record<keyof OpenKeyPromotion['data'], unknown>> = {},
  p = patents,
): OpenKeyPromotion => ({
  type: 'OpenKeyPromotion',
  data: {
    keyPromotionId: 'kp-1',
    name: '新能源材料高价值专利重点推广',
    organizerId: 'sx-cnipa',
    organizerName: '山西省知识产权局',
    province: 'Shanxi',
    applicationNumbers: [AN],
    startedOn: '2025-03-01',
    ...o,
  } as OpenKeyPromotion['data'],
  patents: p,
  now: NOW,
});
const opened = (o: Partial<KeyPromotionOpened['data']> = {}): KeyPromotionOpened => ({
  type: 'KeyPromotionOpened',
  data: {
    keyPromotionId: 'kp-1',
    name: '新能源材料高价值专利重点推广',
    organizerId: 'sx-cnipa',
    organizerName: '山西省知识产权局',
    province: 'Shanxi',
    applicationNumbers: [AN],
    startedOn: '2025-03-01',
    ...o,
  },
});
const change = (
  o: Partial<Record<keyof ChangeKeyPromotionPatents['data'], unknown>> = {},
  p = patents,
): ChangeKeyPromotionPatents => ({
  type: 'ChangeKeyPromotionPatents',
  data: {
    keyPromotionId: 'kp-1',
    add: [AN2],
    changedOn: '2025-04-01',
    ...o,
  } as ChangeKeyPromotionPatents['data'],
  patents: p,
  now: NOW,
});
const changed: KeyPromotionEvent = {
  type: 'KeyPromotionPatentsChanged',
  data: { keyPromotionId: 'kp-1', added: [AN2], removed: [], changedOn: '2025-04-01' },
};
const close = (o: Partial<Record<keyof CloseKeyPromotion['data'], unknown>> = {}): CloseKeyPromotion => ({
  type: 'CloseKeyPromotion',
  data: {
    keyPromotionId: 'kp-1',
    closedOn: '2025-05-30',
    summary: '路演 2 场，促成许可 1 项',
    counts: { deals: 1, enterprisesEngaged: 12 },
    ...o,
  } as CloseKeyPromotion['data'],
  now: NOW,
});
const closed: KeyPromotionEvent = { type: 'KeyPromotionClosed', data: close().data };

describe('OpenKeyPromotion (POST /key-promotions, plan §二(三)3: 重点推广)', () => {
  it('opens a project grouping pool patents', () => {
    kp.given([]).when(open()).then([opened()]);
  });
  it('refuses no patents, a patent not in the pool or unknown, a future start, a second opening', () => {
    kp.given([])
      .when(open({ applicationNumbers: [] }))
      .thenThrows('KEY_PROMOTION.NO_PATENTS');
    const e = kp
      .given([])
      .when(open({}, { [AN]: patentOf([inventoried(), declinedTag()]) }))
      .thenThrows('PATENT.NOT_IN_POOL');
    expect(e.field).toBe('applicationNumbers[0]');
    kp.given([]).when(open({}, {})).thenThrows('PATENT.NOT_FOUND', 'not-found');
    kp.given([])
      .when(open({ startedOn: '2025-06-02' }))
      .thenThrows('DATE.IN_FUTURE');
    kp.given([opened()]).when(open()).thenThrows('KEY_PROMOTION.EXISTS');
    kp.given([])
      .when(open({ name: '' }))
      .thenThrows('FIELD.REQUIRED');
  });
});

describe('ChangeKeyPromotionPatents (POST /key-promotions/{id}/patents)', () => {
  it('adds and removes patents while open; the state follows', () => {
    kp.given([opened()]).when(change()).then([changed]);
    const { state } = kp.given([opened(), changed]);
    expect(state).toEqual(
      expect.objectContaining({ applicationNumbers: [AN, AN2], lastChangedOn: '2025-04-01' }),
    );
    kp.given([opened(), changed])
      .when(change({ add: undefined, remove: [AN], changedOn: '2025-04-02', reason: '已许可' }))
      .then([
        {
          type: 'KeyPromotionPatentsChanged',
          data: {
            keyPromotionId: 'kp-1',
            added: [],
            removed: [AN],
            changedOn: '2025-04-02',
            reason: '已许可',
          },
        },
      ]);
  });
  it('refuses adding one already in, removing one not in, removing the last, no change', () => {
    expect(
      kp
        .given([opened()])
        .when(change({ add: [AN] }))
        .thenThrows('KEY_PROMOTION.PATENT_ALREADY_IN').field,
    ).toBe('add[0]');
    expect(
      kp
        .given([opened()])
        .when(change({ add: [], remove: [AN2] }))
        .thenThrows('KEY_PROMOTION.PATENT_NOT_IN').field,
    ).toBe('remove[0]');
    kp.given([opened()])
      .when(change({ add: [], remove: [AN] }))
      .thenThrows('KEY_PROMOTION.NO_PATENTS');
    kp.given([opened()])
      .when(change({ add: [] }))
      .thenThrows('KEY_PROMOTION.NO_CHANGE');
  });
  it('refuses a patent not in the pool, a date before the last change, a closed or unknown project', () => {
    kp.given([opened()])
      .when(
        change({}, { ...patents, [AN2]: patentOf([inventoried({ applicationNumber: AN2 }), declinedTag()]) }),
      )
      .thenThrows('PATENT.NOT_IN_POOL');
    kp.given([opened(), changed])
      .when(change({ add: undefined, remove: [AN2], changedOn: '2025-03-31' }))
      .thenThrows('DATE.ORDER');
    kp.given([opened(), closed]).when(change()).thenThrows('KEY_PROMOTION.CLOSED', 'rule');
    kp.given([]).when(change()).thenThrows('KEY_PROMOTION.NOT_FOUND', 'not-found');
  });
});

describe('CloseKeyPromotion (POST /key-promotions/{id}/close)', () => {
  it('closes with an outcome summary and counts; counts are optional', () => {
    kp.given([opened()]).when(close()).then([closed]);
    kp.given([opened()])
      .when(close({ counts: undefined }))
      .then([
        {
          type: 'KeyPromotionClosed',
          data: { keyPromotionId: 'kp-1', closedOn: '2025-05-30', summary: '路演 2 场，促成许可 1 项' },
        },
      ]);
  });
  it('refuses a second close, no summary, a bad count, a date before the last change', () => {
    kp.given([opened(), closed]).when(close()).thenThrows('KEY_PROMOTION.CLOSED');
    kp.given([opened()])
      .when(close({ summary: ' ' }))
      .thenThrows('FIELD.REQUIRED');
    expect(
      kp
        .given([opened()])
        .when(close({ counts: { deals: -1 } }))
        .thenThrows('FIELD.OUT_OF_RANGE').field,
    ).toBe('counts.deals');
    kp.given([opened()])
      .when(close({ counts: { revenue: 5 } }))
      .thenThrows('FIELD.NOT_ALLOWED');
    kp.given([opened(), changed])
      .when(close({ closedOn: '2025-03-15' }))
      .thenThrows('DATE.ORDER');
  });
});
