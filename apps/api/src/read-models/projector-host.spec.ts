import { DEFAULT_PROJECTOR_BATCH_SIZE, MemoryEventStore } from '@patent-ledger/eventsourcing';
import { newEvent } from '@patent-ledger/eventsourcing/testing';
import { auditProjection, SqliteReadModels } from '@patent-ledger/read-models';
import { loadConfig } from '../config';
import { InlineProjectorHost } from './projector-host';

describe('LEDGER_PROJECTOR_BATCH_SIZE', () => {
  it('defaults to the Projector default and accepts 1 to 100,000', () => {
    expect(loadConfig({}).projectorBatchSize).toBe(DEFAULT_PROJECTOR_BATCH_SIZE);
    expect(DEFAULT_PROJECTOR_BATCH_SIZE).toBe(10_000);
    expect(loadConfig({ LEDGER_PROJECTOR_BATCH_SIZE: '500' }).projectorBatchSize).toBe(500);
    expect(() => loadConfig({ LEDGER_PROJECTOR_BATCH_SIZE: '0' })).toThrow(/LEDGER_PROJECTOR_BATCH_SIZE=0/);
    expect(() => loadConfig({ LEDGER_PROJECTOR_BATCH_SIZE: '100001' })).toThrow(
      /LEDGER_PROJECTOR_BATCH_SIZE=100001/,
    );
  });

  it('is the number of events the api projector reads per batch', async () => {
    const store = new MemoryEventStore();
    for (let i = 0; i < 5; i++)
      await store.append(`patent-${i}`, [newEvent('Tested')], { expectedVersion: 'no_stream' });
    const readModels = SqliteReadModels.open(':memory:', [auditProjection]);
    const reads = jest.spyOn(store, 'readAll');
    const host = new InlineProjectorHost(
      store,
      readModels,
      { error: () => undefined, warn: () => undefined },
      2,
    );
    try {
      await host.start();
      await host.projector.stop();
      await host.projector.catchUp();
      expect(readModels.checkpointSync('audit')).toBe(5);
      const limits = reads.mock.calls.map(([o]) => o?.limit);
      expect(limits.length).toBeGreaterThanOrEqual(3);
      expect(new Set(limits)).toEqual(new Set([2]));
    } finally {
      await host.projector.stop();
      await readModels.close();
    }
  });
});
