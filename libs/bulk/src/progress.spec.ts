import { PassThrough } from 'node:stream';
import { createProgressPrinter, formatDuration, type ProgressSnapshot } from './progress';

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
  it('rewrites one line on a TTY, with a bar, rows/s and ETA', () => {
    const s = sink();
    let t = 0;
    const p = createProgressPrinter(s.out, true, { now: () => t });
    p.update(snap(1000, 2000, 0.25));
    t += 50;
    p.update(snap(1500, 2050, 0.3)); // too soon: skipped
    t += 100;
    p.update(snap(2000, 4000, 0.5));
    p.done();
    const text = s.text();
    expect(text.split('\r')).toHaveLength(3);
    expect(text).toContain(
      '[######..................]  25% 1000 rows  500 rows/s  ETA 0:06  (999 imported, 0 already present, 1 rejected)',
    );
    expect(text).toContain(' 50% 2000 rows  500 rows/s  ETA 0:04');
    expect(text.endsWith('\x1b[K\n')).toBe(true);
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
