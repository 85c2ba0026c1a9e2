import type { KeyPromotionEvent, SalonEvent, TechnologyServiceEvent } from '@patent-ledger/domain';
import type { StoredEvent } from '@patent-ledger/eventsourcing';
import type { SqlTx } from '../sql';
import { batchProjection, EventApplyError, type ReadModelProjection } from '../sqlite-projection';

/**
 * Promotion as the plan runs it (§二(三)2–3): one row per salon held (`salon-<id>`), one per
 * key-promotion project (`key-promotion-<id>`) with the history of its patents, and one per technology
 * service performed on a patent (`service-<id>`). Each row keeps its stream's version (the `ETag` of
 * its GET).
 */
export const promotionProjection: ReadModelProjection = batchProjection({
  name: 'promotion',
  version: '1',
  tables: ['salons', 'key_promotions', 'key_promotion_changes', 'technology_services'],
  ddl: (t, d) => [
    `CREATE TABLE "${t('salons')}" (
      salon_id ${d.text} PRIMARY KEY,
      organizer_id ${d.text} NOT NULL,
      organizer_name ${d.text} NOT NULL,
      province ${d.text} NOT NULL,
      held_on ${d.text} NOT NULL,
      title ${d.text} NOT NULL,
      application_numbers ${d.text} NOT NULL,
      enterprise_ids ${d.text} NOT NULL,
      notes ${d.text},
      recorded_at ${d.text} NOT NULL,
      version ${d.int} NOT NULL,
      position ${d.bigint} NOT NULL
    )`,
    `CREATE INDEX "${t('salons')}_province" ON "${t('salons')}" (province, held_on)`,
    `CREATE INDEX "${t('salons')}_organizer" ON "${t('salons')}" (organizer_id, held_on)`,
    `CREATE TABLE "${t('key_promotions')}" (
      key_promotion_id ${d.text} PRIMARY KEY,
      name ${d.text} NOT NULL,
      organizer_id ${d.text} NOT NULL,
      organizer_name ${d.text} NOT NULL,
      province ${d.text} NOT NULL,
      application_numbers ${d.text} NOT NULL,
      started_on ${d.text} NOT NULL,
      description ${d.text},
      status ${d.text} NOT NULL,
      closed_on ${d.text},
      summary ${d.text},
      counts ${d.text},
      version ${d.int} NOT NULL,
      position ${d.bigint} NOT NULL
    )`,
    `CREATE TABLE "${t('key_promotion_changes')}" (
      key_promotion_id ${d.text} NOT NULL,
      version ${d.int} NOT NULL,
      changed_on ${d.text} NOT NULL,
      added ${d.text} NOT NULL,
      removed ${d.text} NOT NULL,
      reason ${d.text},
      position ${d.bigint} NOT NULL,
      PRIMARY KEY (key_promotion_id, version)
    )`,
    `CREATE TABLE "${t('technology_services')}" (
      service_id ${d.text} PRIMARY KEY,
      application_number ${d.text} NOT NULL,
      institution_id ${d.text} NOT NULL,
      provider_id ${d.text} NOT NULL,
      provider_name ${d.text} NOT NULL,
      kind ${d.text} NOT NULL,
      started_on ${d.text} NOT NULL,
      completed_on ${d.text} NOT NULL,
      outcome ${d.text} NOT NULL,
      technology_readiness_after ${d.int},
      version ${d.int} NOT NULL,
      position ${d.bigint} NOT NULL
    )`,
    `CREATE INDEX "${t('technology_services')}_patent" ON "${t('technology_services')}" (application_number, completed_on)`,
    `CREATE INDEX "${t('technology_services')}_institution" ON "${t('technology_services')}" (institution_id, completed_on)`,
  ],
  prepareBatch: (t) => {
    const salons = `"${t('salons')}"`;
    const projects = `"${t('key_promotions')}"`;
    const changes = `"${t('key_promotion_changes')}"`;
    const services = `"${t('technology_services')}"`;
    const salonEvent = async (tx: SqlTx, e: StoredEvent, ev: SalonEvent) => {
      if (ev.type !== 'SalonRecorded') return;
      const x = ev.data;
      await tx.run(
        `INSERT INTO ${salons} (salon_id, organizer_id, organizer_name, province, held_on, title,
           application_numbers, enterprise_ids, notes, recorded_at, version, position)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (salon_id) DO NOTHING`,
        [
          x.salonId,
          x.organizerId,
          x.organizerName,
          x.province,
          x.heldOn,
          x.title,
          JSON.stringify(x.applicationNumbers),
          JSON.stringify(x.enterpriseIds),
          x.notes ?? null,
          e.metadata.recordedAt,
          e.version,
          e.position,
        ],
      );
    };
    const keyPromotionEvent = async (tx: SqlTx, e: StoredEvent, ev: KeyPromotionEvent) => {
      switch (ev.type) {
        case 'KeyPromotionOpened': {
          const x = ev.data;
          await tx.run(
            `INSERT INTO ${projects} (key_promotion_id, name, organizer_id, organizer_name, province,
               application_numbers, started_on, description, status, version, position)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) ON CONFLICT (key_promotion_id) DO NOTHING`,
            [
              x.keyPromotionId,
              x.name,
              x.organizerId,
              x.organizerName,
              x.province,
              JSON.stringify(x.applicationNumbers),
              x.startedOn,
              x.description ?? null,
              e.version,
              e.position,
            ],
          );
          return;
        }
        case 'KeyPromotionPatentsChanged': {
          const x = ev.data;
          const row = await tx.get<{ application_numbers: string }>(
            `SELECT application_numbers FROM ${projects} WHERE key_promotion_id = ?`,
            [x.keyPromotionId],
          );
          if (!row) return;
          const before = JSON.parse(row.application_numbers) as string[];
          const after = [...before.filter((an) => !x.removed.includes(an)), ...x.added];
          await tx.run(
            `UPDATE ${projects} SET application_numbers = ?, version = ?, position = ? WHERE key_promotion_id = ?`,
            [JSON.stringify(after), e.version, e.position, x.keyPromotionId],
          );
          await tx.run(
            `INSERT INTO ${changes} (key_promotion_id, version, changed_on, added, removed, reason, position)
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_promotion_id, version) DO NOTHING`,
            [
              x.keyPromotionId,
              e.version,
              x.changedOn,
              JSON.stringify(x.added),
              JSON.stringify(x.removed),
              x.reason ?? null,
              e.position,
            ],
          );
          return;
        }
        case 'KeyPromotionClosed': {
          const x = ev.data;
          await tx.run(
            `UPDATE ${projects} SET status = 'closed', closed_on = ?, summary = ?, counts = ?, version = ?, position = ?
             WHERE key_promotion_id = ?`,
            [
              x.closedOn,
              x.summary,
              x.counts ? JSON.stringify(x.counts) : null,
              e.version,
              e.position,
              x.keyPromotionId,
            ],
          );
          return;
        }
        default:
          return;
      }
    };
    const serviceEvent = async (tx: SqlTx, e: StoredEvent, ev: TechnologyServiceEvent) => {
      if (ev.type !== 'TechnologyServiceRecorded') return;
      const x = ev.data;
      await tx.run(
        `INSERT INTO ${services} (service_id, application_number, institution_id, provider_id, provider_name, kind,
           started_on, completed_on, outcome, technology_readiness_after, version, position)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (service_id) DO NOTHING`,
        [
          x.serviceId,
          x.applicationNumber,
          x.institutionId,
          x.providerId,
          x.providerName,
          x.kind,
          x.startedOn,
          x.completedOn,
          x.outcome,
          x.technologyReadinessAfter ?? null,
          e.version,
          e.position,
        ],
      );
    };
    return async (tx, events) => {
      for (const e of events) {
        try {
          const ev = { type: e.type, data: e.data } as unknown;
          if (e.streamName.startsWith('salon-')) await salonEvent(tx, e, ev as SalonEvent);
          else if (e.streamName.startsWith('key-promotion-'))
            await keyPromotionEvent(tx, e, ev as KeyPromotionEvent);
          else if (e.streamName.startsWith('service-'))
            await serviceEvent(tx, e, ev as TechnologyServiceEvent);
        } catch (err) {
          throw new EventApplyError(e, err);
        }
      }
    };
  },
});
