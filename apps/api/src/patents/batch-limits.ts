/**
 * The limits of one `POST /patents/batch` upload, applied to the raw bytes before any line is
 * parsed: its total bytes and lines (over them: BatchTooLargeError, answered 413 when no result was
 * sent yet), and the bytes of one line. An over-long line is not read into memory: its bytes are
 * dropped, an empty record (`{}`) takes its place, and its line number is kept so that its result
 * says what was wrong with it — the other lines are imported as usual.
 */
export class BatchTooLargeError extends Error {
  readonly code = 'REQUEST.TOO_LARGE';
  constructor(message: string) {
    super(message);
    this.name = 'BatchTooLargeError';
  }
}

export interface BatchLimits {
  maxBytes: number;
  maxLines: number;
  maxLineBytes: number;
}

const LF = 0x0a;
const PLACEHOLDER = Buffer.from('{}');

/** Passes the body through within the limits; `overlong` receives the (1-based) number of each over-long line. */
export async function* withinBatchLimits(
  body: AsyncIterable<Buffer | string>,
  limits: BatchLimits,
  overlong: Set<number>,
): AsyncGenerator<Buffer> {
  let bytes = 0;
  let line = 1; // the line the next byte belongs to
  let lineBytes = 0; // bytes of the current line so far
  let dropping = false; // the current line is over-long: its bytes are dropped
  for await (const raw of body) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    bytes += chunk.length;
    if (bytes > limits.maxBytes) {
      throw new BatchTooLargeError(`the upload exceeds ${limits.maxBytes} bytes (LEDGER_BATCH_MAX_BYTES)`);
    }
    const out: Buffer[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf;
      const piece = end - start;
      if (!dropping && lineBytes + piece > limits.maxLineBytes) {
        dropping = true;
        overlong.add(line);
        out.push(PLACEHOLDER);
      }
      if (!dropping) out.push(chunk.subarray(start, end));
      lineBytes += piece;
      if (lf === -1) break;
      out.push(chunk.subarray(lf, lf + 1));
      line++;
      lineBytes = 0;
      dropping = false;
      if (line > limits.maxLines + 1) {
        throw new BatchTooLargeError(
          `the upload has more than ${limits.maxLines} lines (LEDGER_BATCH_MAX_LINES)`,
        );
      }
      start = lf + 1;
    }
    if (out.length > 0) yield Buffer.concat(out);
  }
  if (lineBytes > 0 && line > limits.maxLines) {
    throw new BatchTooLargeError(
      `the upload has more than ${limits.maxLines} lines (LEDGER_BATCH_MAX_LINES)`,
    );
  }
}
