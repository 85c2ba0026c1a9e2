import {
  businessDateOf,
  type PatentEvent,
  PATENT_EVENT_TYPES,
  upcastPatentEvent,
} from '@patent-ledger/domain';
import type { StoredEvent } from '@patent-ledger/eventsourcing';

const PATENT_TYPES = new Set<string>(PATENT_EVENT_TYPES);

/** The domain event of a stored patent event, or undefined for other streams and unknown types. */
export function patentEventOf(e: StoredEvent): PatentEvent | undefined {
  if (!e.streamName.startsWith('patent-') || !PATENT_TYPES.has(e.type)) return undefined;
  return upcastPatentEvent(e).event;
}

/** Business date of any stored event we know (patent or institution), else the date it was recorded. */
export function businessDateOfStored(e: StoredEvent): string {
  const pe = patentEventOf(e);
  if (pe) return businessDateOf(pe);
  const d = (e.data as { occurredOn?: unknown }).occurredOn;
  return typeof d === 'string' ? d : e.metadata.recordedAt.slice(0, 10);
}

/** `patent-201710601862.3` → `201710601862.3`. */
export const idOfStream = (streamName: string): string => streamName.slice(streamName.indexOf('-') + 1);
