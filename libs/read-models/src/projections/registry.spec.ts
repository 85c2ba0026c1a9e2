import type { JsonObject, StoredEvent } from '@patent-ledger/eventsourcing';
import { listEnterprises, listExperts } from '../queries/registry';
import { SqliteReadModels } from '../sqlite-read-models';
import { registryProjection } from './registry';

const stored = (position: number, streamName: string, type: string, data: object): StoredEvent => ({
  streamName,
  version: 1,
  position,
  type,
  data: data as JsonObject,
  metadata: {
    eventId: `e-${position}`,
    commandId: `c-${position}`,
    correlationId: `c-${position}`,
    causationId: `c-${position}`,
    actor: { role: 'ip-office', orgId: 'sx-cnipa', userId: 'officer-1' },
    recordedAt: '2025-06-01T04:00:00.000Z',
    schemaVersion: 1,
  },
});
const coal = {
  enterpriseId: 'coal',
  name: '煤基',
  category: 'specialized-sme',
  region: '140100',
  contact: { name: '李明' },
  occurredOn: '2024-04-10',
};
const events = [
  stored(1, 'enterprise-coal', 'EnterpriseRegistered', coal),
  stored(2, 'enterprise-glass', 'EnterpriseRegistered', { ...coal, enterpriseId: 'glass', region: '140700' }),
  stored(3, 'enterprise-coal', 'EnterpriseDetailsChanged', {
    ...coal,
    category: 'high-tech',
    occurredOn: '2024-06-01',
  }),
  stored(4, 'expert-wang', 'ExpertRecommended', {
    expertId: 'wang',
    name: '王工',
    fields: ['C04B'],
    organisation: '焦煤',
    recommendedBy: 'sx-kjt',
    occurredOn: '2024-04-20',
  }),
];

describe('registry projection', () => {
  it('gives the same rows applied in one batch as one event at a time, keeping the first registration date', async () => {
    const batch = SqliteReadModels.open(':memory:', [registryProjection]);
    const single = SqliteReadModels.open(':memory:', [registryProjection]);
    await batch.init();
    await single.init();
    await batch.applyBatch('registry', events);
    for (const e of events) await single.applyBatch('registry', [e]);
    for (const rm of [batch, single]) {
      expect(await listEnterprises(rm.sql)).toEqual([
        {
          enterpriseId: 'coal',
          name: '煤基',
          category: 'high-tech',
          region: '140100',
          contact: { name: '李明' },
          registeredOn: '2024-04-10',
          updatedOn: '2024-06-01',
        },
        expect.objectContaining({ enterpriseId: 'glass', registeredOn: '2024-04-10' }),
      ]);
      expect((await listEnterprises(rm.sql, { region: '1407' })).map((e) => e.enterpriseId)).toEqual([
        'glass',
      ]);
      expect(await listExperts(rm.sql, { field: 'C04B' })).toEqual([
        expect.objectContaining({ expertId: 'wang', fields: ['C04B'], recommendedBy: 'sx-kjt' }),
      ]);
    }
    await batch.close();
    await single.close();
  });
});
