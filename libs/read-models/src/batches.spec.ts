import { DEFAULT_OBLIGATION_POLICY } from './policy';
import { auditProjection } from './projections/audit';
import { obligationsProjection } from './projections/obligations';
import { progressProjection } from './projections/progress';
import { dumpProjection, Ledger, openReadModels, project, seedMixed } from './testing/fixtures';

/**
 * Batch appliers (multi-row statements, rows collected per table) leave exactly the tables that
 * applying the same log one event at a time leaves.
 */
const projections = [auditProjection, progressProjection, obligationsProjection(DEFAULT_OBLIGATION_POLICY)];

describe('projections applied in batches of any size', () => {
  it.each(projections.map((p) => [p.name]))(
    '%s: batches of 1, 7 and 1,000 give the same rows',
    async (name) => {
      // Given a mixed log of 40 patents with every kind of event
      const ledger = new Ledger();
      await seedMixed(ledger, 40);
      // When it is projected in batches of 1, 7 and 1,000
      const dumps = [];
      for (const batchSize of [1, 7, 1000]) {
        const rm = await openReadModels(':memory:', projections);
        try {
          await project(ledger.store, rm, { batchSize });
          dumps.push(dumpProjection(rm, name));
        } finally {
          await rm.close();
        }
      }
      // Then every table holds the same rows in the same order
      expect(Object.values(dumps[0]!).some((rows) => rows.length > 0)).toBe(true);
      expect(dumps[1]).toEqual(dumps[0]);
      expect(dumps[2]).toEqual(dumps[0]);
    },
  );
});

describe('a batch with an event whose row the table cannot hold', () => {
  it('fails naming that event, and keeps nothing of the batch (obligations)', async () => {
    // Given a log whose last transfer has lost its deal id (a row the obligations cannot hold)
    const ledger = new Ledger();
    await seedMixed(ledger, 12);
    const [transferred] = (await ledger.all()).filter((e) => e.type === 'Transferred');
    const { dealId: _lost, ...data } = transferred!.data as Record<string, unknown>;
    const stream = transferred!.streamName;
    await ledger.store.append(
      stream,
      [
        {
          type: 'Transferred',
          data: data as never,
          metadata: { ...transferred!.metadata, eventId: 'e-bad' },
        },
      ],
      {
        expectedVersion: await ledger.store.streamVersion(stream),
      },
    );
    const bad = await ledger.store.headPosition();
    // (and events after it, so that "the batch's last event" would be another one)
    await ledger.registerInstitution('nuc', {
      name: '中北大学',
      milestoneGroup: 'key4',
      stockPatentCount: 90,
    });
    expect(await ledger.store.headPosition()).toBeGreaterThan(bad);
    const rm = await openReadModels(':memory:', projections);
    try {
      // When the whole log is applied in one batch
      const outcome = rm.applyBatch('obligations', await ledger.all());
      // Then the error names the bad event, and the checkpoint and tables are unchanged
      await expect(outcome).rejects.toMatchObject({
        projection: 'obligations',
        event: expect.objectContaining({ position: bad }),
      });
      expect(rm.checkpointSync('obligations')).toBe(0);
      expect(await rm.tableCounts('obligations')).toEqual({
        obligations: 0,
        obligation_patents: 0,
        obligation_kpi_counters: 0,
      });
    } finally {
      await rm.close();
    }
  });
});
