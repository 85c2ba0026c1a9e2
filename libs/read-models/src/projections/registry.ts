import type { EnterpriseEvent, ExpertEvent } from '@patent-ledger/domain';
import type { StoredEvent } from '@patent-ledger/eventsourcing';
import { RowInserter } from '../sql';
import { batchProjection, EventApplyError, type ReadModelProjection } from '../sqlite-projection';

/**
 * The registries (issue 15, plan §二(二)1): one row per enterprise and per expert, with the details
 * of its latest event. Within a batch the last event of each id wins, so every row is written once
 * (INSERT … ON CONFLICT DO UPDATE, a multi-row statement on PostgreSQL).
 */
export const registryProjection: ReadModelProjection = batchProjection({
  name: 'registry',
  version: '1',
  tables: ['registry_enterprises', 'registry_experts'],
  ddl: (t, d) => [
    `CREATE TABLE "${t('registry_enterprises')}" (
      enterprise_id ${d.text} PRIMARY KEY,
      name ${d.text} NOT NULL,
      category ${d.text} NOT NULL,
      region ${d.text} NOT NULL,
      contact ${d.text} NOT NULL,
      registered_on ${d.text} NOT NULL,
      updated_on ${d.text} NOT NULL,
      position ${d.bigint} NOT NULL
    )`,
    `CREATE INDEX "${t('registry_enterprises')}_category" ON "${t('registry_enterprises')}" (category, enterprise_id)`,
    `CREATE INDEX "${t('registry_enterprises')}_region" ON "${t('registry_enterprises')}" (region, enterprise_id)`,
    `CREATE TABLE "${t('registry_experts')}" (
      expert_id ${d.text} PRIMARY KEY,
      name ${d.text} NOT NULL,
      fields ${d.text} NOT NULL,
      organisation ${d.text} NOT NULL,
      title ${d.text},
      recommended_by ${d.text} NOT NULL,
      recommended_on ${d.text} NOT NULL,
      updated_on ${d.text} NOT NULL,
      position ${d.bigint} NOT NULL
    )`,
  ],
  prepareBatch: (t, d) => {
    const enterprises = new RowInserter(
      d,
      `INSERT INTO "${t('registry_enterprises')}" (enterprise_id, name, category, region, contact, registered_on, updated_on, position)`,
      8,
      `ON CONFLICT (enterprise_id) DO UPDATE SET name = excluded.name, category = excluded.category,
         region = excluded.region, contact = excluded.contact, updated_on = excluded.updated_on,
         position = excluded.position`,
    );
    const experts = new RowInserter(
      d,
      `INSERT INTO "${t('registry_experts')}" (expert_id, name, fields, organisation, title, recommended_by, recommended_on, updated_on, position)`,
      9,
      `ON CONFLICT (expert_id) DO UPDATE SET name = excluded.name, fields = excluded.fields,
         organisation = excluded.organisation, title = excluded.title, recommended_by = excluded.recommended_by,
         updated_on = excluded.updated_on, position = excluded.position`,
      [4],
    );
    return async (tx, events) => {
      const ents = new Map<string, unknown[]>();
      const exps = new Map<string, unknown[]>();
      for (const e of events) {
        try {
          if (e.streamName.startsWith('enterprise-')) {
            const ev = { type: e.type, data: e.data } as unknown as EnterpriseEvent;
            if (ev.type !== 'EnterpriseRegistered' && ev.type !== 'EnterpriseDetailsChanged') continue;
            const x = ev.data;
            const registeredOn = (ents.get(x.enterpriseId)?.[5] as string | undefined) ?? x.occurredOn;
            const row: unknown[] = [];
            enterprises.push(
              row,
              x.enterpriseId,
              x.name,
              x.category,
              x.region,
              JSON.stringify(x.contact),
              registeredOn,
              x.occurredOn,
              e.position,
            );
            ents.set(x.enterpriseId, row);
          } else if (e.streamName.startsWith('expert-')) {
            const ev = { type: e.type, data: e.data } as unknown as ExpertEvent;
            if (ev.type !== 'ExpertRecommended' && ev.type !== 'ExpertDetailsChanged') continue;
            const x = ev.data;
            const recommendedOn = (exps.get(x.expertId)?.[6] as string | undefined) ?? x.occurredOn;
            const row: unknown[] = [];
            experts.push(
              row,
              x.expertId,
              x.name,
              JSON.stringify(x.fields),
              x.organisation,
              x.title ?? null,
              x.recommendedBy,
              recommendedOn,
              x.occurredOn,
              e.position,
            );
            exps.set(x.expertId, row);
          }
        } catch (err) {
          throw new EventApplyError(e as StoredEvent, err);
        }
      }
      // A details change keeps the first registration date (ON CONFLICT leaves registered_on alone).
      await enterprises.insert(tx, [...ents.values()].flat());
      await experts.insert(tx, [...exps.values()].flat());
    };
  },
});
