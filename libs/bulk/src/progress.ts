/**
 * Progress of a long bulk run for a terminal or a log: on a TTY one line redrawn in place (a
 * cli-progress bar) with the share done, rows, rows/s and ETA; otherwise a plain line every
 * `intervalMs` (2 s) or each 10 % of the source, whichever comes first, so logs stay short. The share
 * done is that of the source's bytes up to the last row committed (see ImportProgress.fraction).
 */
import { SingleBar } from 'cli-progress';

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

  /** Units of the TTY bar: the fraction done in ten-thousandths. */
  const TOTAL = 10_000;
  let bar: SingleBar | undefined;
  const payload = (p: ProgressSnapshot) => ({
    rows: p.rows,
    speed: Math.round(rate(p)),
    imported: p.imported,
    alreadyPresent: p.alreadyPresent,
    rejected: p.rejected,
  });
  const ttyUpdate = (p: ProgressSnapshot): void => {
    const value = Math.round((p.fraction ?? 0) * TOTAL);
    if (!bar) {
      const counters = `({imported} ${words.imported}, {alreadyPresent} ${words.alreadyPresent}, {rejected} ${words.rejected})`;
      // The caller decided it is a terminal (main looks at stderr): cli-progress draws on a stream
      // that says so, as wide as the terminal (one line, cut at its width, so redrawing stays in place).
      const columns = (out as { columns?: number }).columns ?? 120;
      const tty = { isTTY: true, columns, write: (chunk: string) => out.write(chunk) };
      bar = new SingleBar({
        stream: tty as unknown as NodeJS.WritableStream,
        format:
          p.fraction === undefined
            ? `{rows} rows  {speed} rows/s  ${counters}`
            : `[{bar}] {percentage}% {rows} rows  {speed} rows/s  ETA {eta_formatted}  ${counters}`,
        barsize: 24,
        barCompleteChar: '#',
        barIncompleteChar: '.',
        etaBuffer: 20,
        linewrap: true,
        hideCursor: false,
        gracefulExit: false,
      });
      bar.start(TOTAL, value, payload(p));
      drawn = true;
      return;
    }
    bar.update(value, payload(p));
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
        ttyUpdate(p);
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
      if (bar && drawn) bar.stop(); // draws the last state and ends the line
      bar = undefined;
      drawn = false;
    },
  };
}
