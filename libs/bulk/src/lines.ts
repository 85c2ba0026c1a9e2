import { createReadStream } from 'node:fs';

export interface ReadLinesOptions {
  /** Text encoding of the bytes (any WHATWG label: `utf-8` (default), `gb18030`, `gbk`). */
  encoding?: string;
  /** Called after each chunk with the total bytes read so far. */
  onBytes?: (bytesRead: number) => void;
  /** Longest accepted line, in characters (default 16 MiB): a longer one is not a text file of records. */
  maxLineChars?: number;
}

/**
 * The complete lines of one chunk of a source. `ends[i]`, when known, is the byte offset in the
 * source just after line i and its line break: where the reading of the rows up to it has come to,
 * whatever was read ahead (the progress of an import follows it).
 */
export type LineBatch = string[] & { ends?: number[] };

/**
 * Encodings in which a line break is the single byte 0x0A or 0x0D and no other character contains
 * those bytes (every WHATWG encoding but UTF-16): a line's end offset is found by scanning the bytes.
 */
const twoBytesPerUnit = (encoding: string): boolean => encoding === 'utf-16le' || encoding === 'utf-16be';

/**
 * Splits a byte stream into lines in constant memory: decodes incrementally (a character split across
 * chunks is kept whole), drops a UTF-8 byte-order mark, and breaks at `\n`, `\r\n` or a lone `\r`.
 * Line breaks are not part of the lines. Yields the complete lines of each chunk together (one await
 * per chunk, not per line), with the byte offset after each (`LineBatch.ends`); iterating with
 * `for await` pulls one chunk at a time, so a slow consumer slows the reading (back-pressure).
 */
export async function* splitLineBatches(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: ReadLinesOptions = {},
): AsyncGenerator<LineBatch> {
  const decoder = new TextDecoder(options.encoding ?? 'utf-8');
  const utf16 = twoBytesPerUnit(decoder.encoding);
  const maxLineChars = options.maxLineChars ?? 16 * 1024 * 1024;
  let bytes = 0;
  let rest = '';
  let first = true;
  let pendingCR = false;
  /**
   * UTF-16 or string chunks: bytes of the source before the first character of `rest` (a BOM
   * included), counted from the characters of the complete lines.
   */
  let consumed = 0;
  for await (const chunk of chunks) {
    let text: string;
    const before = bytes;
    const raw = typeof chunk === 'string' ? undefined : chunk;
    if (raw === undefined) {
      text = chunk as string;
      bytes += Buffer.byteLength(text);
    } else {
      text = decoder.decode(raw, { stream: true });
      bytes += raw.byteLength;
    }
    if (first && text.length > 0) {
      // The decoder drops a BOM of its own encoding; a string chunk keeps it.
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        if (raw === undefined) consumed = 3;
      }
      if (
        utf16 &&
        raw !== undefined &&
        ((raw[0] === 0xff && raw[1] === 0xfe) || (raw[0] === 0xfe && raw[1] === 0xff))
      )
        consumed = 2;
      first = false;
    }
    /** Next line-break byte of this chunk (the break characters and bytes come in the same order). */
    let scan = 0;
    let lf = -2; // the next LF and CR at or after `scan` (-1: none left), found by indexOf
    let cr = -2;
    const nextBreakByte = (): number => {
      const b = raw!;
      if (lf !== -1 && lf < scan) lf = b.indexOf(10, scan);
      if (cr !== -1 && cr < scan) cr = b.indexOf(13, scan);
      const at = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      scan = at + 1;
      return at;
    };
    // A CR that ended the previous chunk: skip the LF of its CRLF.
    if (pendingCR && text.charCodeAt(0) === 10) {
      text = text.slice(1);
      if (raw !== undefined && !utf16) nextBreakByte();
      consumed += utf16 ? 2 : 1;
    }
    pendingCR = false;
    const lines: LineBatch = [];
    const ends: number[] = [];
    let start = 0;
    const buffer = rest + text;
    for (let i = rest.length; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = buffer.slice(start, i);
      lines.push(line);
      let breakLength = 1;
      let end: number | undefined;
      if (raw !== undefined && !utf16) end = before + nextBreakByte() + 1;
      if (c === 13) {
        if (i + 1 < buffer.length) {
          if (buffer.charCodeAt(i + 1) === 10) {
            i++;
            breakLength = 2;
            if (raw !== undefined && !utf16) end = before + nextBreakByte() + 1;
          }
        } else {
          pendingCR = true;
        }
      }
      if (utf16) {
        consumed += (line.length + breakLength) * 2;
        end = consumed;
      } else if (raw === undefined) {
        consumed += Buffer.byteLength(line) + breakLength;
        end = consumed;
      }
      ends.push(end!);
      start = i + 1;
    }
    rest = buffer.slice(start);
    if (rest.length > maxLineChars) {
      throw new Error(`a line is longer than ${maxLineChars} characters: not a CSV or JSON Lines file?`);
    }
    options.onBytes?.(bytes);
    if (lines.length > 0) {
      lines.ends = ends;
      yield lines;
    }
  }
  rest += decoder.decode();
  if (rest.length > 0) {
    const last: LineBatch = [rest];
    last.ends = [bytes];
    yield last;
  }
}

/** Like `splitLineBatches`, one line at a time (e.g. the lines of a request body). */
export async function* splitLines(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: ReadLinesOptions = {},
): AsyncGenerator<string> {
  for await (const lines of splitLineBatches(chunks, options)) yield* lines;
}

/** The lines of a file in batches (see `splitLineBatches`), read in 1 MiB chunks. */
export function readFileLineBatches(path: string, options: ReadLinesOptions = {}): AsyncGenerator<LineBatch> {
  return splitLineBatches(createReadStream(path, { highWaterMark: 1024 * 1024 }), options);
}

/** The lines of a file (see `splitLines`), read in 1 MiB chunks. */
export function readFileLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<string> {
  return splitLines(createReadStream(path, { highWaterMark: 1024 * 1024 }), options);
}

/**
 * Lines given one by one (that may still hold line breaks, e.g. a body cut at line ends) as batches:
 * each item's lines together. A leading BOM is dropped.
 */
export async function* normalizeLines(
  lines: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<string[]> {
  let first = true;
  for await (const raw of lines) {
    const line = first ? raw.replace(/^\uFEFF/, '') : raw;
    first = false;
    if (line.includes('\n') || line.includes('\r')) {
      const parts = line.split(/\r\n|\n|\r/);
      if (parts[parts.length - 1] === '') parts.pop();
      yield parts;
    } else {
      yield [line];
    }
  }
}
