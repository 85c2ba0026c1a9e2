import type { JsonObject, StoredEvent } from '@patent-ledger/eventsourcing';
import { DEFAULT_OBLIGATION_POLICY } from '../policy';
import { queryObligations } from '../queries/obligations';
import { getProject, listNeeds } from '../queries/needs';
import { SqliteReadModels } from '../sqlite-read-models';
import { needsProjection } from './needs';
import { obligationsProjection } from './obligations';

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
    actor: { role: 'enterprise', orgId: 'coal', userId: 'li' },
    recordedAt: '2025-06-01T04:00:00.000Z',
    schemaVersion: 1,
  },
});
const posted = (needId: string) => ({
  needId,
  applicationNumber: '201710601862.3',
  institutionId: 'tyut',
  enterpriseId: 'coal',
  kind: 'improvement',
  description: '中试',
  postedOn: '2025-04-30',
  respondBy: '2025-05-26',
  responseWorkingDays: 15,
});
const events = [
  stored(1, 'need-n1', 1, 'NeedPosted', posted('n1')),
  stored(2, 'need-n2', 1, 'NeedPosted', posted('n2')),
  stored(3, 'need-n3', 1, 'NeedPosted', posted('n3')),
  stored(4, 'need-n1', 2, 'NeedAnswered', {
    needId: 'n1',
    answer: 'accepted',
    text: '可',
    answeredOn: '2025-05-26',
  }),
  stored(5, 'need-n2', 2, 'NeedWithdrawn', { needId: 'n2', withdrawnOn: '2025-05-08' }),
  stored(6, 'project-p1', 1, 'ProjectOpened', {
    projectId: 'p1',
    kind: 'joint-rd',
    enterpriseId: 'coal',
    institutionId: 'tyut',
    applicationNumbers: ['201710601862.3'],
    needId: 'n1',
    startedOn: '2025-05-27',
  }),
];

describe('needs projection and the need-response obligation (plan §二(四)1)', () => {
  it('gives the same rows in one batch as one event at a time', async () => {
    const batch = SqliteReadModels.open(':memory:', [
      needsProjection,
      obligationsProjection(DEFAULT_OBLIGATION_POLICY),
    ]);
    const single = SqliteReadModels.open(':memory:', [
      needsProjection,
      obligationsProjection(DEFAULT_OBLIGATION_POLICY),
    ]);
    await batch.init();
    await single.init();
    for (const name of ['needs', 'obligations']) {
      await batch.applyBatch(name, events);
      for (const e of events) await single.applyBatch(name, [e]);
    }
    for (const rm of [batch, single]) {
      const needs = await listNeeds(rm.sql, { scope: { kind: 'all' } });
      expect(needs.map((n) => [n.needId, n.status, n.version])).toEqual([
        ['n1', 'answered', 2],
        ['n2', 'withdrawn', 2],
        ['n3', 'open', 1],
      ]);
      expect(await listNeeds(rm.sql, { scope: { kind: 'enterprise', orgId: 'other' } })).toEqual([]);
      expect(await getProject(rm.sql, 'p1')).toEqual(
        expect.objectContaining({ needId: 'n1', status: 'open', resultingPatents: [] }),
      );
      const o = await queryObligations(rm.sql, { asOf: '2025-06-20', kind: 'need-response' } as never);
      const byRef = Object.fromEntries(o.items.map((i) => [i.ref, i]));
      // answered on the last day: on time
      expect(byRef['n1']).toEqual(
        expect.objectContaining({ status: 'fulfilled', late: false, dueDate: '2025-05-26' }),
      );
      expect(byRef['n2']).toEqual(
        expect.objectContaining({ status: 'cancelled', cancelledOn: '2025-05-08' }),
      );
      expect(byRef['n3']).toEqual(
        expect.objectContaining({ status: 'overdue', responsibleParty: { kind: 'institution', id: 'tyut' } }),
      );
    }
    await batch.close();
    await single.close();
  });
});
