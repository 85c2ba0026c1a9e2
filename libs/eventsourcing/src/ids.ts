import { createHash, hash, randomUUID } from 'node:crypto';

/**
 * A deterministic RFC 4122 version-5-style UUID (SHA-1 based) for the n-th event of a command, so a
 * retried append carries the same event ids and stores that deduplicate by event id (KurrentDB) drop it.
 */
export function deterministicEventId(commandId: string, index: number): string {
  const h = createHash('sha1').update(`patent-ledger:event:${commandId}:${index}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function newId(): string {
  return randomUUID();
}

/** `"key":` of the keys seen most (a schema's keys are few), so each is escaped once. */
const keyPrefixes = new Map<string, string>();
const MAX_KEY_PREFIXES = 4096;

/** `JSON.stringify(key) + ':'`, remembered for the first few thousand keys. */
export function jsonKeyPrefix(key: string): string {
  let prefix = keyPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `${JSON.stringify(key)}:`;
    if (keyPrefixes.size < MAX_KEY_PREFIXES) keyPrefixes.set(key, prefix);
  }
  return prefix;
}

/**
 * Canonical JSON (RFC 8785 for JSON values: keys sorted by UTF-16 code units, no whitespace, numbers
 * and strings as JSON.stringify writes them). Undefined object members are dropped and undefined
 * array elements become null, as JSON.stringify does. Written as loops: it runs for every event hash
 * and every command fingerprint.
 */
/** The JSON of a string, number or boolean, as JSON.stringify writes it (non-finite numbers: null). */
export function jsonLeaf(value: string | number | boolean): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    default:
      return value ? 'true' : 'false';
  }
}

export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return jsonLeaf(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const v: unknown = value[i];
          out += v === undefined ? 'null' : canonicalJson(v);
        }
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined || typeof v === 'function') continue;
        if (!first) out += ',';
        first = false;
        out += jsonKeyPrefix(k);
        out += canonicalJson(v);
      }
      return `${out}}`;
    }
    default:
      return 'null';
  }
}

export function fingerprintOf(value: unknown): string {
  return hash('sha256', canonicalJson(value), 'hex');
}
