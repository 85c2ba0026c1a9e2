/**
 * Progress of a long bulk run for a terminal or a log: on a TTY one line rewritten in place (`\r`)
 * with a bar, rows/s and ETA; otherwise a plain line every `intervalMs` (2 s) or each 10 % of the
 * source, whichever comes first, so logs stay short.
 */

export interface ProgressSnapshot {
  rows: number;
  imported: number;
  alreadyPresent: number;
  rejected: number;
  elapsedMs: number;
  /** Share of the work done (0-1), when known: drives the bar and the ETA. */
  fraction?: number;
}

export interface ProgressPrinterOptions {
  /** Word before the numbers of a plain line, e.g. `import`. */
  label?: string;
  /** Plain lines at most this often, besides each 10 % (default 2000 ms). */
  intervalMs?: number;
  /** Words for the counters (default: imported / already present / rejected). */
  words?: { imported: string; alreadyPresent: string; rejected: string };
  /** Clock in ms (for tests). */
  now?: () => number;
}

export interface ProgressPrinter {
  update(p: ProgressSnapshot): void;
  /** Ends the in-place line on a TTY (call before printing the summary). */
  done(): void;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const rate = (p: ProgressSnapshot): number => p.rows / Math.max(p.elapsedMs / 1000, 0.001);

const eta = (p: ProgressSnapshot): number | undefined =>
  p.fraction !== undefined && p.fraction > 0 ? (p.elapsedMs * (1 - p.fraction)) / p.fraction : undefined;

export function createProgressPrinter(
  out: NodeJS.WritableStream,
  isTTY: boolean,
  options: ProgressPrinterOptions = {},
): ProgressPrinter {
  const label = options.label ?? 'import';
  const intervalMs = options.intervalMs ?? 2000;
  const words = options.words ?? {
    imported: 'imported',
    alreadyPresent: 'already present',
    rejected: 'rejected',
  };
  const clock = options.now ?? (() => Date.now());
  let lastPrint = -Infinity;
  let lastDecile = 0;
  let drawn = false;

  const ttyLine = (p: ProgressSnapshot): string => {
    const width = 24;
    const f = p.fraction;
    const bar =
      f === undefined
        ? ''
        : `[${'#'.repeat(Math.round(f * width)).padEnd(width, '.')}] ${String(Math.floor(f * 100)).padStart(3)}% `;
    const left = eta(p);
    return (
      `\r${bar}${p.rows} rows  ${Math.round(rate(p))} rows/s` +
      (left !== undefined ? `  ETA ${formatDuration(left)}` : '') +
      `  (${p.imported} ${words.imported}, ${p.alreadyPresent} ${words.alreadyPresent}, ${p.rejected} ${words.rejected})\x1b[K`
    );
  };

  const plainLine = (p: ProgressSnapshot): string => {
    const pct = p.fraction !== undefined ? `${Math.floor(p.fraction * 100)}% ` : '';
    const left = eta(p);
    return (
      `${label}: ${pct}${p.rows} rows, ${p.imported} ${words.imported}, ${p.alreadyPresent} ${words.alreadyPresent}, ` +
      `${p.rejected} ${words.rejected}, ${Math.round(rate(p))} rows/s` +
      (left !== undefined ? `, ETA ${formatDuration(left)}` : '') +
      '\n'
    );
  };

  return {
    update(p) {
      const t = clock();
      if (isTTY) {
        if (t - lastPrint < 100 && p.fraction !== 1) return;
        lastPrint = t;
        drawn = true;
        out.write(ttyLine(p));
        return;
      }
      const decile = p.fraction !== undefined ? Math.floor(p.fraction * 10) : 0;
      if (t - lastPrint >= intervalMs || decile > lastDecile) {
        lastPrint = t;
        lastDecile = decile;
        out.write(plainLine(p));
      }
    },
    done() {
      if (isTTY && drawn) out.write('\n');
      drawn = false;
    },
  };
}
