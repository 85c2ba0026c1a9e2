import type { SqliteProjection } from '../sqlite-projection';
import { businessDateOfStored, idOfStream } from './event-helpers';

/** Audit trail: one row per event of every stream, indexed for actor, organisation, type and time. */
export const auditProjection: SqliteProjection = {
  name: 'audit',
  version: '1',
  tables: ['audit_events'],
  ddl: (t) => [
    `CREATE TABLE "${t('audit_events')}" (
      position INTEGER PRIMARY KEY,
      stream_name TEXT NOT NULL,
      category TEXT NOT NULL,
      entity_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      event_type TEXT NOT NULL,
      business_date TEXT NOT NULL,
      recorded_at TEXT NOT NULL,
      actor_role TEXT NOT NULL,
      actor_org TEXT NOT NULL,
      actor_user TEXT NOT NULL,
      command_id TEXT NOT NULL,
      correlation_id TEXT NOT NULL,
      causation_id TEXT NOT NULL,
      event_id TEXT NOT NULL,
      data TEXT NOT NULL
    )`,
    `CREATE INDEX "${t('audit_events')}_org" ON "${t('audit_events')}" (actor_org, position)`,
    `CREATE INDEX "${t('audit_events')}_user" ON "${t('audit_events')}" (actor_user, position)`,
    `CREATE INDEX "${t('audit_events')}_type" ON "${t('audit_events')}" (event_type, position)`,
    `CREATE INDEX "${t('audit_events')}_recorded" ON "${t('audit_events')}" (recorded_at)`,
    `CREATE INDEX "${t('audit_events')}_stream" ON "${t('audit_events')}" (stream_name, version)`,
  ],
  prepare: (db, t) => {
    const insert = db.prepare(
      `INSERT INTO "${t('audit_events')}" (position, stream_name, category, entity_id, version, event_type, business_date,
        recorded_at, actor_role, actor_org, actor_user, command_id, correlation_id, causation_id, event_id, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return (e) => {
      const m = e.metadata;
      insert.run(
        e.position,
        e.streamName,
        e.streamName.slice(0, e.streamName.indexOf('-')),
        idOfStream(e.streamName),
        e.version,
        e.type,
        businessDateOfStored(e),
        m.recordedAt,
        m.actor.role,
        m.actor.orgId,
        m.actor.userId,
        m.commandId,
        m.correlationId,
        m.causationId,
        m.eventId,
        JSON.stringify(e.data),
      );
    };
  },
};
