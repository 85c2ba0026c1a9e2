import { closeSync, openSync, writeSync } from 'node:fs';
import { CSV_BOM, csvRow } from './csv';

/**
 * The rejects file of an import: CSV with a UTF-8 BOM, created (truncating an older one) at the first
 * rejected row, with a header. Written synchronously per batch: rejects are few and small.
 */
export class RejectsFile {
  private fd: number | undefined;
  private written = false;

  constructor(readonly path: string) {}

  write(header: readonly string[], rows: readonly (readonly string[])[]): void {
    if (this.fd === undefined) {
      this.fd = openSync(this.path, 'w');
      writeSync(this.fd, CSV_BOM + csvRow(header));
      this.written = true;
    }
    writeSync(this.fd, rows.map((r) => csvRow(r)).join(''));
  }

  /** Closes the file; returns its path if anything was written. */
  close(): string | undefined {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    return this.written ? this.path : undefined;
  }
}
