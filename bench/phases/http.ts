/**
 * The command over HTTP: the api built by `createApp` (the product's middleware, body parser,
 * validation pipe, problem filter, CQRS bus, projector (its own thread by default) and chain-head recorder) listening on
 * 127.0.0.1, loaded by autocannon from another process with N connections; against two baselines
 * receiving the same requests: a bare `node:http` endpoint in the same process that parses the same
 * JSON and does one insert with the same durability (better-sqlite3 for the SQLite store, one `pg`
 * INSERT for PostgreSQL), and a bare endpoint of the same Nest app (a controller that does no work).
 * Every run (one per connection count) starts from its own freshly seeded store, so no evaluation id
 * is replayed; only 2xx answers count as throughput, and any other answer fails the row.
 */
import { createServer, type Server } from 'node:http';
import Database from 'better-sqlite3';
import { startProfile } from '../lib/profile';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, HttpCode, Param, Post, type DynamicModule } from '@nestjs/common';
import { emit, log, peakRow, resetPeakRss, round, row, type Row } from '../lib/common';
import { load, merge, type LoadSummary } from '../lib/load';
import { registerInstitution, seedPatents } from '../lib/fixtures';
import { dropSchema, openStore, pgUrl, sqliteFile, storeLabel, type StoreSpec } from '../lib/stores';
import { AppModule, type AppModuleOptions } from '../../apps/api/src/app.module';
import { tmpdir } from 'node:os';
import { createApp } from '../../apps/api/src/app.factory';
import { loadConfig } from '../../apps/api/src/config';
import { ReadModelsService } from '../../apps/api/src/read-models/read-models.service';

/** The bare endpoint: routed, piped and filtered by Nest like any other, does nothing. */
@Controller('bench')
class BenchNoopController {
  @Post('noop/:id')
  @HttpCode(201)
  noop(@Param('id') id: string): { ok: true; id: string } {
    return { ok: true, id };
  }
}

/** Adds the bare controller to the app's own module, so createApp builds everything else as in production. */
function withBenchController(): void {
  const register = AppModule.register.bind(AppModule);
  AppModule.register = (options: AppModuleOptions): DynamicModule => {
    const mod = register(options);
    return { ...mod, controllers: [...(mod.controllers ?? []), BenchNoopController] };
  };
}

/** A started bare baseline: its URL, and how to stop it. */
interface RawBaseline {
  url: string;
  close(): Promise<void>;
}

/**
 * The bare node:http baseline: reads the body, parses the JSON, inserts one row (the application
 * number, the evaluation id as its primary key, the body) and answers 201 with a JSON body. SQLite
 * runs in WAL mode with the store's synchronous setting; PostgreSQL uses a pool of the store's size.
 */
async function startRawBaseline(spec: StoreSpec, dir: string, schema: string): Promise<RawBaseline> {
  let insert: (an: string, id: string, body: string) => Promise<void>;
  let closeDb: () => Promise<void>;
  if (spec.kind === 'sqlite') {
    const db = new Database(join(dir, `http-raw-${process.pid}.db`));
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${spec.synchronous ?? 'FULL'}`);
    db.exec('CREATE TABLE IF NOT EXISTS raw (id TEXT PRIMARY KEY, an TEXT NOT NULL, body TEXT NOT NULL)');
    const stmt = db.prepare('INSERT INTO raw (id, an, body) VALUES (?, ?, ?)');
    insert = (an, id, body) => {
      stmt.run(id, an, body);
      return Promise.resolve();
    };
    closeDb = () => Promise.resolve(void db.close());
  } else {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: pgUrl(spec), max: 10 });
    const table = `"${schema}".raw`;
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, an text NOT NULL, body jsonb NOT NULL)`,
    );
    const sql = `INSERT INTO ${table} (id, an, body) VALUES ($1, $2, $3)`;
    insert = async (an, id, body) => void (await pool.query(sql, [id, an, body]));
    closeDb = () => pool.end();
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const an = decodeURIComponent((req.url ?? '').split('/')[2] ?? '');
      const fail = (status: number, detail: string) => {
        res.writeHead(status, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ status, detail }));
      };
      let body: { evaluationId?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { evaluationId?: unknown };
      } catch {
        return fail(400, 'the body is not JSON');
      }
      if (req.method !== 'POST' || typeof body.evaluationId !== 'string' || an === '')
        return fail(400, 'bad request');
      const raw = JSON.stringify(body);
      insert(an, body.evaluationId, raw).then(
        () => {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ applicationNumber: an, evaluationId: body.evaluationId }));
        },
        (err: unknown) => fail(409, err instanceof Error ? err.message : String(err)),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await closeDb();
    },
  };
}

/** Application-number series of the HTTP phase's patents (the load generator derives them too). */
const HTTP_SERIES = 3;

export interface HttpArgs {
  spec: StoreSpec;
  dir: string;
  schema: string;
  patents: number;
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** Alternating noop/command rounds sharing durationSec (default 3). */
  rounds?: number;
  /** Diagnostics only: LEDGER_PROJECTOR (default: the api's default, as in production). */
  projector?: 'worker' | 'inline' | 'off';
}

const CLOCK_TICKS = 100;

/** CPU time (µs, user + system) of one thread of this process, from /proc (Linux); 0 elsewhere. */
function taskCpuMicros(tid: string): { name: string; micros: number } {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // utime and stime (fields 14 and 15 of stat; 12 and 13 after the command name), in clock ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { name, micros: ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS };
  } catch {
    return { name: '', micros: 0 };
  }
}

/** CPU time (µs) of the main thread — the one that serves HTTP; worker threads are not counted. */
const mainThreadCpuMicros = (): number => taskCpuMicros(String(process.pid)).micros;

/** CPU time (µs) of every thread of this process, by thread id and name (Linux; empty elsewhere). */
function threadCpuMicros(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    // not Linux
  }
  for (const tid of tids) {
    const { name, micros } = taskCpuMicros(tid);
    out.set(`${tid} ${name}`, micros);
  }
  return out;
}

export async function httpPhase(args: HttpArgs): Promise<void> {
  const { spec } = args;
  const label = storeLabel(spec);
  // Each connection count gets its own store, read models and baseline table (fresh data).
  const c = args.connections;
  const where = spec.kind === 'sqlite' ? sqliteFile(args.dir, `http-c${c}`) : `${args.schema}_http_c${c}`;
  const rows: Row[] = [];
  const seeding = (await openStore(spec, where, { synchronous: 'NORMAL' })).store;
  await registerInstitution(seeding);
  const patents = await seedPatents(seeding, { series: HTTP_SERIES, count: args.patents, evaluations: 0 });
  log(`seeded ${patents.length.toLocaleString('en-US')} patents for HTTP`);
  await seeding.close();
  const tokenKeyFile = join(tmpdir(), `patent-ledger-bench-token-key-${process.pid}.pem`);
  const env: NodeJS.ProcessEnv = {
    LEDGER_STORE: spec.kind,
    LEDGER_DB: spec.kind === 'sqlite' ? where : join(args.dir, 'unused.db'),
    LEDGER_SQLITE_SYNCHRONOUS: spec.synchronous ?? 'FULL',
    LEDGER_READ_DB: join(args.dir, `http-read-models-${spec.kind}-c${c}.db`),
    LEDGER_SIGNING_KEY_FILE: join(args.dir, 'signing-key.pem'),
    // Token verification is on, as in production; the key lives outside the data folder.
    LEDGER_TOKEN_KEY_FILE: tokenKeyFile,
    LEDGER_LOG_LEVEL: 'error',
    ...(args.projector ? { LEDGER_PROJECTOR: args.projector } : {}),
    // Diagnostics: BENCH_HTTP_SQLITE_WRITER sets LEDGER_SQLITE_WRITER (default: the api's).
    ...(process.env['BENCH_HTTP_SQLITE_WRITER']
      ? { LEDGER_SQLITE_WRITER: process.env['BENCH_HTTP_SQLITE_WRITER'] }
      : {}),
    // Diagnostics: BENCH_HTTP_PROJECTOR_DELAY_MS sets LEDGER_PROJECTOR_DELAY_MS (default: the api's).
    ...(process.env['BENCH_HTTP_PROJECTOR_DELAY_MS']
      ? { LEDGER_PROJECTOR_DELAY_MS: process.env['BENCH_HTTP_PROJECTOR_DELAY_MS'] }
      : {}),
    HOST: '127.0.0.1',
    PORT: '0',
    ...(spec.kind === 'postgres' ? { LEDGER_PG_URL: pgUrl(spec), LEDGER_PG_SCHEMA: where } : {}),
  };
  const config = loadConfig(env);
  withBenchController();
  // The store and the read models are opened by createApp from the configuration, as in production.
  const app = await createApp(config, { logger: false });
  const raw = await startRawBaseline(spec, args.dir, `${where}_raw`);
  try {
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    const url = `http://127.0.0.1:${address.port}`;
    // Let the projector catch up with the seeded events first.
    const rm = app.get(ReadModelsService);
    for (;;) {
      const status = await rm.status();
      if (args.projector === 'off' || (status.length > 0 && status.every((s) => s.lag === 0))) break;
      if (status.some((s) => s.state === 'failed'))
        throw new Error(`projection failed: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    log(`api listening on ${url}; projections caught up`);

    const base = {
      tokenKeyFile,
      tokensFile: join(args.dir, `http-tokens-c${c}.json`),
      url,
      connections: args.connections,
      series: HTTP_SERIES,
      patents: patents.length,
      tag: `${spec.kind}-${process.pid}`,
    };
    resetPeakRss();
    /** CPU time of the api process (all its threads) per request, a figure less sensitive to other load. */
    const cpuPerRequest: Record<string, number> = {};
    const results: Record<string, LoadSummary> = {};
    let startK = 0;
    const TARGETS = ['raw', 'noop', 'command'] as const;
    const urlOf = (target: (typeof TARGETS)[number]) => (target === 'raw' ? raw.url : url);
    for (const target of TARGETS) {
      await load({ ...base, url: urlOf(target), target, durationSec: args.warmupSec, startK });
      startK += 10_000_000;
    }
    // Alternating rounds, so that the endpoint and its baseline see the same conditions (other load
    // on the machine comes and goes); the figures add the rounds up.
    const rounds = Math.max(1, args.rounds ?? 3);
    const perRound = Math.max(1, Math.round(args.durationSec / rounds));
    const cpu: Record<string, number> = { raw: 0, noop: 0, command: 0 };
    const mainCpu: Record<string, number> = { raw: 0, noop: 0, command: 0 };
    for (let i = 0; i < rounds; i++) {
      for (const target of TARGETS) {
        const profiling =
          target === 'command' && process.env['BENCH_HTTP_PROFILE'] ? await startProfile() : undefined;
        const cpu0 = process.cpuUsage();
        const main0 = mainThreadCpuMicros();
        const threads0 = threadCpuMicros();
        const r = await load({ ...base, url: urlOf(target), target, durationSec: perRound, startK });
        const used = process.cpuUsage(cpu0);
        mainCpu[target]! += mainThreadCpuMicros() - main0;
        if (profiling) await profiling.stop(`${process.env['BENCH_HTTP_PROFILE']}-round${i + 1}.cpuprofile`);
        if (process.env['BENCH_HTTP_THREADS']) {
          const per = [...threadCpuMicros()]
            .map(([k, v]) => [k, (v - (threads0.get(k) ?? 0)) / Math.max(1, r.total)] as const)
            .filter(([, v]) => v > 5)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => `${k}: ${Math.round(v)}`);
          log(`${target} CPU µs/request by thread: ${per.join(', ')}`);
        }
        startK += 10_000_000;
        cpu[target]! += used.user + used.system;
        results[target] = merge(results[target], r);
        log(
          `${target} (round ${i + 1}/${rounds}): ${Math.round(r.requestsPerSec)} req/s, p99 ${r.latencyP99} ms, ${r.non2xx} non-2xx, ${r.errors} errors`,
        );
      }
    }
    for (const target of TARGETS) {
      cpuPerRequest[target] = cpu[target]! / Math.max(1, results[target]!.total);
      const r = results[target]!;
      log(
        `${target}: ${Math.round(r.requestsPerSec)} req/s, p99 ${r.latencyP99} ms (worst round); api CPU ${Math.round(cpuPerRequest[target]!)} µs/request, of which its main thread ${Math.round(mainCpu[target]! / Math.max(1, r.total))}`,
      );
    }
    const noop = results['noop']!;
    const command = results['command']!;
    const bare = results['raw']!;
    const failed = (r: LoadSummary) => r.non2xx + r.errors + r.timeouts;
    const problems = (what: string, r: LoadSummary) =>
      failed(r) > 0 ? `; ${what}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts` : '';
    const cpuNote = (t: string) => `${Math.round(cpuPerRequest[t]!)} µs`;
    rows.push(
      row({
        store: label,
        phase: 'http',
        name: `POST /patents/:id/evaluations over HTTP, ${c} connections, ${rounds} × ${perRound} s`,
        value: round(command.requestsPerSec),
        unit: 'requests/s',
        baseline: `bare node:http endpoint in the same process: parses the same JSON, one ${spec.kind === 'sqlite' ? 'better-sqlite3' : 'pg'} INSERT with the same durability (${c} connections)`,
        baselineValue: round(bare.requestsPerSec),
        target: { kind: 'ratioAtLeast', value: 0.6 },
        non2xx: failed(command) + failed(bare),
        note: `2xx only: ${command.ok2xx.toLocaleString('en-US')} vs ${bare.ok2xx.toLocaleString('en-US')} requests; process CPU ${cpuNote('command')} vs ${cpuNote('raw')} per request${problems('command', command)}${problems('baseline', bare)}`,
      }),
      row({
        store: label,
        phase: 'http',
        name: `bare Nest route POST /bench/noop/:id (guard, throttler, metrics, logs, pipes on), ${c} connections`,
        value: round(noop.requestsPerSec),
        unit: 'requests/s',
        baseline: 'the bare node:http endpoint above',
        baselineValue: round(bare.requestsPerSec),
        non2xx: failed(noop),
        note: `2xx only: ${noop.ok2xx.toLocaleString('en-US')} requests; process CPU ${cpuNote('noop')} per request; the command reaches ${noop.requestsPerSec > 0 ? Math.round((command.requestsPerSec / noop.requestsPerSec) * 100) : 0} % of this route${problems('noop', noop)}`,
      }),
      row({
        store: label,
        phase: 'http',
        name: `POST /patents/:id/evaluations over HTTP, ${c} connections: p99 latency (worst round)`,
        value: command.latencyP99,
        unit: 'ms',
        baseline: 'bare node:http endpoint p99',
        baselineValue: bare.latencyP99,
        note: `p50 ${command.latencyP50} ms vs ${bare.latencyP50} ms (bare Nest route p50 ${noop.latencyP50} ms, p99 ${noop.latencyP99} ms)`,
      }),
      peakRow(label, 'http', `api process under HTTP load (${c} connections)`, { kind: 'below', value: 400 }),
    );
    if (command.ok2xx === 0) throw new Error('no command succeeded over HTTP');
  } finally {
    await app.close().catch(() => undefined);
    await raw.close().catch(() => undefined);
    if (spec.kind === 'postgres') {
      await dropSchema(pgUrl(spec), where).catch(() => undefined);
      await dropSchema(pgUrl(spec), `${where}_raw`).catch(() => undefined);
    }
  }
  emit(rows);
}
