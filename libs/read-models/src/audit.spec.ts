import { Projector, type StoredEvent } from '@patent-ledger/eventsourcing';
import { InvalidCursorError } from './cursor';
import { auditProjection } from './projections/audit';
import { queryAudit, type AuditEntry, type AuditFilter } from './queries/audit';
import type { SqliteReadModels } from './sqlite-read-models';
import { actors, applicationNumber, Ledger, openReadModels } from './testing/fixtures';

const A = applicationNumber(1);
const B = applicationNumber(2, 2019);

/** Every event type of both streams, with business dates that differ from the recording date. */
async function scenario(ledger: Ledger): Promise<void> {
  await ledger.registerInstitution('tyut', {
    name: '太原理工大学',
    milestoneGroup: 'tyut',
    occurredOn: '2024-02-29',
  });
  await ledger.inventory(A, { occurredOn: '2024-03-01' });
  await ledger.admit(A, { occurredOn: '2024-03-10' });
  await ledger.evaluate(A, 'ev-1', 'ent-a', 4, { occurredOn: '2024-04-10' });
  await ledger.promote(A, 'pr-1', 'featured', { occurredOn: '2024-05-20' });
  await ledger.license(A, 'lic-1', 'ent-b', 'ordinary', { effectiveDate: '2024-07-01' });
  await ledger.recordLicense(A, 'lic-1', { recordedOn: '2024-08-02' });
  await ledger.industrialize(A, 'ind-1', 'ent-b', { startedOn: '2024-11-03' });
  await ledger.fileDensityProduct(A, 'ind-1', { filedOn: '2025-04-30' });
  await ledger.report(A, { dealId: 'lic-1' }, '2024-12-20');
  await ledger.transfer(A, 'tr-1', 'ent-d', { contractDate: '2024-09-05' });
  await ledger.registerTransfer(A, 'tr-1', { registeredOn: '2024-10-15' });
  await ledger.inventory(B, { institutionId: 'sxu', occurredOn: '2024-03-02' });
  await ledger.declareOpenLicense(B, 'ol-1', { occurredOn: '2024-06-01' });
  await ledger.takeOpenLicense(
    B,
    'ol-deal',
    'ent-e',
    { notifiedOn: '2024-07-15' },
    { actor: actors.enterprise('ent-e') },
  );
  await ledger.withdrawOpenLicense(B, '2024-12-01');
  await ledger.lapse(B, 'non-payment', '2025-03-01');
  await ledger.registerInstitution('tyut', {
    name: '太原理工大学',
    milestoneGroup: 'tyut',
    stockPatentCount: 120,
    reason: '补充盘点',
    occurredOn: '2025-01-02',
  });
}

/** [event type, stream, business date] of the scenario, in log order. */
const EXPECTED: [string, string, string][] = [
  ['InstitutionRegistered', 'institution-tyut', '2024-02-29'],
  ['PatentInventoried', `patent-${A}`, '2024-03-01'],
  ['IntentTagged', `patent-${A}`, '2024-03-10'],
  ['EnterpriseEvaluated', `patent-${A}`, '2024-04-10'],
  ['Promoted', `patent-${A}`, '2024-05-20'],
  ['Licensed', `patent-${A}`, '2024-07-01'],
  ['LicenseRecorded', `patent-${A}`, '2024-08-02'],
  ['Industrialized', `patent-${A}`, '2024-11-03'],
  ['DensityProductFiled', `patent-${A}`, '2025-04-30'],
  ['TransactionReported', `patent-${A}`, '2024-12-20'],
  ['Transferred', `patent-${A}`, '2024-09-05'],
  ['TransferRegistered', `patent-${A}`, '2024-10-15'],
  ['PatentInventoried', `patent-${B}`, '2024-03-02'],
  ['OpenLicensed', `patent-${B}`, '2024-06-01'],
  ['OpenLicenseTaken', `patent-${B}`, '2024-07-15'],
  ['OpenLicenseWithdrawn', `patent-${B}`, '2024-12-01'],
  ['PatentLapsed', `patent-${B}`, '2025-03-01'],
  ['StockCountRevised', 'institution-tyut', '2025-01-02'],
];

let rm: SqliteReadModels;
let events: StoredEvent[];

beforeAll(async () => {
  const ledger = new Ledger();
  await scenario(ledger);
  events = await ledger.all();
  rm = await openReadModels(':memory:', [auditProjection]);
  const projector = new Projector(ledger.store, rm, { batchSize: 4 });
  await projector.catchUp();
});
afterAll(() => rm.close());

const query = (f: AuditFilter & { limit?: number; cursor?: string } = {}) =>
  queryAudit(rm.sql, { limit: 1000, ...f });
const positions = (items: AuditEntry[]): number[] => items.map((i) => i.position);
const positionsWhere = (p: (e: StoredEvent) => boolean): number[] => events.filter(p).map((e) => e.position);

describe('audit trail', () => {
  it('has one row per event of every stream, in log order', async () => {
    expect(events.map((e) => [e.type, e.streamName])).toEqual(EXPECTED.map(([t, s]) => [t, s]));
    const page = await query();
    expect(page.nextCursor).toBeNull();
    expect(positions(page.items)).toEqual(events.map((_, i) => i + 1));
    expect(await rm.tableCounts('audit')).toEqual({ audit_events: 18 });
  });

  it('each row carries the event and its metadata as stored', async () => {
    const items = (await query()).items;
    events.forEach((e, i) => {
      expect(items[i]).toEqual({
        position: e.position,
        streamName: e.streamName,
        version: e.version,
        eventType: e.type,
        businessDate: EXPECTED[i]![2],
        recordedAt: e.metadata.recordedAt,
        actor: e.metadata.actor,
        commandId: e.metadata.commandId,
        correlationId: e.metadata.correlationId,
        causationId: e.metadata.causationId,
        eventId: e.metadata.eventId,
        data: e.data,
      });
    });
  });

  it("businessDate is the event's business date; recordedAt is when it was stored", async () => {
    const byType = async (t: string): Promise<AuditEntry> => (await query({ eventType: t })).items[0]!;
    const transferred = await byType('Transferred');
    expect(transferred.businessDate).toBe('2024-09-05');
    expect(transferred.recordedAt).toBe('2025-06-01T04:00:10.000Z');
    expect(await byType('TransferRegistered')).toMatchObject({
      businessDate: '2024-10-15',
      recordedAt: '2025-06-01T04:00:11.000Z',
    });
    expect(await byType('StockCountRevised')).toMatchObject({
      businessDate: '2025-01-02',
      recordedAt: '2025-06-01T04:00:17.000Z',
    });
    expect(await byType('InstitutionRegistered')).toMatchObject({
      businessDate: '2024-02-29',
      recordedAt: '2025-06-01T04:00:00.000Z',
    });
  });

  it('stores the stream category and entity id', async () => {
    const rows = rm.db.prepare('SELECT category, entity_id FROM audit_events ORDER BY position').all();
    expect(rows).toEqual(
      events.map((e) =>
        e.streamName.startsWith('institution-')
          ? { category: 'institution', entity_id: 'tyut' }
          : { category: 'patent', entity_id: e.streamName.slice('patent-'.length) },
      ),
    );
  });
});

describe('audit filters', () => {
  it('by actor role', async () => {
    expect(positions((await query({ actorRole: 'ip-office' })).items)).toEqual([1, 5, 18]);
    expect(positions((await query({ actorRole: 'enterprise' })).items)).toEqual([4, 15]);
    expect(positions((await query({ actorRole: 'institution' })).items)).toEqual(
      positionsWhere((e) => ![1, 5, 18, 4, 15].includes(e.position)),
    );
    expect((await query({ actorRole: 'auditor' })).items).toEqual([]);
  });

  it('by actor organisation and user', async () => {
    expect(positions((await query({ actorOrg: 'sxu' })).items)).toEqual([13, 14, 16, 17]);
    expect(positions((await query({ actorOrg: 'ent-a' })).items)).toEqual([4]);
    expect(positions((await query({ actorUser: 'ent-e-user' })).items)).toEqual([15]);
    expect(positions((await query({ actorUser: 'tyut-tto' })).items)).toEqual([2, 3, 6, 7, 8, 9, 10, 11, 12]);
    expect(positions((await query({ actorOrg: 'tyut', actorUser: 'sxu-tto' })).items)).toEqual([]);
  });

  it('by event type and category', async () => {
    expect(positions((await query({ eventType: 'PatentInventoried' })).items)).toEqual([2, 13]);
    expect(positions((await query({ category: 'institution' })).items)).toEqual([1, 18]);
    expect(positions((await query({ category: 'patent' })).items)).toEqual(
      positionsWhere((e) => e.streamName.startsWith('patent-')),
    );
    expect((await query({ eventType: 'NoSuchEvent' })).items).toEqual([]);
    expect(positions((await query({ category: 'patent', actorRole: 'ip-office' })).items)).toEqual([5]);
  });

  it('by recording time: from inclusive, to exclusive', async () => {
    // positions 1..18 were recorded at 04:00:00 .. 04:00:17.
    expect(
      positions((await query({ from: '2025-06-01T04:00:05.000Z', to: '2025-06-01T04:00:08.000Z' })).items),
    ).toEqual([6, 7, 8]);
    expect(positions((await query({ from: '2025-06-01T04:00:16.000Z' })).items)).toEqual([17, 18]);
    expect(positions((await query({ to: '2025-06-01T04:00:02.000Z' })).items)).toEqual([1, 2]);
    expect((await query({ from: '2025-06-02T00:00:00.000Z' })).items).toEqual([]);
    // the business date plays no part: nothing was recorded in 2024
    expect((await query({ to: '2025-01-01T00:00:00.000Z' })).items).toEqual([]);
    expect(
      positions((await query({ from: '2025-06-01T04:00:05.000Z', actorRole: 'enterprise' })).items),
    ).toEqual([15]);
  });
});

describe('audit pagination', () => {
  it('follows cursors through every row exactly once', async () => {
    const seen: number[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await query({ limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...positions(page.items));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
      if (sizes.length > 50) throw new Error('the traversal does not end');
    } while (cursor);
    expect(sizes).toEqual([4, 4, 4, 4, 2]);
    expect(seen).toEqual(events.map((e) => e.position));
  });

  it('follows cursors with a filter, and ends without a cursor on an exact last page', async () => {
    const first = await query({ actorUser: 'tyut-tto', limit: 3 });
    expect(positions(first.items)).toEqual([2, 3, 6]);
    const second = await query({ actorUser: 'tyut-tto', limit: 3, cursor: first.nextCursor! });
    expect(positions(second.items)).toEqual([7, 8, 9]);
    const third = await query({ actorUser: 'tyut-tto', limit: 3, cursor: second.nextCursor! });
    expect(positions(third.items)).toEqual([10, 11, 12]);
    expect(third.nextCursor).toBeNull();
  });

  it('rejects a tampered cursor', async () => {
    const cursor = (await query({ limit: 2 })).nextCursor!;
    for (const bad of [
      '%%%',
      cursor.slice(0, 3),
      Buffer.from('{"after":"x"}').toString('base64url'),
      Buffer.from('{"after":1.5}').toString('base64url'),
    ]) {
      await expect(query({ limit: 2, cursor: bad })).rejects.toThrow(InvalidCursorError);
      await expect(query({ limit: 2, cursor: bad })).rejects.toThrow(
        expect.objectContaining({ code: 'QUERY.INVALID_CURSOR' }),
      );
    }
  });
});

describe('audit batches', () => {
  /** `n` stored events of a few streams, as the projector hands them over. */
  function storedEvents(n: number, from = 1): StoredEvent[] {
    return Array.from({ length: n }, (_, i) => ({
      streamName: `institution-org-${i % 7}`,
      version: 1 + Math.floor(i / 7),
      position: from + i,
      type: 'StockCountRevised',
      data: { institutionId: `org-${i % 7}`, stockPatentCount: i, occurredOn: '2025-01-02' },
      metadata: {
        eventId: `e-${from + i}`,
        commandId: `c-${from + i}`,
        correlationId: `r-${from + i}`,
        causationId: `c-${from + i}`,
        actor: { role: 'agent', orgId: `org-${i % 3}`, userId: `u-${i % 5}` },
        recordedAt: '2025-01-02T08:00:00.000Z',
        schemaVersion: 1,
      },
    }));
  }

  it('writes a batch of 333 events as 333 batches of one event would', async () => {
    // Given 333 events (on PostgreSQL: statements of 64, 8 and 1 rows; see postgres.spec.ts)
    const all = storedEvents(333);
    // When one read model applies them in one batch and another one event at a time
    const batched = await openReadModels(':memory:', [auditProjection]);
    const single = await openReadModels(':memory:', [auditProjection]);
    try {
      await batched.applyBatch('audit', all);
      for (const e of all) await single.applyBatch('audit', [e]);
      // Then both hold the same rows
      const rows = (r: SqliteReadModels) =>
        r.db.prepare('SELECT * FROM audit_events ORDER BY position').all();
      expect(rows(batched)).toHaveLength(333);
      expect(rows(batched)).toEqual(rows(single));
      expect(batched.checkpointSync('audit')).toBe(333);
    } finally {
      await batched.close();
      await single.close();
    }
  });

  it('an event the table cannot hold fails the batch naming that event, and nothing of the batch is kept', async () => {
    // Given a batch whose 100th event has no actor organisation
    const all = storedEvents(300);
    const bad = all[99]!;
    bad.metadata = { ...bad.metadata, actor: { role: 'agent', userId: 'u' } as never };
    const target = await openReadModels(':memory:', [auditProjection]);
    try {
      // When it is applied
      const outcome = target.applyBatch('audit', all);
      // Then the error names event 100 and the checkpoint and table are unchanged
      await expect(outcome).rejects.toMatchObject({
        projection: 'audit',
        event: expect.objectContaining({ position: 100 }),
        message: expect.stringContaining('actor_org is undefined'),
      });
      expect(target.checkpointSync('audit')).toBe(0);
      expect(await target.tableCounts('audit')).toEqual({ audit_events: 0 });
    } finally {
      await target.close();
    }
  });
});
