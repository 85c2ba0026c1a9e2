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
 * Line breaks are not part of the lines. Iterating with `for await` pulls one chunk at a time, so a
 * slow consumer slows the reading (back-pressure).
 */
export async function* splitLines(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  options: ReadLinesOptions = {},
): AsyncGenerator<string> {
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
    let start = 0;
    const buffer = rest + text;
    for (let i = rest.length; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      yield buffer.slice(start, i);
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
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest;
}

/** The lines of a file (see `splitLines`), read in 1 MiB chunks. */
export function readFileLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<string> {
  return splitLines(createReadStream(path, { highWaterMark: 1024 * 1024 }), options);
}

/** Splits lines that may still hold line breaks (e.g. a request body in arbitrary chunks) into lines. */
export async function* normalizeLines(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  let first = true;
  for await (const raw of lines) {
    const line = first ? raw.replace(/^\uFEFF/, '') : raw;
    first = false;
    if (line.includes('\n') || line.includes('\r')) {
      const parts = line.split(/\r\n|\n|\r/);
      if (parts[parts.length - 1] === '') parts.pop();
      yield* parts;
    } else {
      yield line;
    }
  }
}
