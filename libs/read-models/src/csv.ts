/**
 * CSV that spreadsheets open correctly: UTF-8 with a byte-order mark (so Excel reads Chinese text as
 * UTF-8), CRLF line ends, every field quoted when it holds a comma, quote, or line break, and a
 * leading apostrophe for cells that a spreadsheet would run as a formula (=, +, -, @, their full-width
 * forms, also after leading spaces).
 */
export const CSV_BOM = '\uFEFF';

/**
 * A cell a spreadsheet may run as a formula: one that begins, perhaps after spaces (ASCII, no-break,
 * ideographic), with = + - @ or their full-width forms ＝ ＋ － ＠ (which spreadsheets with an East
 * Asian input method take for the ASCII ones), or with a tab or carriage return.
 */
const FORMULA_START = /^\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20\t\r]/;

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (FORMULA_START.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** A column of a CSV export: its header and how to read it from an item. */
export interface CsvColumn<T> {
  header: string;
  value: (item: T) => unknown;
}

export function csvHeader<T>(columns: readonly CsvColumn<T>[]): string {
  return csvRow(columns.map((c) => c.header));
}

export function csvLines<T>(columns: readonly CsvColumn<T>[], items: readonly T[]): string {
  return items.map((i) => csvRow(columns.map((c) => c.value(i)))).join('');
}
