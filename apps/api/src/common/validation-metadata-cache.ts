import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Metadatas = ReturnType<Storage['getTargetValidationMetadatas']>;
type Grouped = ReturnType<Storage['groupByPropertyName']>;

const CACHED = Symbol.for('patent-ledger.validation-metadata-cache');

/**
 * Remembers class-validator's metadata lookups. Each validation asks the metadata storage for the
 * rules of the body's class (and of every nested object), and the storage answers by filtering its
 * rules and testing the class against every registered class for inheritance — per request, though
 * the rules only change while decorators run at start-up. This keeps each answer (and its grouping
 * by property) until a rule or schema is registered, which empties the cache. The answers are the
 * storage's own, so validation and its messages are unchanged; the validator only reads them.
 */
export function cacheValidationMetadata(storage: Storage = getMetadataStorage()): void {
  const marked = storage as Storage & { [CACHED]?: true };
  if (marked[CACHED]) return;
  marked[CACHED] = true;
  let lookups = new Map<unknown, Map<string, Metadatas>>();
  let groups = new WeakMap<Metadatas, Grouped>();
  const clear = (): void => {
    lookups = new Map();
    groups = new WeakMap();
  };
  for (const name of ['addValidationSchema', 'addValidationMetadata', 'addConstraintMetadata'] as const) {
    const original = storage[name].bind(storage) as (arg: never) => void;
    (storage as unknown as Record<string, (arg: never) => void>)[name] = (arg: never): void => {
      clear();
      original(arg);
    };
  }
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, names) => {
    const key = JSON.stringify([schema, always, strictGroups, names ?? null]);
    let byOptions = lookups.get(target);
    if (!byOptions) lookups.set(target, (byOptions = new Map()));
    let found = byOptions.get(key);
    if (!found) byOptions.set(key, (found = lookup(target, schema, always, strictGroups, names)));
    return found;
  };
  const group = storage.groupByPropertyName.bind(storage);
  storage.groupByPropertyName = (metadatas) => {
    let found = groups.get(metadatas);
    if (!found) groups.set(metadatas, (found = group(metadatas)));
    return found;
  };
}
