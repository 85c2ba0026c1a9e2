import { storeOutage } from '@patent-ledger/eventsourcing';

/**
 * The problem code of a store outage (a lost or refused PostgreSQL connection, a server restart, a
 * full disk): 503 with `Retry-After`, not 500. Undefined when `err` is not one.
 */
export function storeUnavailable(
  err: unknown,
): { code: 'STORE.UNAVAILABLE' | 'STORE.DISK_FULL'; reason: string } | undefined {
  const outage = storeOutage(err);
  if (!outage) return undefined;
  return {
    code: outage.kind === 'disk-full' ? 'STORE.DISK_FULL' : 'STORE.UNAVAILABLE',
    reason: outage.reason,
  };
}
