import {
  GENESIS_HASH,
  InvalidAppendError,
  canonicalOfStored,
  storedEventHash,
  type EventMetadata,
  type JsonObject,
  type NewEvent,
} from '@patent-ledger/eventsourcing';

/** An event prepared for insertion: its JSON text, its canonical form and the objects the caller gave. */
export interface PreparedEvent {
  type: string;
  dataJson: string;
  metadataJson: string;
  /** Canonical forms of the two (canonicalOfStored), for the hash. */
  dataCanonical: string;
  metadataCanonical: string;
  data: JsonObject;
  metadata: EventMetadata;
}

export function prepareEvent(e: NewEvent): PreparedEvent {
  // The JSON as given (key order kept), and its canonical form, which the hash is assembled from.
  const dataJson = JSON.stringify(e.data);
  const metadataJson = JSON.stringify(e.metadata);
  return {
    type: e.type,
    dataJson,
    metadataJson,
    dataCanonical: canonicalOfStored(e.data, dataJson),
    metadataCanonical: canonicalOfStored(e.metadata, metadataJson),
    data: e.data,
    metadata: e.metadata,
  };
}

/** The hashes of `events` appended to a stream at `version` whose last hash is `lastHash`. */
export function chainHashes(
  streamName: string,
  version: number,
  lastHash: string | null,
  events: readonly PreparedEvent[],
): string[] {
  let previousHash = lastHash ?? GENESIS_HASH;
  return events.map((e, i) => {
    previousHash = storedEventHash(
      streamName,
      version + i + 1,
      e.type,
      e.dataCanonical,
      e.metadataCanonical,
      previousHash,
    );
    return previousHash;
  });
}

/** InvalidAppendError when two events of one append share an id. */
export function assertDistinctEventIds(events: readonly NewEvent[]): void {
  const ids = new Set<string>();
  for (const e of events) {
    const id = e.metadata.eventId;
    if (ids.has(id)) throw new InvalidAppendError(`duplicate event id: ${id}`);
    ids.add(id);
  }
}
