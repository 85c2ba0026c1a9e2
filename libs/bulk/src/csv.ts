/**
 * CSV (RFC 4180) for bulk files: a record reader fed one physical line at a time (so it streams over
 * any line source, with quoted fields spanning lines), and a writer for the rejects files.
 *
 * Reading rules:
 * - fields are separated by `,`; a field that starts with `"` is quoted: inside it `""` is a quote and
 *   line breaks are part of the value (a quoted CRLF reads back as `\n`, the line source having split
 *   lines on either);
 * - text after a closing quote other than `,` or the end of the record is an error of that record;
 * - a `"` inside an unquoted field is kept as it is (lenient, as spreadsheets are);
 * - a record longer than `maxRecordChars` is an error, and reading resumes at the next line.
 */

/** A record read from CSV: its fields, or why it could not be read. */
export type CsvRecord =
  { line: number; fields: string[]; error?: undefined } | { line: number; fields?: undefined; error: string };

export interface CsvRecordReaderOptions {
  /** Longest record accepted, in characters (default 1,000,000). */
  maxRecordChars?: number;
}

export class CsvRecordReader {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private startLine = 0;
  private size = 0;
  private readonly maxRecordChars: number;

  constructor(options: CsvRecordReaderOptions = {}) {
    this.maxRecordChars = options.maxRecordChars ?? 1_000_000;
  }

  /** True while a quoted field goes on past the last line pushed. */
  get pending(): boolean {
    return this.inQuotes;
  }

  /**
   * Feeds one physical line (without its line break). Returns the record it completes, or undefined
   * while a quoted field continues on the next line.
   */
  push(line: string, lineNumber: number): CsvRecord | undefined {
    if (this.inQuotes) {
      this.field += '\n';
    } else {
      this.startLine = lineNumber;
      this.fields = [];
      this.field = '';
      this.size = 0;
    }
    this.size += line.length + 1;
    if (this.size > this.maxRecordChars) {
      const line0 = this.startLine;
      this.reset();
      return {
        line: line0,
        error: `record longer than ${this.maxRecordChars} characters (an unclosed quote?)`,
      };
    }
    let i = 0;
    let atFieldStart = !this.inQuotes && this.field.length === 0;
    for (;;) {
      if (this.inQuotes) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          this.field += line.slice(i);
          return undefined;
        }
        this.field += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34 /* " */) {
          this.field += '"';
          i = q + 2;
          continue;
        }
        this.inQuotes = false;
        i = q + 1;
        if (i === line.length) return this.finishRecord();
        if (line.charCodeAt(i) !== 44 /* , */) {
          const column = this.fields.length + 1;
          const line0 = this.startLine;
          this.reset();
          return { line: line0, error: `text after the closing quote of column ${column}` };
        }
        this.fields.push(this.field);
        this.field = '';
        i++;
        atFieldStart = true;
        continue;
      }
      if (atFieldStart && line.charCodeAt(i) === 34 /* " */) {
        this.inQuotes = true;
        atFieldStart = false;
        i++;
        continue;
      }
      const c = line.indexOf(',', i);
      if (c < 0) {
        this.field += line.slice(i);
        return this.finishRecord();
      }
      this.field += line.slice(i, c);
      this.fields.push(this.field);
      this.field = '';
      i = c + 1;
      atFieldStart = true;
    }
  }

  /** At the end of the input: the record cut off inside a quoted field, if any. */
  end(): CsvRecord | undefined {
    if (!this.inQuotes) return undefined;
    const line0 = this.startLine;
    this.reset();
    return { line: line0, error: 'the file ends inside a quoted field (an unclosed quote)' };
  }

  private finishRecord(): CsvRecord {
    this.fields.push(this.field);
    const record = { line: this.startLine, fields: this.fields };
    this.reset();
    return record;
  }

  private reset(): void {
    this.fields = [];
    this.field = '';
    this.inQuotes = false;
    this.size = 0;
  }
}

/** Parses a whole CSV text (for small inputs and tests). A leading BOM is dropped. */
export function parseCsv(text: string): CsvRecord[] {
  const reader = new CsvRecordReader();
  const out: CsvRecord[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const r = reader.push(line, i + 1);
    if (r) out.push(r);
  });
  const last = reader.end();
  if (last) out.push(last);
  return out;
}

/** The UTF-8 byte-order mark: spreadsheets then read Chinese text as UTF-8. */
export const CSV_BOM = '\uFEFF';

/** One CSV field, quoted when it holds a comma, quote or line break. Values are kept verbatim. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record with its CRLF line end. */
export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
