/**
 * Shared helpers of the benchmark: result rows, percentiles, peak-RSS accounting, temp dirs.
 *
 * Every phase runs in a child process of its own (bench/phase.ts) and reports its rows on stdout as
 * one line `BENCH_RESULT <json>`; everything else it prints goes to stderr.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type StoreKind = 'sqlite' | 'postgres';

/** One figure of the result table (the shape of `bench/results.json` rows). */
export interface Row {
  /** Which store (and durability setting) the figure was measured on. */
  store: string;
  /** Phase that produced the row. */
  phase: string;
  name: string;
  value: number | null;
  unit: string;
  /** What the value is compared with, when a baseline applies. */
  baseline: string | null;
  baselineValue: number | null;
  /** value ÷ baselineValue. */
  ratio: number | null;
  /** The requirement, in words (e.g. "≥ 50 % of baseline", "< 2 ms"). */
  target: string | null;
  /** Whether the target is met (null: no target, or not measured). */
  pass: boolean | null;
  /** Sizes, caveats, skip reasons. */
  note?: string;
  /** Requests answered with a status other than 2xx (plus transport errors), for HTTP rows. */
  non2xx?: number;
}

export type Target =
  | { kind: 'ratioAtLeast'; value: number }
  | { kind: 'below'; value: number }
  | { kind: 'atLeast'; value: number };

export interface RowInput {
  store: string;
  phase: string;
  name: string;
  value: number | null;
  unit: string;
  baseline?: string;
  baselineValue?: number | null;
  target?: Target;
  note?: string;
  /** Failed requests of an HTTP row: any makes the row fail, whatever its ratio. */
  non2xx?: number;
}

export function row(r: RowInput): Row {
  const ratio =
    r.value !== null && r.baselineValue !== undefined && r.baselineValue !== null && r.baselineValue !== 0
      ? r.value / r.baselineValue
      : null;
  let target: string | null = null;
  let pass: boolean | null = null;
  if (r.target) {
    const t = r.target;
    if (t.kind === 'ratioAtLeast') {
      target = `≥ ${Math.round(t.value * 100)} % of baseline`;
      pass = ratio === null ? null : ratio >= t.value;
    } else if (t.kind === 'below') {
      target = `< ${t.value} ${r.unit}`;
      pass = r.value === null ? null : r.value < t.value;
    } else {
      target = `≥ ${t.value.toLocaleString('en-US')} ${r.unit}`;
      pass = r.value === null ? null : r.value >= t.value;
    }
  }
  if (r.non2xx !== undefined && r.non2xx > 0) pass = false;
  return {
    store: r.store,
    phase: r.phase,
    name: r.name,
    value: r.value,
    unit: r.unit,
    baseline: r.baseline ?? null,
    baselineValue: r.baselineValue ?? null,
    ratio,
    target,
    pass,
    ...(r.note !== undefined ? { note: r.note } : {}),
    ...(r.non2xx !== undefined ? { non2xx: r.non2xx } : {}),
  };
}

/** A row that could not be measured, with the reason. */
export function skipped(
  store: string,
  phase: string,
  name: string,
  unit: string,
  reason: string,
  target?: Target,
): Row {
  const r = row({ store, phase, name, value: null, unit, ...(target ? { target } : {}) });
  return { ...r, note: `skipped: ${reason}` };
}

/** The p-th percentile (0-100) of an ascending array, nearest-rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samplesMs: number[]): { p50: number; p99: number; mean: number; n: number } {
  const s = Float64Array.from(samplesMs).sort();
  const arr = Array.from(s);
  return {
    p50: percentile(arr, 50),
    p99: percentile(arr, 99),
    mean: arr.reduce((a, b) => a + b, 0) / Math.max(1, arr.length),
    n: arr.length,
  };
}

// ---------------------------------------------------------------------------------------------
// peak RSS

function status(field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Resets the kernel's peak-RSS mark of this process (Linux ≥ 4.0: writing 5 to clear_refs), so the
 * peak of a phase does not include its set-up. Returns false where that is not possible.
 */
export function resetPeakRss(): boolean {
  globalThis.gc?.();
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak RSS in MB since the start of the process or the last reset. */
export function peakRssMB(): number {
  const hwm = status('VmHWM');
  const bytes = hwm ?? process.resourceUsage().maxRSS * 1024;
  return bytes / 1_048_576;
}

export function peakRow(store: string, phase: string, what: string, target?: Target, note?: string): Row {
  return row({
    store,
    phase,
    name: `peak RSS: ${what}`,
    value: round(peakRssMB(), 1),
    unit: 'MB',
    ...(target ? { target } : {}),
    ...(note !== undefined ? { note } : {}),
  });
}

// ---------------------------------------------------------------------------------------------

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `patent-ledger-bench-${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes the rows of a phase for the parent process. */
export function emit(rows: Row[]): void {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(rows)}\n`);
}

export function log(message: string): void {
  process.stderr.write(`  · ${message}\n`);
}

export const now = (): number => performance.now();

/** Lets pending I/O callbacks run (so long synchronous loops do not starve timers). */
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
