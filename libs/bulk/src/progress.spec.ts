import { PassThrough } from 'node:stream';
import { createProgressPrinter, formatDuration, type ProgressSnapshot } from './progress';

/** The text without the terminal's control sequences (cursor moves, line clears). */
// eslint-disable-next-line no-control-regex
const visible = (text: string): string => text.replace(/\x1b(\[\d*[A-Za-z]|[78])/g, '|');

function sink() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

const snap = (rows: number, elapsedMs: number, fraction?: number): ProgressSnapshot => ({
  rows,
  imported: rows - 1,
  alreadyPresent: 0,
  rejected: 1,
  elapsedMs,
  ...(fraction !== undefined ? { fraction } : {}),
});

describe('progress printer', () => {
  it('draws a bar on a TTY with the share done, rows, rows/s and an ETA, and ends its line', () => {
    const s = sink();
    const p = createProgressPrinter(s.out, true);
    p.update(snap(1000, 2000, 0.25));
    p.update(snap(2000, 4000, 0.5));
    p.done();
    const text = visible(s.text());
    expect(text).toContain(
      '|[######..................] 25% 1000 rows  500 rows/s  ETA ', // the first draw, from the line's start
    );
    // The last state drawn over it, then the line ends.
    expect(text).toMatch(
      /\|\[############\.{12}\] 50% 2000 rows {2}500 rows\/s {2}ETA \d+s {2}\(1999 imported, 0 already present, 1 rejected\)\|+\n$/,
    );
  });

  it('shows rows and rows/s without a bar when the size is unknown', () => {
    const s = sink();
    const p = createProgressPrinter(s.out, true, {
      words: { imported: 'inventoried', alreadyPresent: 'already present', rejected: 'errors' },
    });
    p.update(snap(300, 1000));
    p.done();
    expect(visible(s.text())).toBe(
      '||300 rows  300 rows/s  (299 inventoried, 0 already present, 1 errors)||\n',
    );
  });

  it('prints a plain line every 2 s or each 10 % when not a TTY', () => {
    const s = sink();
    let t = 0;
    const p = createProgressPrinter(s.out, false, { now: () => t, label: 'import' });
    p.update(snap(100, 100, 0.01)); // first: printed
    t = 500;
    p.update(snap(200, 600, 0.05)); // same decile, too soon
    t = 900;
    p.update(snap(1200, 1000, 0.12)); // crossed 10 %
    t = 3000;
    p.update(snap(1300, 3000, 0.13)); // 2 s later
    t = 3100;
    p.update(snap(1400, 3100)); // unknown size, too soon
    p.done();
    expect(s.text().split('\n').filter(Boolean)).toEqual([
      'import: 1% 100 rows, 99 imported, 0 already present, 1 rejected, 1000 rows/s, ETA 0:10',
      'import: 12% 1200 rows, 1199 imported, 0 already present, 1 rejected, 1200 rows/s, ETA 0:07',
      'import: 13% 1300 rows, 1299 imported, 0 already present, 1 rejected, 433 rows/s, ETA 0:20',
    ]);
  });

  it('formats durations', () => {
    expect([formatDuration(0), formatDuration(61_000), formatDuration(3_725_000)]).toEqual([
      '0:00',
      '1:01',
      '1:02:05',
    ]);
  });
});
