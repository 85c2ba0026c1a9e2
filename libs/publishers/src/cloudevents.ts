import type { StoredEvent } from '@patent-ledger/eventsourcing';

/** The prefix of every CloudEvents `type` the ledger emits: `cn.patent-ledger.PatentInventoried`. */
export const CLOUDEVENT_TYPE_PREFIX = 'cn.patent-ledger.';

/** Media type of a CloudEvent in structured JSON mode. */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';

/**
 * A ledger event as a CloudEvents 1.0 envelope (structured JSON mode). `id` is the stored event's id,
 * stable across every re-delivery, so a consumer deduplicates by it (with `source`). The extension
 * attributes carry the event's place: `position` in the global log, `stream` and `streamversion`
 * (so a consumer can check the per-stream order), and the `correlationid` of the command.
 */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  /** When the ledger recorded the event (RFC 3339). */
  time: string;
  /** The patent's application number (patent and reminder events), else the stream's id. */
  subject: string;
  datacontenttype: 'application/json';
  data: unknown;
  position: number;
  stream: string;
  streamversion: number;
  correlationid: string;
  schemaversion: number;
}

/** The stream's id: `patent-201710601862.3` → `201710601862.3`. */
export const idOfStream = (streamName: string): string => streamName.slice(streamName.indexOf('-') + 1);
/** The stream's category: `patent-201710601862.3` → `patent`. */
export const categoryOf = (streamName: string): string => {
  const i = streamName.indexOf('-');
  return i < 0 ? streamName : streamName.slice(0, i);
};

/** The patent an event concerns, if any: the stream of a patent, or a reminder's `applicationNumber`. */
export function patentOfEvent(e: Pick<StoredEvent, 'streamName' | 'data'>): string | undefined {
  if (categoryOf(e.streamName) === 'patent') return idOfStream(e.streamName);
  const an = (e.data as { applicationNumber?: unknown }).applicationNumber;
  return typeof an === 'string' ? an : undefined;
}

export function toCloudEvent(e: StoredEvent, source: string): CloudEvent {
  return {
    specversion: '1.0',
    id: e.metadata.eventId,
    source,
    type: CLOUDEVENT_TYPE_PREFIX + e.type,
    time: e.metadata.recordedAt,
    subject: patentOfEvent(e) ?? idOfStream(e.streamName),
    datacontenttype: 'application/json',
    data: e.data,
    position: e.position,
    stream: e.streamName,
    streamversion: e.version,
    correlationid: e.metadata.correlationId,
    schemaversion: e.metadata.schemaVersion,
  };
}

/**
 * The streams whose events leave the ledger: patents, institutions and obligation reminders. User
 * accounts (password hashes, sign-in failures), the denied-access log and anything else stay inside.
 */
export const PUBLISHED_CATEGORIES: ReadonlySet<string> = new Set([
  'patent',
  'institution',
  'obligationReminder',
]);

export const isPublished = (e: Pick<StoredEvent, 'streamName'>): boolean =>
  PUBLISHED_CATEGORIES.has(categoryOf(e.streamName));
