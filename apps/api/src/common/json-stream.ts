import type { Response } from 'express';

/** Bytes buffered before a write, and so between two turns of the event loop. */
export const JSON_CHUNK_BYTES = 64 * 1024;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  typeof (v as { toJSON?: unknown }).toJSON !== 'function' &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

const skipped = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/**
 * The text of JSON.stringify(value), piece by piece: arrays and plain objects are walked (down to
 * `depth` levels), everything below them is stringified whole. Joined, the pieces are exactly
 * JSON.stringify(value).
 */
export function* jsonPieces(value: unknown, depth = 3): Generator<string> {
  if (depth > 0 && Array.isArray(value)) {
    yield '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) yield ',';
      const v: unknown = value[i];
      if (skipped(v)) yield 'null';
      else yield* jsonPieces(v, depth - 1);
    }
    yield ']';
    return;
  }
  if (depth > 0 && isPlainObject(value)) {
    yield '{';
    let first = true;
    for (const k of Object.keys(value)) {
      const v = value[k];
      if (skipped(v)) continue;
      yield `${first ? '' : ','}${JSON.stringify(k)}:`;
      first = false;
      yield* jsonPieces(v, depth - 1);
    }
    yield '}';
    return;
  }
  yield JSON.stringify(value) ?? 'null';
}

/**
 * Sends `body` as application/json, the same bytes as res.json would, in chunks of about
 * JSON_CHUNK_BYTES: between two chunks it waits for a slow reader (drain) and lets other requests in
 * (setImmediate), so a large document (an evidence bundle with thousands of events and proofs) never
 * holds the event loop or sits in memory as one string.
 */
export async function sendJsonStream(res: Response, body: unknown, status = 200): Promise<void> {
  res.status(status);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  let buf = '';
  for (const piece of jsonPieces(body)) {
    buf += piece;
    if (buf.length >= JSON_CHUNK_BYTES) {
      const ok = res.write(buf);
      buf = '';
      if (!ok) await new Promise((r) => res.once('drain', r));
      await new Promise((r) => setImmediate(r));
      if (res.destroyed) return;
    }
  }
  res.end(buf);
}
