import { spec } from '../testing/given-when-then';
import { AN, ENT_A, ENT_B, NOW, declinedTag, inPool, inventoried } from '../testing/fixtures';
import { patentDecider } from '../patent/decider';
import type { PatentEvent } from '../patent/events';
import type { Patent, PatentState } from '../patent/state';
import { quarterBounds, quarterOf, salonDecider, type RecordSalon, type SalonRecorded } from './salon';

const salon = spec(salonDecider);
const patentOf = (events: PatentEvent[]): PatentState =>
  events.reduce(patentDecider.evolve, patentDecider.initialState());
const OTHER = '202010000001.1';

const record = (
  o: Partial<Record<keyof RecordSalon['data'], unknown>> = {},
  facts: Pick<RecordSalon, 'patents' | 'enterprises'> = {
    patents: { [AN]: patentOf(inPool()) },
    enterprises: { [ENT_A.id]: true, [ENT_B.id]: true },
  },
): RecordSalon => ({
  type: 'RecordSalon',
  data: {
    salonId: 'salon-2025q2',
    organizerId: 'sx-ip-service-assoc',
    organizerName: '山西省知识产权服务协会',
    province: 'Shanxi',
    heldOn: '2025-05-20',
    title: '新材料专项知识产权沙龙',
    applicationNumbers: [AN],
    enterpriseIds: [ENT_A.id, ENT_B.id],
    ...o,
  } as RecordSalon['data'],
  ...facts,
  now: NOW,
});
const recorded = (o: Partial<SalonRecorded['data']> = {}): SalonRecorded => ({
  type: 'SalonRecorded',
  data: {
    salonId: 'salon-2025q2',
    organizerId: 'sx-ip-service-assoc',
    organizerName: '山西省知识产权服务协会',
    province: 'Shanxi',
    heldOn: '2025-05-20',
    title: '新材料专项知识产权沙龙',
    applicationNumbers: [AN],
    enterpriseIds: [ENT_A.id, ENT_B.id],
    ...o,
  },
});

describe('quarters (每季度组织知识产权沙龙)', () => {
  it('places a date in its quarter and bounds each quarter', () => {
    expect(quarterOf('2025-01-01')).toEqual({ year: 2025, quarter: 1 });
    expect(quarterOf('2025-03-31')).toEqual({ year: 2025, quarter: 1 });
    expect(quarterOf('2025-04-01')).toEqual({ year: 2025, quarter: 2 });
    expect(quarterOf('2025-12-31')).toEqual({ year: 2025, quarter: 4 });
    expect(quarterBounds(2025, 1)).toEqual({ from: '2025-01-01', to: '2025-03-31' });
    expect(quarterBounds(2025, 3)).toEqual({ from: '2025-07-01', to: '2025-09-30' });
    expect(() => quarterBounds(2025, 5)).toThrow(/quarter/);
  });
});

describe('RecordSalon (POST /salons, plan §二(三)2)', () => {
  it('records a salon held, with the pool patents presented and the enterprises attending', () => {
    salon.given([]).when(record()).then([recorded()]);
  });
  it('keeps notes and normalizes text', () => {
    salon
      .given([])
      .when(record({ title: '  新材料沙龙 ', notes: '路演 3 项' }))
      .then([recorded({ title: '新材料沙龙', notes: '路演 3 项' })]);
  });
  it('refuses a salon dated after the day it is recorded: a salon is a fact that happened', () => {
    const e = salon
      .given([])
      .when(record({ heldOn: '2025-06-02' }))
      .thenThrows('DATE.IN_FUTURE', 'invalid');
    expect(e.field).toBe('heldOn');
    // today in China is fine
    salon
      .given([])
      .when(record({ heldOn: '2025-06-01' }))
      .then([recorded({ heldOn: '2025-06-01' })]);
  });
  it('refuses an empty patents list, and a patent named twice', () => {
    const e = salon
      .given([])
      .when(record({ applicationNumbers: [] }))
      .thenThrows('SALON.NO_PATENTS', 'invalid');
    expect(e.field).toBe('applicationNumbers');
    salon
      .given([])
      .when(record({ applicationNumbers: undefined }))
      .thenThrows('SALON.NO_PATENTS');
    salon
      .given([])
      .when(record({ applicationNumbers: [AN, AN] }))
      .thenThrows('FIELD.INVALID');
  });
  it('refuses an unknown patent (404) and one not in the pool (409), naming the entry', () => {
    const unknown = salon
      .given([])
      .when(record({ applicationNumbers: [AN, OTHER] }))
      .thenThrows('PATENT.NOT_FOUND', 'not-found');
    expect(unknown.field).toBe('applicationNumbers[1]');
    const declined = salon
      .given([])
      .when(
        record(
          {},
          {
            patents: { [AN]: patentOf([inventoried(), declinedTag()]) },
            enterprises: { [ENT_A.id]: true, [ENT_B.id]: true },
          },
        ),
      )
      .thenThrows('PATENT.NOT_IN_POOL', 'rule');
    expect(declined.field).toBe('applicationNumbers[0]');
    salon
      .given([])
      .when(record({ applicationNumbers: ['201710601862.4'] }))
      .thenThrows('PATENT.INVALID_CHECK_DIGIT');
  });
  it('refuses a patent whose term had ended by the day of the salon', () => {
    const expired = { ...(patentOf(inPool()) as Patent), expiryDate: '2025-05-19' };
    salon
      .given([])
      .when(record({}, { patents: { [AN]: expired }, enterprises: { [ENT_A.id]: true, [ENT_B.id]: true } }))
      .thenThrows('PATENT.EXPIRED');
  });
  it('refuses an enterprise the registry does not hold, and a salon no enterprise attended', () => {
    const e = salon
      .given([])
      .when(record({ enterpriseIds: [ENT_A.id, 'ent-unknown'] }))
      .thenThrows('ENTERPRISE.NOT_REGISTERED', 'rule');
    expect(e.field).toBe('enterpriseIds[1]');
    salon
      .given([])
      .when(record({ enterpriseIds: [] }))
      .thenThrows('SALON.NO_ENTERPRISES', 'invalid');
    salon
      .given([])
      .when(record({ enterpriseIds: [ENT_A.id, ENT_A.id] }))
      .thenThrows('FIELD.INVALID');
  });
  it("refuses an institution's salon for another province than its own", () => {
    const e = salon
      .given([])
      .when({ ...record({ organizerId: 'tyut' }), organizerProvince: 'Hebei' })
      .thenThrows('SALON.OTHER_PROVINCE', 'rule');
    expect(e.field).toBe('province');
    salon
      .given([])
      .when({ ...record({ organizerId: 'tyut' }), organizerProvince: 'Shanxi' })
      .then([recorded({ organizerId: 'tyut' })]);
  });
  it('refuses a second record of the same salon, a missing organizer or title', () => {
    salon.given([recorded()]).when(record()).thenThrows('SALON.EXISTS');
    salon
      .given([])
      .when(record({ organizerName: ' ' }))
      .thenThrows('FIELD.REQUIRED');
    salon
      .given([])
      .when(record({ title: undefined }))
      .thenThrows('FIELD.REQUIRED');
    salon
      .given([])
      .when(record({ province: '' }))
      .thenThrows('FIELD.REQUIRED');
  });
});
