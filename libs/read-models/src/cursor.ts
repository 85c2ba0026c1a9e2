import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';

/** A query the read models cannot answer as asked (maps to 400). */
export class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

/** Opaque pagination cursors: base64url JSON. A tampered cursor is rejected, not trusted. */
export class InvalidCursorError extends QueryError {
  constructor() {
    super('QUERY.INVALID_CURSOR', 'the cursor is not one this service issued; start again without a cursor', 'cursor');
  }
}

const secrets = new WeakMap<Database, Buffer>();

/** A random secret kept in the read-model database, so cursors survive restarts but not edits. */
export function cursorSecret(db: Database): Buffer {
  let secret = secrets.get(db);
  if (!secret) {
    db.exec('CREATE TABLE IF NOT EXISTS read_model_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    db.prepare('INSERT OR IGNORE INTO read_model_meta (key, value) VALUES (?, ?)').run('cursorSecret', randomBytes(32).toString('hex'));
    const row = db.prepare('SELECT value FROM read_model_meta WHERE key = ?').get('cursorSecret') as { value: string };
    secret = Buffer.from(row.value, 'hex');
    secrets.set(db, secret);
  }
  return secret;
}

const mac = (db: Database, body: string): string =>
  createHmac('sha256', cursorSecret(db)).update(body).digest('base64url').slice(0, 22);

/** Opaque cursor: base64url JSON and a MAC, so an edited cursor is refused rather than trusted. */
export function encodeCursor(db: Database, value: object): string {
  const body = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${body}.${mac(db, body)}`;
}

export function decodeCursor<T>(db: Database, cursor: string, check: (v: unknown) => v is T): T {
  const [body, tag, extra] = cursor.split('.');
  if (!body || !tag || extra !== undefined) throw new InvalidCursorError();
  const expected = Buffer.from(mac(db, body));
  const given = Buffer.from(tag);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new InvalidCursorError();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!check(value)) throw new InvalidCursorError();
  return value;
}
