import type { InstitutionEvent } from '@patent-ledger/domain';
import { INSTITUTION_EVENT_TYPES } from '@patent-ledger/domain';
import type { StoredEvent } from '@patent-ledger/eventsourcing';
import type { SqliteProjection } from '../sqlite-projection';
import { idOfStream, patentEventOf } from './event-helpers';

const INSTITUTION_TYPES = new Set<string>(INSTITUTION_EVENT_TYPES);

function institutionEventOf(e: StoredEvent): InstitutionEvent | undefined {
  if (!e.streamName.startsWith('institution-') || !INSTITUTION_TYPES.has(e.type)) return undefined;
  return { type: e.type, data: e.data } as unknown as InstitutionEvent;
}

/**
 * Programme progress (domain.md §6): the facts the milestones are measured from, each with its business
 * date, so `queryProgress` can answer "as of D" for any D.
 *
 * - progress_institutions: one row per registered institution (InstitutionRegistered)
 * - progress_stock_counts: stock-count history, the registration count then each StockCountRevised
 * - progress_patents: cohort and inventory date of each patent (PatentInventoried)
 * - progress_intents: every IntentTagged (admitted 0/1): the latest one on or before D decides whether
 *   the patent is in the pool as of D
 * - progress_evaluations: every EnterpriseEvaluated (a superseding evaluation is a new row; the metric
 *   only asks whether one exists on or before D)
 * - progress_promotions: every Promoted
 */
export const progressProjection: SqliteProjection = {
  name: 'progress',
  version: '1',
  tables: [
    'progress_institutions',
    'progress_stock_counts',
    'progress_patents',
    'progress_intents',
    'progress_evaluations',
    'progress_promotions',
  ],
  ddl: (t) => [
    `CREATE TABLE "${t('progress_institutions')}" (
      institution_id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      province TEXT NOT NULL,
      milestone_group TEXT NOT NULL,
      registered_on TEXT NOT NULL,
      registered_count INTEGER NOT NULL
    )`,
    `CREATE INDEX "${t('progress_institutions')}_province" ON "${t('progress_institutions')}" (province)`,
    `CREATE TABLE "${t('progress_stock_counts')}" (
      institution_id TEXT NOT NULL,
      occurred_on TEXT NOT NULL,
      position INTEGER NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (institution_id, occurred_on, position)
    )`,
    `CREATE TABLE "${t('progress_patents')}" (
      application_number TEXT PRIMARY KEY,
      institution_id TEXT NOT NULL,
      cohort TEXT NOT NULL,
      inventoried_on TEXT NOT NULL
    )`,
    `CREATE INDEX "${t('progress_patents')}_coverage" ON "${t('progress_patents')}" (institution_id, cohort, inventoried_on)`,
    `CREATE TABLE "${t('progress_intents')}" (
      application_number TEXT NOT NULL,
      occurred_on TEXT NOT NULL,
      position INTEGER NOT NULL,
      admitted INTEGER NOT NULL,
      PRIMARY KEY (application_number, occurred_on, position)
    )`,
    `CREATE TABLE "${t('progress_evaluations')}" (
      application_number TEXT NOT NULL,
      occurred_on TEXT NOT NULL,
      position INTEGER NOT NULL,
      evaluation_id TEXT NOT NULL,
      PRIMARY KEY (application_number, occurred_on, position)
    )`,
    `CREATE TABLE "${t('progress_promotions')}" (
      position INTEGER PRIMARY KEY,
      application_number TEXT NOT NULL,
      occurred_on TEXT NOT NULL
    )`,
    `CREATE INDEX "${t('progress_promotions')}_on" ON "${t('progress_promotions')}" (occurred_on)`,
  ],
  prepare: (db, t) => {
    const putInstitution = db.prepare(
      `INSERT OR IGNORE INTO "${t('progress_institutions')}"
        (institution_id, name, kind, province, milestone_group, registered_on, registered_count)
       VALUES (@id, @name, @kind, @province, @group, @on, @count)`,
    );
    const putCount = db.prepare(
      `INSERT OR IGNORE INTO "${t('progress_stock_counts')}" (institution_id, occurred_on, position, count) VALUES (?, ?, ?, ?)`,
    );
    const putPatent = db.prepare(
      `INSERT OR IGNORE INTO "${t('progress_patents')}" (application_number, institution_id, cohort, inventoried_on)
       VALUES (?, ?, ?, ?)`,
    );
    const putIntent = db.prepare(
      `INSERT OR IGNORE INTO "${t('progress_intents')}" (application_number, occurred_on, position, admitted) VALUES (?, ?, ?, ?)`,
    );
    const putEvaluation = db.prepare(
      `INSERT OR IGNORE INTO "${t('progress_evaluations')}" (application_number, occurred_on, position, evaluation_id)
       VALUES (?, ?, ?, ?)`,
    );
    const putPromotion = db.prepare(
      `INSERT OR IGNORE INTO "${t('progress_promotions')}" (position, application_number, occurred_on) VALUES (?, ?, ?)`,
    );

    return (e) => {
      const ie = institutionEventOf(e);
      if (ie) {
        const id = ie.data.institutionId ?? idOfStream(e.streamName);
        if (ie.type === 'InstitutionRegistered') {
          const d = ie.data;
          putInstitution.run({
            id,
            name: d.name,
            kind: d.kind,
            province: d.province,
            group: d.milestoneGroup,
            on: d.occurredOn,
            count: d.stockPatentCount,
          });
        }
        putCount.run(id, ie.data.occurredOn, e.position, ie.data.stockPatentCount);
        return;
      }
      const pe = patentEventOf(e);
      if (!pe) return;
      switch (pe.type) {
        case 'PatentInventoried':
          putPatent.run(pe.data.applicationNumber, pe.data.institutionId, pe.data.cohort, pe.data.occurredOn);
          return;
        case 'IntentTagged':
          putIntent.run(
            pe.data.applicationNumber,
            pe.data.occurredOn,
            e.position,
            pe.data.screening.decision === 'admitted' ? 1 : 0,
          );
          return;
        case 'EnterpriseEvaluated':
          putEvaluation.run(pe.data.applicationNumber, pe.data.occurredOn, e.position, pe.data.evaluationId);
          return;
        case 'Promoted':
          putPromotion.run(e.position, pe.data.applicationNumber, pe.data.occurredOn);
          return;
        default:
          return;
      }
    };
  },
};
