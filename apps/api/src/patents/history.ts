import { businessDateOf, upcastPatentEvent } from '@patent-ledger/domain';
import type { StoredEvent } from '@patent-ledger/eventsourcing';
import type { AuditEntry } from '@patent-ledger/read-models';

/** One line of a patent's history: the audit view of a stored event. */
export function historyEntryOf(e: StoredEvent): AuditEntry {
  const m = e.metadata;
  return {
    position: e.position,
    streamName: e.streamName,
    version: e.version,
    eventType: e.type,
    businessDate: businessDateOf(upcastPatentEvent(e).event),
    recordedAt: m.recordedAt,
    actor: m.actor,
    commandId: m.commandId,
    correlationId: m.correlationId,
    causationId: m.causationId,
    eventId: m.eventId,
    data: e.data,
  };
}
