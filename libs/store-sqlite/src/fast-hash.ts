import { hash } from 'node:crypto';
import { canonicalJson, eventHash, type EventMetadata, type JsonObject } from '@patent-ledger/eventsourcing';

/**
 * True when `JSON.stringify(value)` is already the RFC 8785 canonical JSON that `canonicalJson`
 * writes: plain objects whose own keys come in ascending UTF-16 code-unit order (at every depth),
 * holding only strings, numbers, booleans, null, undefined (dropped by both), arrays and such objects.
 * Conservative: anything unusual (a symbol, a bigint, a class instance, a `toJSON` key, an
 * `undefined` array element, keys out of order) answers false, and the caller falls back to
 * `canonicalJson`. A walk that allocates nothing: far cheaper than writing the canonical form.
 */
export function isCanonicalOrder(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          if (v === undefined || !isCanonicalOrder(v)) return false;
        }
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      let previous: string | undefined;
      for (const key in value) {
        if (previous !== undefined && !(previous < key)) return false;
        if (key === 'toJSON') return false;
        previous = key;
        const v = (value as Record<string, unknown>)[key];
        if (v !== undefined && !isCanonicalOrder(v)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * `eventHash` of an event whose `data` and `metadata` were just serialized with `JSON.stringify`
 * (`dataJson`, `metadataJson`): when both are already in canonical key order, the canonical form of
 * the hash input is assembled from those strings instead of being written again; otherwise it is
 * `eventHash` itself. Same result either way (the store's tests compare the two).
 */
export function storedEventHash(
  streamName: string,
  version: number,
  type: string,
  data: JsonObject,
  dataJson: string,
  metadata: EventMetadata,
  metadataJson: string,
  previousHash: string,
): string {
  if (
    typeof data === 'object' &&
    data !== null &&
    typeof metadata === 'object' &&
    metadata !== null &&
    isCanonicalOrder(data) &&
    isCanonicalOrder(metadata)
  ) {
    // canonicalJson({stream, version, type, data, metadata, previousHash}): keys in sorted order.
    const text =
      `{"data":${dataJson},"metadata":${metadataJson},"previousHash":${canonicalJson(previousHash)}` +
      `,"stream":${canonicalJson(streamName)},"type":${canonicalJson(type)},"version":${canonicalJson(version)}}`;
    return hash('sha256', text, 'hex');
  }
  return eventHash({ streamName, version, type, data, metadata, previousHash });
}
