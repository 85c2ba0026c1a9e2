import type { JsonObject, StoredEvent } from '@patent-ledger/eventsourcing';
import {
  getKeyPromotion,
  getSalon,
  listKeyPromotions,
  listSalons,
  listTechnologyServices,
  salonQuarters,
} from '../queries/promotion';
import { SqliteReadModels } from '../sqlite-read-models';
import { promotionProjection } from './promotion';

const stored = (
  position: number,
  streamName: string,
  version: number,
  type: string,
  data: object,
): StoredEvent => ({
  streamName,
  version,
  position,
  type,
  data: data as JsonObject,
  metadata: {
    eventId: `e-${position}`,
    commandId: `c-${position}`,
    correlationId: `c-${position}`,
    causationId: `c-${position}`,
    actor: { role: 'ip-office', orgId: 'sx-cnipa', userId: 'officer' },
    recordedAt: '2025-10-01T04:00:00.000Z',
    schemaVersion: 1,
  },
});
const A = '201710601862.3';
const B = '202010000001.1';
const salon = (salonId: string, heldOn: string, o: object = {}) => ({
  salonId,
  organizerId: 'sx-ip-service-assoc',
  organizerName: '山西省知识产权服务协会',
  province: 'Shanxi',
  heldOn,
  title: `沙龙 ${salonId}`,
  applicationNumbers: [A],
  enterpriseIds: ['coal'],
  ...o,
});
const events = [
  stored(1, 'salon-s1', 1, 'SalonRecorded', salon('s1', '2025-02-10')),
  stored(
    2,
    'salon-s2',
    1,
    'SalonRecorded',
    salon('s2', '2025-08-20', { applicationNumbers: [A, B], notes: '路演' }),
  ),
  stored(
    3,
    'salon-s3',
    1,
    'SalonRecorded',
    salon('s3', '2025-09-30', { province: 'Hebei', organizerId: 'hb' }),
  ),
  stored(4, 'key-promotion-k1', 1, 'KeyPromotionOpened', {
    keyPromotionId: 'k1',
    name: '重点推广',
    organizerId: 'sx-cnipa',
    organizerName: '山西省知识产权局',
    province: 'Shanxi',
    applicationNumbers: [A],
    startedOn: '2025-03-01',
  }),
  stored(5, 'key-promotion-k1', 2, 'KeyPromotionPatentsChanged', {
    keyPromotionId: 'k1',
    added: [B],
    removed: [A],
    changedOn: '2025-04-01',
    reason: '已许可',
  }),
  stored(6, 'key-promotion-k1', 3, 'KeyPromotionClosed', {
    keyPromotionId: 'k1',
    closedOn: '2025-06-30',
    summary: '促成许可 1 项',
    counts: { deals: 1 },
  }),
  stored(7, 'service-v1', 1, 'TechnologyServiceRecorded', {
    serviceId: 'v1',
    applicationNumber: A,
    institutionId: 'tyut',
    providerId: 'zz-ops',
    providerName: '中知（山西）知识产权运营中心',
    kind: 'maturation',
    startedOn: '2025-02-01',
    completedOn: '2025-05-01',
    outcome: '中试完成',
    technologyReadinessAfter: 7,
  }),
  // other streams are not this projection's
  stored(8, 'need-n1', 1, 'NeedPosted', { needId: 'n1' }),
];

describe('promotion projection (plan §二(三)2–3)', () => {
  it('gives the same rows in one batch as one event at a time', async () => {
    const batch = SqliteReadModels.open(':memory:', [promotionProjection]);
    const single = SqliteReadModels.open(':memory:', [promotionProjection]);
    await batch.init();
    await single.init();
    await batch.applyBatch('promotion', events);
    for (const e of events) await single.applyBatch('promotion', [e]);
    for (const rm of [batch, single]) {
      expect((await listSalons(rm.sql)).map((s) => s.salonId)).toEqual(['s1', 's2', 's3']);
      expect(
        (await listSalons(rm.sql, { province: 'Shanxi', applicationNumber: B })).map((s) => s.salonId),
      ).toEqual(['s2']);
      expect(await getSalon(rm.sql, 's2')).toEqual(
        expect.objectContaining({
          applicationNumbers: [A, B],
          enterpriseIds: ['coal'],
          notes: '路演',
          version: 1,
        }),
      );

      const q = await salonQuarters(rm.sql, { year: 2025, asOf: '2025-10-01', province: 'Shanxi' });
      expect(q.quarters.map((x) => [x.quarter, x.held, x.ended, x.salons.map((s) => s.salonId)])).toEqual([
        [1, true, true, ['s1']],
        [2, false, true, []],
        [3, true, true, ['s2']],
        [4, false, false, []],
      ]);
      // on a quarter's last day it has not ended: a salon may still be held that day
      const onLastDay = await salonQuarters(rm.sql, { year: 2025, asOf: '2025-06-30', province: 'Shanxi' });
      expect(onLastDay.quarters.map((x) => x.ended)).toEqual([true, false, false, false]);
      // the Hebei salon on the quarter's last day counts for its organizer, not for Shanxi
      const hb = await salonQuarters(rm.sql, { year: 2025, asOf: '2025-10-01', organizerId: 'hb' });
      expect(hb.quarters.map((x) => x.held)).toEqual([false, false, true, false]);

      expect(await getKeyPromotion(rm.sql, 'k1')).toEqual(
        expect.objectContaining({
          applicationNumbers: [B],
          status: 'closed',
          closed: { closedOn: '2025-06-30', summary: '促成许可 1 项', counts: { deals: 1 } },
          changes: [{ changedOn: '2025-04-01', added: [B], removed: [A], reason: '已许可' }],
          version: 3,
        }),
      );
      expect(await listKeyPromotions(rm.sql, { applicationNumber: A })).toEqual([]);
      expect((await listKeyPromotions(rm.sql, { status: 'closed' })).map((k) => k.keyPromotionId)).toEqual([
        'k1',
      ]);

      const services = await listTechnologyServices(rm.sql, { applicationNumber: A });
      expect(services).toEqual([
        expect.objectContaining({
          serviceId: 'v1',
          kind: 'maturation',
          technologyReadinessAfter: 7,
          version: 1,
        }),
      ]);
      expect(await listTechnologyServices(rm.sql, { institutionId: 'sxu' })).toEqual([]);
    }
    await batch.close();
    await single.close();
  });
});
