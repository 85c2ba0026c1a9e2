/**
 * The command over HTTP: the api built by `createApp` (the product's middleware, body parser,
 * validation pipe, problem filter, CQRS bus, inline projector and chain-head recorder) listening on
 * 127.0.0.1, loaded by autocannon from another process with N connections; against a bare endpoint of
 * the same Nest app (a controller that does no work) receiving the same requests.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Controller, HttpCode, Param, Post, type DynamicModule } from '@nestjs/common';
import { emit, log, peakRow, resetPeakRss, round, row, type Row } from '../lib/common';
import { registerInstitution, seedPatents } from '../lib/fixtures';
import { dropSchema, openStore, pgUrl, sqliteFile, storeLabel, type StoreSpec } from '../lib/stores';
import { AppModule, type AppModuleOptions } from '../../apps/api/src/app.module';
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
  /** Diagnostics only: LEDGER_PROJECTOR (default inline, as in production). */
  projector?: 'inline' | 'off';
}

interface LoadSummary {
  requestsPerSec: number;
  total: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
}

function load(args: object): Promise<LoadSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'http-load.js'), JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadSummary);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

export async function httpPhase(args: HttpArgs): Promise<void> {
  const { spec } = args;
  const label = storeLabel(spec);
  const where = spec.kind === 'sqlite' ? sqliteFile(args.dir, 'http') : `${args.schema}_http`;
  const rows: Row[] = [];
  const seeding = (await openStore(spec, where, { synchronous: 'NORMAL' })).store;
  await registerInstitution(seeding);
  const patents = await seedPatents(seeding, { series: HTTP_SERIES, count: args.patents, evaluations: 0 });
  log(`seeded ${patents.length.toLocaleString('en-US')} patents for HTTP`);
  let store = seeding;
  if (spec.kind === 'sqlite') {
    await seeding.close();
    store = (await openStore(spec, where)).store;
  }
  const env: NodeJS.ProcessEnv = {
    LEDGER_STORE: spec.kind,
    LEDGER_DB: spec.kind === 'sqlite' ? where : join(args.dir, 'unused.db'),
    LEDGER_SQLITE_SYNCHRONOUS: spec.synchronous ?? 'FULL',
    LEDGER_READ_DB: join(args.dir, `http-read-models-${spec.kind}.db`),
    LEDGER_SIGNING_KEY_FILE: join(args.dir, 'signing-key.pem'),
    LEDGER_LOG_LEVEL: 'error',
    LEDGER_PROJECTOR: args.projector ?? 'inline',
    HOST: '127.0.0.1',
    PORT: '0',
    ...(spec.kind === 'postgres' ? { LEDGER_PG_URL: pgUrl(spec), LEDGER_PG_SCHEMA: where } : {}),
  };
  const config = loadConfig(env);
  withBenchController();
  // The read models are opened by createApp from the configuration (SQLite next to the ledger).
  const app = await createApp(config, { store, logger: false });
  try {
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    const url = `http://127.0.0.1:${address.port}`;
    // Let the inline projector catch up with the seeded events first.
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
      url,
      connections: args.connections,
      series: HTTP_SERIES,
      patents: patents.length,
      tag: `${spec.kind}-${process.pid}`,
    };
    resetPeakRss();
    const results: Record<string, LoadSummary> = {};
    let startK = 0;
    for (const target of ['noop', 'command'] as const) {
      await load({ ...base, target, durationSec: args.warmupSec, startK });
      startK += 10_000_000;
      const r = await load({ ...base, target, durationSec: args.durationSec, startK });
      startK += 10_000_000;
      results[target] = r;
      log(
        `${target}: ${Math.round(r.requestsPerSec)} req/s, p99 ${r.latencyP99} ms, ${r.non2xx} non-2xx, ${r.errors} errors`,
      );
    }
    const noop = results['noop']!;
    const command = results['command']!;
    const problems = (r: LoadSummary) =>
      r.non2xx + r.errors + r.timeouts > 0
        ? `; ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`
        : '';
    const c = args.connections;
    rows.push(
      row({
        store: label,
        phase: 'http',
        name: `POST /patents/:id/evaluations over HTTP, ${c} connections, ${args.durationSec} s`,
        value: round(command.requestsPerSec),
        unit: 'requests/s',
        baseline: `bare Nest endpoint POST /bench/noop/:id of the same app, same requests (${c} connections)`,
        baselineValue: round(noop.requestsPerSec),
        target: { kind: 'ratioAtLeast', value: 0.4 },
        note: `${command.total.toLocaleString('en-US')} vs ${noop.total.toLocaleString('en-US')} requests${problems(command)}${problems(noop)}`,
      }),
      row({
        store: label,
        phase: 'http',
        name: `POST /patents/:id/evaluations over HTTP, ${c} connections: p99 latency`,
        value: command.latencyP99,
        unit: 'ms',
        baseline: 'bare endpoint p99',
        baselineValue: noop.latencyP99,
        note: `p50 ${command.latencyP50} ms vs ${noop.latencyP50} ms`,
      }),
      peakRow(label, 'http', 'api process under HTTP load'),
    );
    if (command.ok2xx === 0) throw new Error('no command succeeded over HTTP');
  } finally {
    await app.close().catch(() => undefined);
    if (spec.kind === 'postgres') await dropSchema(pgUrl(spec), where).catch(() => undefined);
  }
  emit(rows);
}
