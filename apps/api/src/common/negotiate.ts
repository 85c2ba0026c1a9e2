import { CSV_BOM, csvHeader, csvLines, type CsvColumn } from '@patent-ledger/read-models';
import type { Request, Response } from 'express';

/** True when the client asked for CSV (Accept: text/csv, or ?format=csv). */
export function wantsCsv(req: Request): boolean {
  if (req.query['format'] === 'csv') return true;
  const accept = req.headers.accept ?? '';
  if (!/text\/csv/i.test(accept)) return false;
  // text/csv wins unless JSON is listed with a higher quality.
  const q = (type: RegExp): number => {
    const part = accept.split(',').find((p) => type.test(p));
    if (!part) return -1;
    const m = /;\s*q=([0-9.]+)/.exec(part);
    return m ? Number(m[1]) : 1;
  };
  return q(/text\/csv/i) >= q(/application\/json/i);
}

/**
 * Streams a CSV file: the header, then every page the `pages` generator yields, so a large export
 * never sits in memory whole.
 */
/** Rows an export formats and writes between two turns of the event loop. */
export const CSV_CHUNK_ROWS = 200;

export async function sendCsv<T>(
  res: Response,
  filename: string,
  columns: readonly CsvColumn<T>[],
  pages: AsyncIterable<readonly T[]> | Iterable<readonly T[]>,
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.write(CSV_BOM + csvHeader(columns));
  for await (const items of pages) {
    // In chunks of CSV_CHUNK_ROWS rows, letting other requests in between them whatever the store (a
    // page read from SQLite settles without leaving the microtask queue), and waiting for a slow
    // reader: an export never holds up the event loop for more than a chunk.
    for (let i = 0; i < items.length; i += CSV_CHUNK_ROWS) {
      if (!res.write(csvLines(columns, items.slice(i, i + CSV_CHUNK_ROWS))))
        await new Promise((r) => res.once('drain', r));
      await new Promise((r) => setImmediate(r));
    }
  }
  res.end();
}
