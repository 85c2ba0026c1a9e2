import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ReadModelDb } from './sql';

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
    super(
      'QUERY.INVALID_CURSOR',
      'the cursor is not one this service issued; start again without a cursor',
      'cursor',
    );
  }
}

const secrets = new WeakMap<ReadModelDb, Promise<Buffer>>();

/** A random secret kept in the read-model database, so cursors survive restarts but not edits. */
export function cursorSecret(db: ReadModelDb): Promise<Buffer> {
  let secret = secrets.get(db);
  if (!secret) {
    secret = db.transaction(async (tx) => {
      await db.serialize(tx, 'setup');
      await tx.exec(
        `CREATE TABLE IF NOT EXISTS read_model_meta (key ${db.dialect.text} PRIMARY KEY, value ${db.dialect.text} NOT NULL)`,
      );
      await tx.run('INSERT INTO read_model_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [
        'cursorSecret',
        randomBytes(32).toString('hex'),
      ]);
      const row = await tx.get<{ value: string }>('SELECT value FROM read_model_meta WHERE key = ?', [
        'cursorSecret',
      ]);
      return Buffer.from(row!.value, 'hex');
    });
    secrets.set(db, secret);
    secret.catch(() => secrets.delete(db));
  }
  return secret;
}

const mac = (secret: Buffer, body: string): string =>
  createHmac('sha256', secret).update(body).digest('base64url').slice(0, 22);

/** Opaque cursor: base64url JSON and a MAC, so an edited cursor is refused rather than trusted. */
export function encodeCursor(secret: Buffer, value: object): string {
  const body = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

export function decodeCursor<T>(secret: Buffer, cursor: string, check: (v: unknown) => v is T): T {
  const [body, tag, extra] = cursor.split('.');
  if (!body || !tag || extra !== undefined) throw new InvalidCursorError();
  const expected = Buffer.from(mac(secret, body));
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
