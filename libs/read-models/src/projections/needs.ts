import type { NeedEvent, PatentEvent, ProjectEvent } from '@patent-ledger/domain';
import type { StoredEvent } from '@patent-ledger/eventsourcing';
import type { SqlTx } from '../sql';
import { batchProjection, EventApplyError, type ReadModelProjection } from '../sqlite-projection';
import { patentEventOf } from './event-helpers';

/**
 * Demand and response (plan §二(四)1): one row per enterprise need (`need-<id>`: posted, answered or
 * withdrawn), one per cooperation project (`project-<id>`), and the project's resulting patents — the
 * patents whose PatentInventoried names the project. Each row keeps its stream's version (the
 * `ETag` of `GET /needs/{id}` and `GET /projects/{id}`).
 */
export const needsProjection: ReadModelProjection = batchProjection({
  name: 'needs',
  version: '1',
  tables: ['needs', 'projects', 'project_patents'],
  ddl: (t, d) => [
    `CREATE TABLE "${t('needs')}" (
      need_id ${d.text} PRIMARY KEY,
      application_number ${d.text} NOT NULL,
      institution_id ${d.text} NOT NULL,
      enterprise_id ${d.text} NOT NULL,
      kind ${d.text} NOT NULL,
      description ${d.text} NOT NULL,
      posted_on ${d.text} NOT NULL,
      respond_by ${d.text} NOT NULL,
      response_working_days ${d.int} NOT NULL,
      status ${d.text} NOT NULL,
      answer ${d.text},
      answer_text ${d.text},
      answered_on ${d.text},
      withdrawn_on ${d.text},
      version ${d.int} NOT NULL,
      position ${d.bigint} NOT NULL
    )`,
    `CREATE INDEX "${t('needs')}_enterprise" ON "${t('needs')}" (enterprise_id, need_id)`,
    `CREATE INDEX "${t('needs')}_institution" ON "${t('needs')}" (institution_id, need_id)`,
    `CREATE INDEX "${t('needs')}_patent" ON "${t('needs')}" (application_number, need_id)`,
    `CREATE TABLE "${t('projects')}" (
      project_id ${d.text} PRIMARY KEY,
      kind ${d.text} NOT NULL,
      enterprise_id ${d.text} NOT NULL,
      institution_id ${d.text} NOT NULL,
      application_numbers ${d.text} NOT NULL,
      need_id ${d.text},
      started_on ${d.text} NOT NULL,
      status ${d.text} NOT NULL,
      closed_on ${d.text},
      outcome ${d.text},
      notes ${d.text},
      version ${d.int} NOT NULL,
      position ${d.bigint} NOT NULL
    )`,
    `CREATE INDEX "${t('projects')}_enterprise" ON "${t('projects')}" (enterprise_id, project_id)`,
    `CREATE INDEX "${t('projects')}_institution" ON "${t('projects')}" (institution_id, project_id)`,
    `CREATE TABLE "${t('project_patents')}" (
      project_id ${d.text} NOT NULL,
      application_number ${d.text} NOT NULL,
      title ${d.text} NOT NULL,
      institution_id ${d.text} NOT NULL,
      inventoried_on ${d.text} NOT NULL,
      position ${d.bigint} NOT NULL,
      PRIMARY KEY (project_id, application_number)
    )`,
  ],
  prepareBatch: (t) => {
    const needs = `"${t('needs')}"`;
    const projects = `"${t('projects')}"`;
    const patents = `"${t('project_patents')}"`;
    const needEvent = async (tx: SqlTx, e: StoredEvent, ev: NeedEvent) => {
      switch (ev.type) {
        case 'NeedPosted': {
          const x = ev.data;
          await tx.run(
            `INSERT INTO ${needs} (need_id, application_number, institution_id, enterprise_id, kind, description,
               posted_on, respond_by, response_working_days, status, version, position)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) ON CONFLICT (need_id) DO NOTHING`,
            [
              x.needId,
              x.applicationNumber,
              x.institutionId,
              x.enterpriseId,
              x.kind,
              x.description,
              x.postedOn,
              x.respondBy,
              x.responseWorkingDays,
              e.version,
              e.position,
            ],
          );
          return;
        }
        case 'NeedAnswered':
          await tx.run(
            `UPDATE ${needs} SET status = 'answered', answer = ?, answer_text = ?, answered_on = ?, version = ?, position = ?
             WHERE need_id = ?`,
            [ev.data.answer, ev.data.text, ev.data.answeredOn, e.version, e.position, ev.data.needId],
          );
          return;
        case 'NeedWithdrawn':
          await tx.run(
            `UPDATE ${needs} SET status = 'withdrawn', withdrawn_on = ?, version = ?, position = ? WHERE need_id = ?`,
            [ev.data.withdrawnOn, e.version, e.position, ev.data.needId],
          );
          return;
        default:
          return;
      }
    };
    const projectEvent = async (tx: SqlTx, e: StoredEvent, ev: ProjectEvent) => {
      switch (ev.type) {
        case 'ProjectOpened': {
          const x = ev.data;
          await tx.run(
            `INSERT INTO ${projects} (project_id, kind, enterprise_id, institution_id, application_numbers, need_id,
               started_on, status, version, position)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) ON CONFLICT (project_id) DO NOTHING`,
            [
              x.projectId,
              x.kind,
              x.enterpriseId,
              x.institutionId,
              JSON.stringify(x.applicationNumbers),
              x.needId ?? null,
              x.startedOn,
              e.version,
              e.position,
            ],
          );
          return;
        }
        case 'ProjectClosed':
          await tx.run(
            `UPDATE ${projects} SET status = 'closed', closed_on = ?, outcome = ?, notes = ?, version = ?, position = ?
             WHERE project_id = ?`,
            [
              ev.data.closedOn,
              ev.data.outcome,
              ev.data.notes ?? null,
              e.version,
              e.position,
              ev.data.projectId,
            ],
          );
          return;
        default:
          return;
      }
    };
    const patentEvent = async (tx: SqlTx, e: StoredEvent, pe: PatentEvent) => {
      if (pe.type !== 'PatentInventoried' || pe.data.projectId === undefined) return;
      await tx.run(
        `INSERT INTO ${patents} (project_id, application_number, title, institution_id, inventoried_on, position)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, application_number) DO NOTHING`,
        [
          pe.data.projectId,
          pe.data.applicationNumber,
          pe.data.title,
          pe.data.institutionId,
          pe.data.occurredOn,
          e.position,
        ],
      );
    };
    return async (tx, events) => {
      for (const e of events) {
        try {
          if (e.streamName.startsWith('need-')) {
            await needEvent(tx, e, { type: e.type, data: e.data } as unknown as NeedEvent);
          } else if (e.streamName.startsWith('project-')) {
            await projectEvent(tx, e, { type: e.type, data: e.data } as unknown as ProjectEvent);
          } else if (e.type === 'PatentInventoried') {
            const pe = patentEventOf(e);
            if (pe) await patentEvent(tx, e, pe);
          }
        } catch (err) {
          throw new EventApplyError(e, err);
        }
      }
    };
  },
});
