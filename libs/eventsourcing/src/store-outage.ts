/**
 * Store failures that are no fault of the request or the event and pass once the store is back: a
 * lost or refused connection, a server shutting down or restarting, a full disk. Recognised by the
 * error's `code` (errno, SQLSTATE, SQLite result code) and by the messages the `pg` driver gives a
 * connection that ended, so no driver needs to be loaded. Commands that meet one answer 503 (never a
 * 500, and never "nothing was changed"); projections that meet one retry by themselves.
 */
export interface StoreOutage {
  kind: 'unavailable' | 'disk-full';
  /** Says what happened without the driver's own text (which may name hosts and files). */
  reason: string;
}

const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** `pg`'s messages for a connection that ended or could not be had. */
const CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /Client has encountered a connection error and is not queryable/,
  /^timeout exceeded when trying to connect/,
  /^Client was closed and is not queryable/,
];

/** What kind of store outage `err` (or its `cause`) is; undefined when it is not one. */
export function storeOutage(err: unknown, depth = 0): StoreOutage | undefined {
  // Not `instanceof Error`: errors of Node's own sockets may come from another realm (a vm context,
  // a worker), and a refused connection must still be recognised as one.
  if (typeof err !== 'object' || err === null || depth > 3) return undefined;
  const code = (err as { code?: unknown }).code;
  const message = (err as { message?: unknown }).message;
  if (typeof code === 'string') {
    if (code === 'SQLITE_FULL' || code === 'ENOSPC')
      return { kind: 'disk-full', reason: 'the disk of the store is full' };
    // PostgreSQL: disk full (53100), out of memory (53200), too many connections (53300),
    // connection exceptions (class 08), the server shutting down or starting (57P01–57P03).
    if (code === '53100') return { kind: 'disk-full', reason: 'the disk of the database server is full' };
    if (NETWORK_ERRNOS.has(code)) return { kind: 'unavailable', reason: 'the store cannot be reached' };
    if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code) || code === '53200' || code === '53300')
      return { kind: 'unavailable', reason: 'the connection to the store was lost' };
  }
  if (typeof message === 'string' && CONNECTION_MESSAGES.some((m) => m.test(message)))
    return { kind: 'unavailable', reason: 'the connection to the store was lost' };
  return storeOutage((err as { cause?: unknown }).cause, depth + 1);
}
