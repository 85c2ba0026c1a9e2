/**
 * The progress of a file import follows the bytes of the rows done, not those read ahead: the file is
 * read in 1 MiB chunks, and a chunk holds thousands of rows.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryEventStore } from '@patent-ledger/eventsourcing';
import { writeInventoryFile } from './apply';
import { generateProvince } from './generator';
import { importInventory, type ImportFormat, type ImportProgress } from './importer';

const CLOCK = () => '2026-01-15T00:00:00.000Z';
/** Enough rows for a file of two read chunks or more (~1.8 MiB of CSV). */
const PATENTS = 9000;
const BATCH = 500;

/** GB18030 bytes of a text, from the decoder's own table (two-byte codes cover the generated words). */
function gbkEncoder(): (text: string) => Buffer {
  const decoder = new TextDecoder('gb18030');
  const table = new Map<string, Buffer>();
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue;
      const bytes = Buffer.from([lead, trail]);
      const c = decoder.decode(bytes);
      if (c.length === 1 && c !== '\uFFFD' && !table.has(c)) table.set(c, bytes);
    }
  }
  return (text) =>
    Buffer.concat(
      [...text].map((c) => {
        if (c.charCodeAt(0) < 0x80) return Buffer.from(c);
        const b = table.get(c);
        if (!b) throw new Error(`no GB18030 two-byte code for ${c}`);
        return b;
      }),
    );
}

/** Byte offset after each line break of a file: entry k is where line k + 1 ends. */
function lineEnds(bytes: Buffer): number[] {
  const ends: number[] = [];
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) ends.push(i + 1);
  return ends;
}

describe('import progress', () => {
  let dir: string;
  const files: Partial<Record<'csv' | 'jsonl' | 'gbk', string>> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-progress-'));
    const province = generateProvince({ patents: PATENTS, institutions: 8, seed: 'progress' });
    files.csv = join(dir, 'province.csv');
    files.jsonl = join(dir, 'province.jsonl');
    await writeInventoryFile(files.csv, province.patents(), 'csv');
    await writeInventoryFile(files.jsonl, province.patents(), 'jsonl');
    files.gbk = join(dir, 'province-gbk.csv');
    const utf8 = readFileSync(files.csv, 'utf8').replace(/^\uFEFF/, '');
    writeFileSync(files.gbk, gbkEncoder()(utf8));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['CSV', 'csv', 'csv', undefined, 1],
    ['JSON Lines', 'jsonl', 'jsonl', undefined, 0],
    ['CSV saved as GBK', 'gbk', 'csv', 'gb18030', 1],
  ] as const)(
    '%s: the fraction is the bytes up to the last row done',
    async (_name, which, format, encoding, headerLines) => {
      const path = files[which]!;
      const size = statSync(path).size;
      expect(size).toBeGreaterThan(1.5 * 1024 * 1024); // two read chunks at least
      const ends = lineEnds(readFileSync(path));
      const progress: ImportProgress[] = [];
      // No institution is registered: every row is decided and rejected, quickly, in order.
      const summary = await importInventory(new MemoryEventStore(), path, {
        format: format as ImportFormat,
        ...(encoding ? { encoding } : {}),
        batchSize: BATCH,
        rejectsFile: false,
        clock: CLOCK,
        onProgress: (p) => progress.push(p),
      });
      expect(summary.rows).toBe(PATENTS);
      expect(summary.rejected).toBe(PATENTS);
      expect(progress.map((p) => p.rows)).toEqual(
        Array.from({ length: PATENTS / BATCH }, (_, i) => (i + 1) * BATCH),
      );
      for (const p of progress) {
        const expected = ends[headerLines + p.rows - 1]! / size;
        expect({ rows: p.rows, fraction: p.fraction }).toEqual({
          rows: p.rows,
          fraction: expect.closeTo(expected, 12),
        });
      }
      // The first batch is 1/18 of the file, although the first chunk read is more than half of it.
      expect(progress[0]!.fraction).toBeLessThan(0.07);
      expect(progress[progress.length - 1]!.fraction).toBe(1);
    },
  );
});
