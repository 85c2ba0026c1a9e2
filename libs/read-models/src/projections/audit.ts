import type { StoredEvent } from '@patent-ledger/eventsourcing';
import { RowInserter } from '../sql';
import { batchProjection, EventApplyError, type ReadModelProjection } from '../sqlite-projection';
import { businessDateOfStored, idOfStream } from './event-helpers';

const AUDIT_COLUMNS = [
  'position',
  'stream_name',
  'category',
  'entity_id',
  'version',
  'event_type',
  'business_date',
  'recorded_at',
  'actor_role',
  'actor_org',
  'actor_user',
  'command_id',
  'correlation_id',
  'causation_id',
  'event_id',
  'data',
] as const;

/** An event's data as the audit trail keeps it: a password hash is never copied out of its stream. */
function auditData(e: StoredEvent): unknown {
  if (e.type !== 'PasswordSet' || !('passwordHash' in e.data)) return e.data;
  return { ...e.data, passwordHash: '[redacted]' };
}

/**
 * An event's audit row, in AUDIT_COLUMNS order. A value the table cannot hold (metadata without an
 * actor, say) throws here, so that the failure names its event rather than a whole statement's.
 */
function auditRow(e: StoredEvent): unknown[] {
  const m = e.metadata;
  const row = [
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
    JSON.stringify(auditData(e)),
  ];
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v === undefined || v === null || (typeof v !== 'string' && typeof v !== 'number'))
      throw new Error(`audit: ${AUDIT_COLUMNS[i]} is ${v === null ? 'null' : typeof v}`);
  }
  return row;
}

/**
 * Audit trail: one row per event of every stream, indexed for actor, organisation, type and time.
 * Version 2 dropped version 1's (stream_name, version) index: no query reads it (a patent's history
 * is its stream in the ledger), and its random-order inserts cost ~10 % of a catch-up.
 */
export const auditProjection: ReadModelProjection = batchProjection({
  name: 'audit',
  version: '2',
  tables: ['audit_events'],
  ddl: (t, d) => [
    `CREATE TABLE "${t('audit_events')}" (
      position ${d.bigint} PRIMARY KEY,
      stream_name ${d.text} NOT NULL,
      category ${d.text} NOT NULL,
      entity_id ${d.text} NOT NULL,
      version ${d.int} NOT NULL,
      event_type ${d.text} NOT NULL,
      business_date ${d.text} NOT NULL,
      recorded_at ${d.text} NOT NULL,
      actor_role ${d.text} NOT NULL,
      actor_org ${d.text} NOT NULL,
      actor_user ${d.text} NOT NULL,
      command_id ${d.text} NOT NULL,
      correlation_id ${d.text} NOT NULL,
      causation_id ${d.text} NOT NULL,
      event_id ${d.text} NOT NULL,
      data ${d.text} NOT NULL
    )`,
    `CREATE INDEX "${t('audit_events')}_org" ON "${t('audit_events')}" (actor_org, position)`,
    `CREATE INDEX "${t('audit_events')}_user" ON "${t('audit_events')}" (actor_user, position)`,
    `CREATE INDEX "${t('audit_events')}_type" ON "${t('audit_events')}" (event_type, position)`,
    `CREATE INDEX "${t('audit_events')}_recorded" ON "${t('audit_events')}" (recorded_at)`,
  ],
  // Multi-row INSERTs: on PostgreSQL one statement (one round trip) per up to 64 events.
  prepareBatch: (t, d) => {
    const rows = new RowInserter(
      d,
      `INSERT INTO "${t('audit_events')}" (${AUDIT_COLUMNS.join(', ')})`,
      AUDIT_COLUMNS.length,
    );
    return async (tx, events) => {
      const values: unknown[] = [];
      for (const e of events) {
        try {
          values.push(...auditRow(e));
        } catch (err) {
          throw new EventApplyError(e, err);
        }
      }
      await rows.insert(tx, values);
    };
  },
});
