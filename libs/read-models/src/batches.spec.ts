import { DEFAULT_OBLIGATION_POLICY } from './policy';
import { auditProjection } from './projections/audit';
import { obligationsProjection } from './projections/obligations';
import { progressProjection } from './projections/progress';
import { dumpProjection, Ledger, openReadModels, project, seedMixed } from './testing/fixtures';

/**
 * Batch appliers (multi-row statements, rows collected per table) leave exactly the tables that
 * applying the same log one event at a time leaves.
 */
describe('projections applied in batches of any size', () => {
  const projections = [auditProjection, progressProjection, obligationsProjection(DEFAULT_OBLIGATION_POLICY)];

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
