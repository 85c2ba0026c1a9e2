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

export function encodeCursor(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, check: (v: unknown) => v is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!check(value)) throw new InvalidCursorError();
  return value;
}
