import { cursorSecret, decodeCursor, encodeCursor } from '../cursor';
import type { ReadModelDb } from '../sql';

export interface AuditFilter {
  actorRole?: string;
  actorOrg?: string;
  actorUser?: string;
  eventType?: string;
  /** Stream category: patent or institution. */
  category?: string;
  /** Recorded at or after this instant. */
  from?: string;
  /** Recorded before this instant. */
  to?: string;
}

export interface AuditEntry {
  position: number;
  streamName: string;
  version: number;
  eventType: string;
  businessDate: string;
  recordedAt: string;
  actor: { role: string; orgId: string; userId: string };
  commandId: string;
  correlationId: string;
  causationId: string;
  eventId: string;
  data: unknown;
}

export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

interface AuditRow {
  position: number;
  stream_name: string;
  version: number;
  event_type: string;
  business_date: string;
  recorded_at: string;
  actor_role: string;
  actor_org: string;
  actor_user: string;
  command_id: string;
  correlation_id: string;
  causation_id: string;
  event_id: string;
  data: string;
}

const isCursor = (v: unknown): v is { after: number } =>
  !!v && typeof v === 'object' && Number.isSafeInteger((v as { after: unknown }).after);

/** Events across streams in log order, filtered by actor, organisation, type and time. */
export async function queryAudit(
  db: ReadModelDb,
  filter: AuditFilter & { limit?: number; cursor?: string },
): Promise<AuditPage> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
  const secret = await cursorSecret(db);
  const after = filter.cursor ? decodeCursor(secret, filter.cursor, isCursor).after : 0;
  const where = ['position > ?'];
  const params: unknown[] = [after];
  const add = (sql: string, v: unknown): void => {
    where.push(sql);
    params.push(v);
  };
  if (filter.actorRole !== undefined) add('actor_role = ?', filter.actorRole);
  if (filter.actorOrg !== undefined) add('actor_org = ?', filter.actorOrg);
  if (filter.actorUser !== undefined) add('actor_user = ?', filter.actorUser);
  if (filter.eventType !== undefined) add('event_type = ?', filter.eventType);
  if (filter.category !== undefined) add('category = ?', filter.category);
  if (filter.from !== undefined) add('recorded_at >= ?', filter.from);
  if (filter.to !== undefined) add('recorded_at < ?', filter.to);
  const rows = await db.transaction(
    (tx) =>
      tx.all<AuditRow>(`SELECT * FROM audit_events WHERE ${where.join(' AND ')} ORDER BY position LIMIT ?`, [
        ...params,
        limit + 1,
      ]),
    'read',
  );
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return {
    items: page.map(toEntry),
    nextCursor: more ? encodeCursor(secret, { after: page[page.length - 1]!.position }) : null,
  };
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    position: r.position,
    streamName: r.stream_name,
    version: r.version,
    eventType: r.event_type,
    businessDate: r.business_date,
    recordedAt: r.recorded_at,
    actor: { role: r.actor_role, orgId: r.actor_org, userId: r.actor_user },
    commandId: r.command_id,
    correlationId: r.correlation_id,
    causationId: r.causation_id,
    eventId: r.event_id,
    data: JSON.parse(r.data) as unknown,
  };
}
