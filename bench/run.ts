/**
 * `npm run bench [-- --quick] [-- --national] [-- --store sqlite|postgres|all] [-- --only a,b]`
 *
 * Runs each phase in a child process of its own (so its peak RSS is its own), with its files in a
 * temporary directory that is removed at the end, prints one table and writes `bench/results.json`.
 * Every baseline is measured in the same run, on the same machine, with the same durability setting.
 * PostgreSQL rows run when `PG_URL` (default postgres://postgres@127.0.0.1:5432/test) is reachable.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { removeDir, skipped, tempDir, type Row } from './lib/common';
import type { StoreSpec } from './lib/stores';

const REPO = resolve(__dirname, '..', '..', '..');
const RESULTS = join(REPO, 'bench', 'results.json');
const PHASE_JS = join(__dirname, 'phase.js');
const PHASE_NAMES = [
  'import',
  'appends',
  'command',
  'http',
  'adapters',
  'projection',
  'pool',
  'publishers',
  'transparency',
  'console',
] as const;
type PhaseName = (typeof PHASE_NAMES)[number];

interface Options {
  quick: boolean;
  national: boolean;
  stores: 'sqlite' | 'postgres' | 'all' | 'auto';
  only: Set<PhaseName>;
  keep: boolean;
  synchronous: ('FULL' | 'NORMAL')[];
}

const USAGE = `npm run bench -- [--quick] [--national] [--store sqlite|postgres|all] [--only ${PHASE_NAMES.join(',')}] [--keep]

  --quick       scaled-down sizes (a smoke run of a minute or two)
  --national    the bulk import row with 1.35 M patents instead of 100 k, and the console's ledger of 1.35 M
  --store       default: sqlite, plus postgres when PG_URL (default postgres://postgres@127.0.0.1:5432/test) answers
  --only        run only these phases
  --keep        keep the temporary directory (its path is printed)`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    quick: false,
    national: false,
    stores: 'auto',
    only: new Set(PHASE_NAMES),
    keep: false,
    synchronous: ['FULL', 'NORMAL'],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n\n${USAGE}`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--national') o.national = true;
    else if (a === '--keep') o.keep = true;
    else if (a.startsWith('--store')) {
      const v = value();
      if (v !== 'sqlite' && v !== 'postgres' && v !== 'all')
        throw new Error(`--store must be sqlite, postgres or all\n\n${USAGE}`);
      o.stores = v;
    } else if (a.startsWith('--only')) {
      const names = value()
        .split(',')
        .map((s) => s.trim());
      for (const n of names)
        if (!(PHASE_NAMES as readonly string[]).includes(n))
          throw new Error(`unknown phase ${n}\n\n${USAGE}`);
      o.only = new Set(names as PhaseName[]);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n\n${USAGE}`);
  }
  return o;
}

function sizes(o: Options) {
  const full = {
    importPatents: 100_000,
    appendStreams: 100_000,
    appendBlocks: 10,
    commandPatents: 10_000,
    commands: 10_000,
    commandWarmup: 500,
    replay10: 1_000,
    replay100: 100,
    replayIterations10: 20_000,
    replayIterations100: 5_000,
    httpPatents: 20_000,
    httpDurationSec: 10,
    httpWarmupSec: 2,
    // The HTTP phase runs once per count: 10 connections, and 50 (more commands share a commit).
    connections: [10, 50],
    // ~3.2 events per generated patent: ≈ 1 M events, of which ≈ 45 % of the patents end up in the pool.
    ledgerPatents: 311_000,
    poolPerQuery: 100,
    poolSecondsPerShape: 15,
    publisherEvents: 100_000,
    publisherLatencyEvents: 2_000,
    publisherAppends: 2_000,
    publisherBlocks: 4,
    transparencyStreams: 20_000,
    transparencyBlocks: 4,
    transparencyEvents: 1_000_000,
    transparencyProofs: 2_000,
    // The console phase: the pool phase's ledger (1.35 M generated patents with --national).
    consoleLoads: 5,
    consoleSearches: 20,
  };
  const quick: typeof full = {
    importPatents: 10_000,
    appendStreams: 10_000,
    appendBlocks: 4,
    commandPatents: 2_000,
    commands: 2_000,
    commandWarmup: 200,
    replay10: 200,
    replay100: 20,
    replayIterations10: 2_000,
    replayIterations100: 500,
    httpPatents: 5_000,
    httpDurationSec: 3,
    httpWarmupSec: 1,
    connections: [10, 50],
    ledgerPatents: 31_100,
    poolPerQuery: 20,
    poolSecondsPerShape: 3,
    publisherEvents: 20_000,
    publisherLatencyEvents: 500,
    publisherAppends: 1_000,
    publisherBlocks: 3,
    transparencyStreams: 4_000,
    transparencyBlocks: 4,
    transparencyEvents: 100_000,
    transparencyProofs: 1_000,
    consoleLoads: 3,
    consoleSearches: 20,
  };
  const s = o.quick ? quick : full;
  return {
    ...s,
    importPatents: o.national ? 1_350_000 : s.importPatents,
    consolePatents: o.national ? 1_350_000 : s.ledgerPatents,
  };
}

// ---------------------------------------------------------------------------------------------
// child processes

interface PhaseOutput {
  rows: Row[];
  details: Record<string, unknown>;
}

let current: ReturnType<typeof spawn> | undefined;

/** Cumulative stall time (µs) of /proc/pressure/{cpu,io} ("some" line), when the kernel reports it. */
function pressureTotals(): { cpu: number; io: number } | undefined {
  try {
    const read = (f: string) =>
      Number(/^some .*total=(\d+)/m.exec(readFileSync(`/proc/pressure/${f}`, 'utf8'))?.[1]);
    return { cpu: read('cpu'), io: read('io') };
  } catch {
    return undefined;
  }
}

/**
 * What else the machine was doing during a phase: the 1-minute load average at its start and end,
 * and the share of its wall time during which some task waited for a CPU or for I/O (PSI).
 */
export interface Conditions {
  load1m: [number, number];
  cpuPressurePct: number | null;
  ioPressurePct: number | null;
}

const conditionsText = (c: Conditions): string =>
  `load ${c.load1m[0].toFixed(1)}→${c.load1m[1].toFixed(1)}` +
  (c.cpuPressurePct !== null ? `, cpu-wait ${c.cpuPressurePct} %` : '') +
  (c.ioPressurePct !== null ? `, io-wait ${c.ioPressurePct} %` : '');

/** Set on SIGINT/SIGTERM: no further phase starts. */
let stopping = false;

function runPhase(name: string, args: object): Promise<PhaseOutput> {
  if (stopping) return Promise.resolve({ rows: [], details: { error: 'interrupted' } });
  return new Promise((resolvePhase) => {
    // BENCH_NODE_ARGS: extra node flags for the phase processes (diagnostics, e.g. --cpu-prof).
    const extra = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, ['--expose-gc', ...extra, PHASE_JS, name, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: REPO,
    });
    current = child;
    const load0 = loadavg()[0]!;
    const p0 = pressureTotals();
    const t0 = Date.now();
    let out = '';
    let failure: string | undefined;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      // The child prints "phase failed: <error>" (then its stack) when it fails.
      const m = /^phase failed: (.*)$/m.exec(d.toString());
      if (m) failure ??= m[1];
    });
    child.on('close', (code, signal) => {
      current = undefined;
      const p1 = pressureTotals();
      const elapsedUs = Math.max(1, (Date.now() - t0) * 1000);
      const pct = (a?: number, b?: number) =>
        a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b)
          ? null
          : Math.round(((b - a) / elapsedUs) * 100);
      const conditions: Conditions = {
        load1m: [load0, loadavg()[0]!],
        cpuPressurePct: pct(p0?.cpu, p1?.cpu),
        ioPressurePct: pct(p0?.io, p1?.io),
      };
      const rows: Row[] = [];
      const details: Record<string, unknown> = {};
      let reported = false;
      for (const line of out.split('\n')) {
        if (line.startsWith('BENCH_RESULT ')) {
          rows.push(
            ...(JSON.parse(line.slice('BENCH_RESULT '.length)) as Row[]).map((r) => ({ ...r, conditions })),
          );
          reported = true;
        } else if (line.startsWith('BENCH_DETAIL '))
          Object.assign(details, JSON.parse(line.slice('BENCH_DETAIL '.length)));
      }
      if (code !== 0 || !reported) {
        const why = failure ?? `exit code ${code ?? signal}`;
        resolvePhase({ rows, details: { ...details, error: why } });
      } else resolvePhase({ rows, details });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// output

function fmt(v: number | null, unit?: string): string {
  if (v === null || Number.isNaN(v)) return '—';
  const digits = unit === 'ms' ? (v < 1 ? 3 : v < 10 ? 2 : 1) : unit === 'MB' ? 0 : Math.abs(v) < 10 ? 2 : 0;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(rows: Row[]): string {
  const header = ['#', 'store', 'figure', 'value', 'unit', 'baseline', 'ratio', 'non-2xx', 'target', 'pass'];
  const body = rows.map((r, i) => [
    String(i + 1),
    r.store.startsWith('sqlite (WAL, synchronous=')
      ? r.store.replace('sqlite (WAL, synchronous=', 'sqlite ').replace(/\)$/, '')
      : r.store,
    r.name,
    fmt(r.value, r.unit),
    r.unit,
    r.baselineValue === null ? '' : fmt(r.baselineValue, r.unit),
    r.ratio === null ? '' : `${(r.ratio * 100).toFixed(0)} %`,
    r.non2xx === undefined ? '' : r.non2xx.toLocaleString('en-US'),
    r.target ?? '',
    r.pass === null ? (r.note?.startsWith('skipped') ? 'skip' : '') : r.pass ? 'PASS' : 'FAIL',
  ]);
  const width = header.map((h, c) => Math.max(h.length, ...body.map((b) => [...b[c]!].length)));
  const right = new Set([0, 3, 5, 6, 7]);
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (right.has(c) ? cell.padStart(width[c]!) : cell.padEnd(width[c]!)))
      .join(' | ')
      .trimEnd();
  return [line(header), width.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

function notes(rows: Row[]): string {
  const out: string[] = [];
  const seen = new Set<Conditions>();
  rows.forEach((r, i) => {
    // The machine's load during the phase, once per phase (on its first row).
    const c = (r as Row & { conditions?: Conditions }).conditions;
    const first = c !== undefined && !seen.has(c);
    if (c) seen.add(c);
    const parts = [
      r.baseline ? `baseline: ${r.baseline}` : '',
      r.note ?? '',
      first ? `during this phase: ${conditionsText(c)}` : '',
    ].filter((p) => p !== '');
    if (parts.length > 0) out.push(`  [${i + 1}] ${parts.join('; ')}`);
  });
  return out.join('\n');
}

function machine(): Record<string, string | number> {
  const c = cpus();
  const db = new Database(':memory:');
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()}`,
    sqlite,
    tmpdir: tmpdir(),
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const size = sizes(o);
  const started = Date.now();
  const runId = `${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
  const schema = `bench_${runId}`;
  const root = tempDir('run');
  const pgUrl = process.env['PG_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  const m = machine();
  const say = (s: string) => process.stderr.write(`\n▶ ${s}\n`);

  const cleanup = async () => {
    current?.kill('SIGKILL');
    if (!o.keep) removeDir(root);
    if (pgReachable) {
      try {
        const { Client } = await import('pg');
        const client = new Client({ connectionString: pgUrl });
        await client.connect();
        const { rows: schemas } = await client.query<{ n: string }>(
          'SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE $1',
          [`${schema}%`],
        );
        for (const { n } of schemas) await client.query(`DROP SCHEMA IF EXISTS "${n}" CASCADE`);
        await client.end();
      } catch {
        // best effort
      }
    }
  };
  let pgReachable = false;

  process.stderr.write(
    `patent-ledger benchmark${o.quick ? ' (quick)' : ''}${o.national ? ' (national)' : ''}: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, SQLite ${m.sqlite}\ntemporary files: ${root}\n`,
  );

  // Which stores.
  const stores: StoreSpec[] = [];
  if (o.stores !== 'postgres') stores.push({ kind: 'sqlite', synchronous: 'FULL' });
  let pgSkip: string | undefined;
  if (o.stores !== 'sqlite') {
    say(`probing PostgreSQL at ${pgUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')}`);
    const probe = await runPhase('pg-probe', { url: pgUrl, schema: `${schema}_probe` });
    if (probe.details['error'] !== undefined) {
      pgSkip = `PostgreSQL store not usable: ${String(probe.details['error'])}`;
      process.stderr.write(`  ${pgSkip}\n`);
    } else {
      pgReachable = true;
      Object.assign(details, probe.details);
      stores.push({ kind: 'postgres', pgUrl });
    }
  }

  /** Writes bench/results.json (after every phase, so an interrupted run keeps what it measured). */
  const writeResults = (status: string) => {
    const result = {
      generatedAt: new Date().toISOString(),
      status,
      command: `npm run bench --${o.quick ? ' --quick' : ''}${o.national ? ' --national' : ''}`,
      durationMinutes: Math.round(((Date.now() - started) / 60_000) * 10) / 10,
      machine: m,
      store: stores.map((s) =>
        s.kind === 'sqlite'
          ? 'sqlite (better-sqlite3, WAL; synchronous FULL = product default, NORMAL rows where marked)'
          : String(details['postgres'] ?? 'postgres'),
      ),
      sizes: size,
      rows,
      details,
    };
    writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  };

  const render = (result: ReturnType<typeof writeResults>): string => {
    const out: string[] = [];
    out.push(
      `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, Node ${m.node}, ${m.os}, SQLite ${m.sqlite}${details['postgres'] ? `, ${String(details['postgres'])}` : ''}`,
    );
    out.push(
      `run: ${result.command} (${result.durationMinutes} min)${result.status === 'complete' ? '' : ` — ${result.status}`}\n`,
    );
    out.push(table(rows));
    out.push('\nnotes:');
    out.push(notes(rows));
    for (const [key, value] of Object.entries(details)) {
      if (!key.startsWith('pool ')) continue;
      out.push(`\nresource-pool query shapes on ${key.slice(5)} (ms):`);
      for (const d of value as {
        query: string;
        p50: number;
        p99: number;
        total: number;
        samples: number;
      }[]) {
        out.push(
          `  ${d.query.padEnd(48)} p50 ${fmt(d.p50, 'ms').padStart(7)}  p99 ${fmt(d.p99, 'ms').padStart(7)}  (${d.samples} queries; ${d.total.toLocaleString('en-US')} matching)`,
        );
      }
    }
    out.push(`\nwrote ${RESULTS}`);
    return `${out.join('\n')}\n`;
  };

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      current?.kill('SIGKILL');
      process.stdout.write(render(writeResults(`interrupted by ${sig}`)));
      void cleanup().finally(() => process.exit(130));
    });
  }

  const collect = (out: PhaseOutput, fallback: () => Row[]) => {
    if (stopping) return false;
    const { error, ...rest } = out.details;
    Object.assign(details, rest);
    const ok = error === undefined;
    if (!ok) process.stderr.write(`  phase failed: ${String(error)}\n`);
    rows.push(...(ok || out.rows.length > 0 ? out.rows : fallback()));
    writeResults('partial');
    return ok;
  };

  const importFile = join(root, `inventory-${size.importPatents}.csv`);
  const ledgerFile = join(root, 'ledger.db');
  let ledgerBuilt: string | undefined;
  /** The SQLite read models the projection phase caught up over ledgerFile (the console phase reuses them). */
  let projectedSqlite: string | undefined;
  for (const spec of stores) {
    const label = spec.kind === 'sqlite' ? 'sqlite' : 'postgres';
    const dir = join(root, label);
    mkdirSync(dir, { recursive: true });
    const base = { dir, schema: `${schema}_${label === 'sqlite' ? 's' : 'p'}` };
    const sl = (s: StoreSpec) =>
      s.kind === 'sqlite' ? `sqlite (WAL, synchronous=${s.synchronous})` : 'postgres';

    if (o.only.has('import')) {
      say(`${sl(spec)}: bulk import of ${size.importPatents.toLocaleString('en-US')} patents`);
      const file = await runPhase('import-file', { file: importFile, patents: size.importPatents });
      const ok = file.details['error'] === undefined;
      if (!ok) {
        collect(file, () => [
          skipped(
            sl(spec),
            'import',
            'bulk import',
            'patents/s',
            `could not write the import file: ${String(file.details['error'])}`,
          ),
        ]);
      } else {
        const out = await runPhase('import', {
          ...base,
          spec,
          file: importFile,
          patents: size.importPatents,
          national: o.national,
        });
        collect(out, () => [
          skipped(
            sl(spec),
            'import',
            `bulk import of ${size.importPatents.toLocaleString('en-US')} patents`,
            'patents/s',
            `libs/bulk import failed: ${String(out.details['error'])}`,
            { kind: 'ratioAtLeast', value: 0.5 },
          ),
        ]);
      }
    }
    if (o.only.has('appends')) {
      for (const synchronous of spec.kind === 'sqlite' ? o.synchronous : [undefined]) {
        const s: StoreSpec = synchronous ? { ...spec, synchronous } : spec;
        say(
          `${sl(s)}: per-stream appends, ${size.appendStreams.toLocaleString('en-US')} streams × 10 events, port vs raw driver`,
        );
        const out = await runPhase('appends', {
          ...base,
          spec: s,
          streams: size.appendStreams,
          eventsPerStream: 10,
          blocks: size.appendBlocks,
        });
        collect(out, () => [
          skipped(sl(s), 'appends', 'per-stream appends', 'appends/s', String(out.details['error']), {
            kind: 'ratioAtLeast',
            value: 0.7,
          }),
        ]);
      }
    }
    if (o.only.has('command')) {
      for (const synchronous of spec.kind === 'sqlite' ? o.synchronous : [undefined]) {
        const s: StoreSpec = synchronous ? { ...spec, synchronous } : spec;
        const replay = synchronous === undefined || synchronous === o.synchronous[0];
        say(`${sl(s)}: single commands through handleCommand${replay ? ', then replays' : ''}`);
        const out = await runPhase('command', {
          ...base,
          spec: s,
          patents: size.commandPatents,
          commands: size.commands,
          warmup: size.commandWarmup,
          replay10: size.replay10,
          replay100: size.replay100,
          replayIterations10: size.replayIterations10,
          replayIterations100: size.replayIterations100,
          replay,
        });
        collect(out, () => [
          skipped(sl(s), 'command', 'single command / replay', 'ms', String(out.details['error'])),
        ]);
      }
    }
    if (o.only.has('http')) {
      for (const connections of size.connections) {
        say(`${sl(spec)}: HTTP, ${connections} connections, ${size.httpDurationSec} s per endpoint`);
        const out = await runPhase('http', {
          ...base,
          spec,
          patents: size.httpPatents,
          connections,
          durationSec: size.httpDurationSec,
          warmupSec: size.httpWarmupSec,
          // Diagnostics: BENCH_HTTP_PROJECTOR=worker|inline|off sets LEDGER_PROJECTOR for the api.
          ...(process.env['BENCH_HTTP_PROJECTOR'] ? { projector: process.env['BENCH_HTTP_PROJECTOR'] } : {}),
        });
        collect(out, () => [
          skipped(
            sl(spec),
            'http',
            `command over HTTP, ${connections} connections`,
            'requests/s',
            String(out.details['error']),
            { kind: 'ratioAtLeast', value: 0.4 },
          ),
        ]);
      }
    }
    // Store-independent: measured once, with the first store's run.
    if (o.only.has('adapters') && spec === stores[0]) {
      for (const connections of size.connections) {
        say(`HTTP adapters (Express, Fastify, bare node:http), ${connections} connections`);
        const out = await runPhase('adapters', {
          connections,
          durationSec: size.httpDurationSec,
          warmupSec: size.httpWarmupSec,
        });
        collect(out, () => [
          skipped(
            '—',
            'adapters',
            `Nest adapters, ${connections} connections`,
            'requests/s',
            String(out.details['error']),
          ),
        ]);
      }
    }
    if (o.only.has('projection') || o.only.has('pool')) {
      // One generated ledger for both stores: built through the SQLite store, copied into PostgreSQL.
      const where = spec.kind === 'sqlite' ? ledgerFile : `${base.schema}_ledger`;
      const readModels =
        spec.kind === 'sqlite'
          ? { kind: 'sqlite' as const, file: join(dir, 'read-models.db') }
          : { kind: 'postgres' as const, url: pgUrl, schema: `${base.schema}_rm` };
      const rmLabel = `read models (${readModels.kind})`;
      let ledger: PhaseOutput = { rows: [], details: {} };
      if (!ledgerBuilt) {
        say(
          `building a ledger of ${size.ledgerPatents.toLocaleString('en-US')} generated patents through the SQLite store (≈ ${Math.round((size.ledgerPatents * 3.22) / 1000).toLocaleString('en-US')} k events; set-up, not timed)`,
        );
        ledger = await runPhase('ledger', {
          spec: { kind: 'sqlite', synchronous: 'NORMAL' },
          where: ledgerFile,
          patents: size.ledgerPatents,
        });
        ledgerBuilt = ledger.details['error'] === undefined ? 'ok' : String(ledger.details['error']);
      }
      if (ledgerBuilt === 'ok' && spec.kind === 'postgres') {
        say('copying the ledger into the PostgreSQL store (set-up, not timed)');
        ledger = await runPhase('ledger-copy', { source: ledgerFile, url: pgUrl, schema: where });
      }
      if (ledgerBuilt === 'ok' && collect(ledger, () => [])) {
        say(`${sl(spec)}: projection catch-up into ${rmLabel}`);
        const out = await runPhase('projection', { spec, where, readModels });
        const projected = collect(out, () => [
          skipped(sl(spec), 'projection', 'projection catch-up', 'events/s', String(out.details['error']), {
            kind: 'atLeast',
            value: 50_000,
          }),
        ]);
        if (projected && readModels.kind === 'sqlite') projectedSqlite = readModels.file;
        if (projected && o.only.has('pool')) {
          say(`resource-pool queries on ${rmLabel}`);
          const pool = await runPhase('pool', {
            readModels,
            perQuery: size.poolPerQuery,
            maxSecondsPerShape: size.poolSecondsPerShape,
          });
          const { pool: shapes, ...restDetails } = pool.details;
          if (shapes !== undefined) details[`pool ${rmLabel}`] = shapes;
          collect({ rows: pool.rows, details: restDetails }, () => [
            skipped(rmLabel, 'pool', 'resource-pool query', 'ms', String(pool.details['error']), {
              kind: 'below',
              value: 50,
            }),
          ]);
        }
      } else {
        const why = ledgerBuilt !== 'ok' ? ledgerBuilt : String(ledger.details['error']);
        rows.push(
          skipped(
            sl(spec),
            'projection',
            'projection catch-up',
            'events/s',
            `building the ledger failed: ${why}`,
            { kind: 'atLeast', value: 50_000 },
          ),
        );
      }
    }
    if (o.only.has('console') && spec.kind === 'sqlite') {
      const consoleRow = (why: string) =>
        skipped(sl(spec), 'console', 'console dashboard and pool search in the browser', 'ms', why, {
          kind: 'below',
          value: 2000,
        });
      // The pool phase's ledger and read models when they are there at this size; else its own (set-up).
      const same = size.consolePatents === size.ledgerPatents;
      const ledger = same ? ledgerFile : join(root, `ledger-${size.consolePatents}.db`);
      let readModelsFile = same ? projectedSqlite : undefined;
      let setUp = 'ok';
      if (!readModelsFile) {
        if (!same || ledgerBuilt === undefined) {
          say(
            `building a ledger of ${size.consolePatents.toLocaleString('en-US')} generated patents for the console (set-up, not timed)`,
          );
          const built = await runPhase('ledger', {
            spec: { kind: 'sqlite', synchronous: 'NORMAL' },
            where: ledger,
            patents: size.consolePatents,
          });
          setUp = built.details['error'] === undefined ? 'ok' : String(built.details['error']);
          if (same) ledgerBuilt = setUp;
        } else setUp = ledgerBuilt;
        if (setUp === 'ok') {
          say(
            'catching the read models up for the console (set-up, not timed; its figures are not reported)',
          );
          const file = join(dir, 'console-read-models.db');
          const caught = await runPhase('projection', {
            spec,
            where: ledger,
            readModels: { kind: 'sqlite', file },
          });
          setUp = caught.details['error'] === undefined ? 'ok' : String(caught.details['error']);
          if (setUp === 'ok') readModelsFile = file;
        }
      }
      if (readModelsFile) {
        say(
          `${sl(spec)}: the console in Chromium: dashboard (${size.consoleLoads} cold, ${size.consoleLoads} warm loads), ${size.consoleSearches} pool searches`,
        );
        const out = await runPhase('console', {
          dir,
          ledger,
          readModels: readModelsFile,
          patents: size.consolePatents,
          loads: size.consoleLoads,
          searches: size.consoleSearches,
        });
        collect(out, () => [consoleRow(String(out.details['error']))]);
      } else rows.push(consoleRow(`building its ledger or read models failed: ${setUp}`));
    }
    if (o.only.has('publishers') && spec.kind === 'sqlite') {
      say(
        `${sl(spec)}: publishers to NATS JetStream and RabbitMQ: throughput, end-to-end latency, append path`,
      );
      const out = await runPhase('publishers', {
        dir,
        events: size.publisherEvents,
        latencyEvents: size.publisherLatencyEvents,
        appends: size.publisherAppends,
        blocks: size.publisherBlocks,
      });
      collect(out, () => [
        skipped(sl(spec), 'publishers', 'publishers', 'events/s', String(out.details['error'])),
      ]);
    }
    if (o.only.has('transparency') && spec.kind === 'sqlite') {
      say(`${sl(spec)}: transparency log: appends with the Merkle log on/off, proofs, verify throughput`);
      const out = await runPhase('transparency', {
        dir,
        streams: size.transparencyStreams,
        blocks: size.transparencyBlocks,
        events: size.transparencyEvents,
        proofs: size.transparencyProofs,
      });
      collect(out, () => [
        skipped(sl(spec), 'transparency', 'transparency log', 'appends/s', String(out.details['error'])),
      ]);
    }
    removeDir(dir);
  }
  if (pgSkip !== undefined) rows.push(skipped('postgres', 'all', 'PostgreSQL rows', '', pgSkip));

  await cleanup();
  process.stdout.write(render(writeResults('complete')));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
