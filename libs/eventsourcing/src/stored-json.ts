/**
 * # The canonical form of an event's stored JSON, written once
 *
 * Stores keep an event's data and metadata as `JSON.stringify` wrote them (key order kept) and hash
 * the event over the RFC 8785 canonical form of what a read gives back:
 * `canonicalJson(JSON.parse(JSON.stringify(v)))`. `canonicalOfStored(v, json)` is that text, written
 * in one walk of `v`: JSON.stringify's semantics (`toJSON` is called, undefined, function and symbol
 * members are dropped, such array elements and non-finite numbers become `null`, a BigInt or a
 * cycle throws the same TypeError) with every object's keys in code-unit order. When `v` is already
 * in that order (data the importer sorted), it is `json` itself.
 *
 * `storedEventHash` then assembles the hash input of `eventHash` from those texts and hashes it in
 * one call. The property tests in `stored-json.spec.ts` compare both with the long way round on
 * random values.
 */
import { hash } from 'node:crypto';
import { canonicalJson, jsonKeyPrefix, jsonLeaf } from './ids';

/** Deeper than this, the writer hands over to the engine (which reports cycles in its own words). */
const MAX_DEPTH = 200;

/** The text of `value` under `key` of its holder, or undefined where JSON.stringify writes nothing. */
function write(value: unknown, key: string, depth: number): string | undefined {
  if (
    value !== null &&
    (typeof value === 'object' || typeof value === 'bigint') &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return jsonLeaf(value);
    case 'bigint':
      // The engine's own error ("Do not know how to serialize a BigInt").
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof Number || value instanceof String || value instanceof Boolean) {
        return JSON.stringify(value); // boxed primitives are written as their value
      }
      if (depth > MAX_DEPTH) return deepFallback(value);
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += write(value[i], String(i), depth + 1) ?? 'null';
        }
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      keys.sort(); // code-unit order, as canonicalJson
      let out = '{';
      let first = true;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const text = write(obj[k], k, depth + 1);
        if (text === undefined) continue;
        if (first) first = false;
        else out += ',';
        out += jsonKeyPrefix(k);
        out += text;
      }
      return `${out}}`;
    }
    default:
      return undefined; // undefined, a function, a symbol
  }
}

/** A very deep (or cyclic) value: the engine writes it (or throws), then it is put in key order. */
function deepFallback(value: object): string {
  return canonicalJson(JSON.parse(JSON.stringify(value)));
}

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
 * `canonicalJson(JSON.parse(json))` where `json` is `JSON.stringify(value)` (see the notes at the top
 * of this file), without parsing. Throws what JSON.stringify throws (a BigInt, a cycle).
 */
export function canonicalOfStored(value: object, json: string): string {
  // Already in key order: the engine's text is the canonical one.
  if (isCanonicalOrder(value)) return json;
  const text = write(value, '', 0);
  if (text === undefined) throw new TypeError('event data and metadata must be JSON objects');
  return text;
}

/**
 * `eventHash` of an event from the canonical texts of its data and metadata (`canonicalOfStored`):
 * the canonical hash input assembled from them, hashed in one call.
 */
export function storedEventHash(
  streamName: string,
  version: number,
  type: string,
  dataCanonical: string,
  metadataCanonical: string,
  previousHash: string,
): string {
  // canonicalJson({stream, version, type, data, metadata, previousHash}): its keys in sorted order.
  return hash(
    'sha256',
    `{"data":${dataCanonical},"metadata":${metadataCanonical},"previousHash":${JSON.stringify(previousHash)}` +
      `,"stream":${JSON.stringify(streamName)},"type":${JSON.stringify(type)},"version":${canonicalJson(version)}}`,
    'hex',
  );
}
