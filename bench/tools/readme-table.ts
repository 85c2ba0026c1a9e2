/**
 * Renders `bench/results.json` (one run of `npm run bench`) as the README's figures table: the run's
 * command, date, machine and load, then one line per row with its same-run baseline, ratio, target
 * and whether it was met. Nothing is typed by hand, so the README's figures are those of the run.
 *
 *   node dist/bench/bench/tools/readme-table.js [bench/results.json] > table.md
 */
import { readFileSync } from 'node:fs';

interface ResultRow {
  store: string;
  phase: string;
  name: string;
  value: number | null;
  unit: string;
  baseline: string | null;
  baselineValue: number | null;
  ratio: number | null;
  /** As the run printed it: `≥ 70 % of baseline`, `< 100 ms`, … */
  target: string | null;
  pass: boolean | null;
  note?: string | null;
  conditions?: { load1m?: number[] };
}
interface Results {
  generatedAt: string;
  status: string;
  command: string;
  durationMinutes: number;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; os: string; sqlite: string };
  rows: ResultRow[];
}

const number = (v: number): string =>
  Math.abs(v) >= 100
    ? Math.round(v).toLocaleString('en-US')
    : v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) >= 10 ? 1 : 2 });

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderTable(r: Results): string {
  const loads = r.rows.flatMap((x) => x.conditions?.load1m ?? []);
  const load = loads.length
    ? `load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`
    : 'load not recorded';
  const m = r.machine;
  const lines = [
    `\`${r.command}\`, ${r.generatedAt.slice(0, 16).replace('T', ' ')} UTC (${r.status}, ${r.durationMinutes} min): ${m.cores}-core ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node.replace(/^v/, '')}, SQLite ${m.sqlite}, ${m.os}; ${load} during the phases.`,
    '',
    '| store | figure | value | baseline (same run) | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const x of r.rows) {
    const baseline =
      x.baselineValue === null || x.baselineValue === undefined
        ? '—'
        : `${x.baseline ?? ''}: ${number(x.baselineValue)}`;
    const ratio = x.ratio === null || x.ratio === undefined ? '—' : x.ratio.toFixed(2);
    const met = x.pass === null || x.pass === undefined ? '—' : x.pass ? 'yes' : '**no**';
    lines.push(
      `| ${cell(x.store)} | ${cell(x.name)} | ${x.value === null ? 'n/a' : `${number(x.value)} ${cell(x.unit)}`} | ${cell(baseline)} | ${ratio} | ${cell(x.target ?? '—')} | ${met} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  const file = process.argv[2] ?? 'bench/results.json';
  process.stdout.write(renderTable(JSON.parse(readFileSync(file, 'utf8')) as Results));
}
