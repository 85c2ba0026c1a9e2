/**
 * Event data in canonical key order, so that `JSON.stringify` writes its RFC 8785 canonical form
 * (`canonicalJson`) directly: the fingerprint is hashed from that string, and the SQLite store, which
 * checks the key order, hashes the event from the JSON it stores instead of writing the canonical form
 * a second time. Same hashes and fingerprints as before; only the order of keys in the stored JSON
 * text differs (the values are the same).
 */

/** Not plain JSON (a class instance, a symbol, a bigint, a function, `toJSON`...): no copy. */
const NOT_JSON = Symbol('not JSON');

function insertionSorted(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    if (!(k < keys[j]!)) continue;
    while (j >= 0 && k < keys[j]!) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

function copy(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        let out: unknown[] | undefined; // the array itself while its items are unchanged
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          if (v === undefined) return NOT_JSON;
          const c = copy(v);
          if (c === NOT_JSON) return NOT_JSON;
          if (c !== v && !out) out = value.slice(0, i);
          if (out) out.push(c);
        }
        return out ?? value;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return NOT_JSON;
      const keys = insertionSorted(Object.keys(value));
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        // Integer-like keys would be put back in numeric order by the engine; "__proto__" would set
        // the prototype; "toJSON" changes what JSON.stringify writes.
        if (key === '__proto__' || key === 'toJSON' || isIndexKey(key)) return NOT_JSON;
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) continue;
        const c = copy(v);
        if (c === NOT_JSON) return NOT_JSON;
        out[key] = c;
      }
      return out;
    }
    default:
      return NOT_JSON;
  }
}

function isIndexKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(0|[1-9]\d*)$/.test(key);
}

/**
 * A deep copy of a JSON object with the keys of every object in ascending UTF-16 code-unit order
 * (undefined members dropped, as JSON drops them), or undefined when the value is not plain JSON.
 * Arrays of plain values are shared with the original, not copied.
 */
export function canonicalCopy<T extends object>(value: T): T | undefined {
  const c = copy(value);
  return c === NOT_JSON || typeof c !== 'object' || c === null ? undefined : (c as T);
}
