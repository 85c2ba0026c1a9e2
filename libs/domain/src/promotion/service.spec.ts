import { spec } from '../testing/given-when-then';
import { AN, INSTITUTION_ID, NOW, inPool, inventoried } from '../testing/fixtures';
import { patentDecider } from '../patent/decider';
import type { PatentEvent } from '../patent/events';
import type { Patent, PatentState } from '../patent/state';
import {
  technologyServiceDecider,
  type RecordTechnologyService,
  type TechnologyServiceRecorded,
} from './service';

const service = spec(technologyServiceDecider);
const patentOf = (events: PatentEvent[]): PatentState =>
  events.reduce(patentDecider.evolve, patentDecider.initialState());

const record = (
  o: Partial<Record<keyof RecordTechnologyService['data'], unknown>> = {},
  patent: PatentState = patentOf(inPool()),
): RecordTechnologyService => ({
  type: 'RecordTechnologyService',
  data: {
    serviceId: 'svc-1',
    applicationNumber: AN,
    providerId: 'zz-sx-ip-ops',
    providerName: '中知（山西）知识产权运营中心',
    kind: 'maturation',
    startedOn: '2025-02-10',
    completedOn: '2025-05-10',
    outcome: '完成中试放大，良品率 92%',
    technologyReadinessAfter: 7,
    ...o,
  } as RecordTechnologyService['data'],
  patent,
  now: NOW,
});
const recorded = (o: Partial<TechnologyServiceRecorded['data']> = {}): TechnologyServiceRecorded => ({
  type: 'TechnologyServiceRecorded',
  data: {
    serviceId: 'svc-1',
    applicationNumber: AN,
    institutionId: INSTITUTION_ID,
    providerId: 'zz-sx-ip-ops',
    providerName: '中知（山西）知识产权运营中心',
    kind: 'maturation',
    startedOn: '2025-02-10',
    completedOn: '2025-05-10',
    outcome: '完成中试放大，良品率 92%',
    technologyReadinessAfter: 7,
    ...o,
  },
});

describe('RecordTechnologyService (POST /services, plan §二(三)2: 技术验证和熟化)', () => {
  it('records a service performed on a patent, owed to its institution', () => {
    service.given([]).when(record()).then([recorded()]);
  });
  it('records a verification without a readiness level, on a patent not (yet) in the pool', () => {
    service
      .given([])
      .when(record({ kind: 'verification', technologyReadinessAfter: undefined }, patentOf([inventoried()])))
      .then([
        (() => {
          const { technologyReadinessAfter: _t, ...data } = recorded({ kind: 'verification' }).data;
          return { type: 'TechnologyServiceRecorded' as const, data };
        })(),
      ]);
  });
  it('refuses an unknown patent, an unknown kind, dates out of order or in the future', () => {
    service
      .given([])
      .when(record({}, { status: 'none' }))
      .thenThrows('PATENT.NOT_FOUND', 'not-found');
    service
      .given([])
      .when(record({ kind: 'roadshow' }))
      .thenThrows('FIELD.NOT_ALLOWED');
    expect(
      service
        .given([])
        .when(record({ completedOn: '2025-02-01' }))
        .thenThrows('DATE.ORDER').field,
    ).toBe('completedOn');
    service
      .given([])
      .when(record({ completedOn: '2025-06-02' }))
      .thenThrows('DATE.IN_FUTURE');
  });
  it('refuses no outcome, a readiness level outside 1–9, a second record of the id, an expired patent', () => {
    service
      .given([])
      .when(record({ outcome: '' }))
      .thenThrows('FIELD.REQUIRED');
    service
      .given([])
      .when(record({ technologyReadinessAfter: 10 }))
      .thenThrows('FIELD.OUT_OF_RANGE');
    service.given([recorded()]).when(record()).thenThrows('SERVICE.EXISTS');
    const expired = { ...(patentOf(inPool()) as Patent), expiryDate: '2025-01-31' };
    service.given([]).when(record({}, expired)).thenThrows('PATENT.EXPIRED');
  });
});
