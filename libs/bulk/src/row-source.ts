/**
 * Reading the rows of an import source (CSV or JSON Lines) in batches of lines: header mapping, CSV
 * records spanning lines, blank rows, and each row's conversion to command data or its reason for
 * being rejected. Used on the importer's thread or in its worker (import-worker.ts).
 */
import { DomainError } from '@patent-ledger/domain';
import { CsvRecordReader, type CsvRecord } from './csv';
import type { LineBatch } from './lines';
import { checkNationalCells, checkNationalHeader, nationalExtras } from './national';
import { dataFromCells, dataFromJson, mapHeader, type HeaderMap } from './rows';

/** A failure of the whole import (unreadable file or header); rows are never reported this way. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/** A row as read from the source, before it is decided. */
export interface SourceRow {
  row: number;
  line: number;
  data?: Record<string, unknown>;
  error?: { code: string; message: string };
  /** Original fields, for the rejects file. */
  original: string[];
  /** Byte offset in the source just after the row's last line, when known (progress). */
  end?: number;
}

export interface RowReader {
  /** Rows in batches (those of one chunk of the source): one await per chunk, not per row. */
  rows: AsyncGenerator<SourceRow[]>;
  /** Header of the rejects file (known once the source's header is read). */
  rejectsHeader: () => string[];
  ignoredColumns: () => string[];
}

export function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof DomainError) return { code: err.code, message: err.message };
  const code = (err as { code?: unknown }).code;
  return {
    code: typeof code === 'string' ? code : 'ROW.INVALID',
    message: (err as Error).message ?? String(err),
  };
}

/**
 * Rows of a CSV source. With `layout: 'national'` the header must be the national platform's
 * inventory sheet and each row's cells are checked against it first (a reject names line and column).
 */
export function csvReader(
  batches: AsyncIterable<LineBatch>,
  options: { layout?: 'national' } = {},
): RowReader {
  const national = options.layout === 'national';
  let header: string[] = [];
  let map: HeaderMap | undefined;
  const reader = new CsvRecordReader();
  let lineNumber = 0;
  let row = 0;

  /** The row a record makes, if any (the header and blank records make none). */
  const rowOf = (record: CsvRecord): SourceRow | undefined => {
    if (!map) {
      if (record.error !== undefined)
        throw new ImportError(`cannot read the header (line ${record.line}): ${record.error}`);
      if (record.fields.every((f) => f.trim() === '')) return undefined;
      header = record.fields.map((f) => f.trim());
      if (header.some((h) => h.includes('\uFFFD'))) {
        throw new ImportError(
          'the header is not UTF-8 text; a file saved by Excel as GBK needs the encoding gb18030 (or save it as "CSV UTF-8")',
        );
      }
      try {
        if (national) checkNationalHeader(header);
        map = mapHeader(header);
      } catch (err) {
        throw new ImportError((err as Error).message);
      }
      return undefined;
    }
    row++;
    if (record.error !== undefined) {
      return {
        row,
        line: record.line,
        error: { code: 'CSV.MALFORMED', message: record.error },
        original: [],
      };
    }
    const cells = record.fields;
    if (cells.every((c) => c.trim() === '')) return undefined;
    if (cells.length > header.length && cells.slice(header.length).some((c) => c.trim() !== '')) {
      return {
        row,
        line: record.line,
        error: {
          code: 'CSV.TOO_MANY_FIELDS',
          message: `the row has ${cells.length} fields but the header ${header.length} (an unquoted comma?)`,
        },
        original: cells,
      };
    }
    const layoutError = national ? checkNationalCells(header, cells, record.line) : undefined;
    if (layoutError) return { row, line: record.line, error: layoutError, original: cells };
    try {
      const data = dataFromCells(map, cells);
      return {
        row,
        line: record.line,
        data: national ? { ...data, ...nationalExtras(header, cells) } : data,
        original: cells,
      };
    } catch (err) {
      return { row, line: record.line, error: errorOf(err), original: cells };
    }
  };

  async function* rows(): AsyncGenerator<SourceRow[]> {
    let end: number | undefined;
    for await (const lines of batches) {
      const out: SourceRow[] = [];
      const { ends } = lines;
      for (let j = 0; j < lines.length; j++) {
        const record = reader.push(lines[j]!, ++lineNumber);
        end = ends?.[j];
        const r = record && rowOf(record);
        if (r) {
          if (end !== undefined) r.end = end;
          out.push(r);
        }
      }
      if (out.length > 0) yield out;
    }
    const last = reader.end();
    const r = last && rowOf(last);
    if (r) {
      if (end !== undefined) r.end = end;
      yield [r];
    }
    if (!map) throw new ImportError('the file is empty: it has no header line');
  }
  return {
    rows: rows(),
    rejectsHeader: () => ['row', 'code', 'message', ...header],
    ignoredColumns: () => map?.ignored ?? [],
  };
}

function jsonlRow(line: string, lineNumber: number): SourceRow | undefined {
  if (line.trim() === '') return undefined;
  const base = { row: lineNumber, line: lineNumber, original: [line] };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ...base, error: { code: 'JSONL.INVALID_JSON', message: `not JSON: ${(err as Error).message}` } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ...base, error: { code: 'JSONL.NOT_AN_OBJECT', message: 'each line must be a JSON object' } };
  }
  try {
    return { ...base, data: dataFromJson(value as Record<string, unknown>) };
  } catch (err) {
    return { ...base, error: errorOf(err) };
  }
}

export function jsonlReader(batches: AsyncIterable<LineBatch>): RowReader {
  async function* rows(): AsyncGenerator<SourceRow[]> {
    let lineNumber = 0;
    for await (const lines of batches) {
      const out: SourceRow[] = [];
      const { ends } = lines;
      for (let j = 0; j < lines.length; j++) {
        const r = jsonlRow(lines[j]!, ++lineNumber);
        if (r) {
          const end = ends?.[j];
          if (end !== undefined) r.end = end;
          out.push(r);
        }
      }
      if (out.length > 0) yield out;
    }
  }
  return { rows: rows(), rejectsHeader: () => ['line', 'code', 'message', 'json'], ignoredColumns: () => [] };
}

/** The reader of an import format: CSV, the national platform's inventory sheet (CSV), or JSON Lines. */
export function readerOf(format: 'csv' | 'jsonl' | 'national', batches: AsyncIterable<LineBatch>): RowReader {
  if (format === 'jsonl') return jsonlReader(batches);
  return csvReader(batches, format === 'national' ? { layout: 'national' } : {});
}
