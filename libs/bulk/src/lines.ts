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
 * Splits a byte stream into lines in constant memory: decodes incrementally (a character split across
 * chunks is kept whole), drops a UTF-8 byte-order mark, and breaks at `\n`, `\r\n` or a lone `\r`.
 * Line breaks are not part of the lines. Yields the complete lines of each chunk together (one await
 * per chunk, not per line); iterating with `for await` pulls one chunk at a time, so a slow consumer
 * slows the reading (back-pressure).
 */
export async function* splitLineBatches(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: ReadLinesOptions = {},
): AsyncGenerator<string[]> {
  const decoder = new TextDecoder(options.encoding ?? 'utf-8');
  const maxLineChars = options.maxLineChars ?? 16 * 1024 * 1024;
  let bytes = 0;
  let rest = '';
  let first = true;
  let pendingCR = false;
  for await (const chunk of chunks) {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
      bytes += Buffer.byteLength(chunk);
    } else {
      text = decoder.decode(chunk, { stream: true });
      bytes += chunk.byteLength;
    }
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    // A CR that ended the previous chunk: skip the LF of its CRLF.
    if (pendingCR && text.charCodeAt(0) === 10) text = text.slice(1);
    pendingCR = false;
    const lines: string[] = [];
    let start = 0;
    const buffer = rest + text;
    for (let i = rest.length; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      lines.push(buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 < buffer.length) {
          if (buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          pendingCR = true;
        }
      }
      start = i + 1;
    }
    rest = buffer.slice(start);
    if (rest.length > maxLineChars) {
      throw new Error(`a line is longer than ${maxLineChars} characters: not a CSV or JSON Lines file?`);
    }
    options.onBytes?.(bytes);
    if (lines.length > 0) yield lines;
  }
  rest += decoder.decode();
  if (rest.length > 0) yield [rest];
}

/** Like `splitLineBatches`, one line at a time (e.g. the lines of a request body). */
export async function* splitLines(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: ReadLinesOptions = {},
): AsyncGenerator<string> {
  for await (const lines of splitLineBatches(chunks, options)) yield* lines;
}

/** The lines of a file in batches (see `splitLineBatches`), read in 1 MiB chunks. */
export function readFileLineBatches(path: string, options: ReadLinesOptions = {}): AsyncGenerator<string[]> {
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
