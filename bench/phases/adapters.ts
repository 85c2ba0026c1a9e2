/**
 * Nest's HTTP adapters side by side: the same minimal Nest app (one controller at
 * `POST /patents/:id/evaluations`, the api's global validation pipe on the api's own
 * `EvaluatePatentDto`, a 201 JSON answer, no store) on `@nestjs/platform-express` (what the api
 * runs) and on `@nestjs/platform-fastify`, and a bare `node:http` endpoint that parses the same JSON
 * and answers the same way, as the ceiling. The same requests as the HTTP phase (autocannon in
 * another process, bearer token and idempotency key sent), rounds alternating between the three, so
 * that all see the same conditions. What is measured is what an adapter costs per request, the part
 * of the api's request path a switch of adapter could change.
 */
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Body, Controller, HttpCode, Module, Param, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { emit, log, round, row, type Row } from '../lib/common';
import { load, merge, type LoadSummary } from '../lib/load';
import { EvaluatePatentDto } from '../../apps/api/src/patents/dto';
import { ledgerValidationPipe } from '../../apps/api/src/common/validation';

@Controller('patents')
class EvaluationsController {
  @Post(':id/evaluations')
  @HttpCode(201)
  evaluate(@Param('id') id: string, @Body() body: EvaluatePatentDto): object {
    return { applicationNumber: id, evaluationId: body.evaluationId };
  }
}

@Module({ controllers: [EvaluationsController] })
class AdaptersBenchModule {}

export interface AdaptersArgs {
  connections: number;
  durationSec: number;
  warmupSec: number;
  rounds?: number;
}

const SERIES = 3;
const PATENTS = 5_000;

async function startNest(adapter: 'express' | 'fastify'): Promise<{ app: INestApplication; url: string }> {
  const app =
    adapter === 'express'
      ? await NestFactory.create(AdaptersBenchModule, new ExpressAdapter(), { logger: false })
      : await NestFactory.create(AdaptersBenchModule, new FastifyAdapter(), { logger: false });
  app.useGlobalPipes(ledgerValidationPipe());
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

async function startBare(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const an = decodeURIComponent((req.url ?? '').split('/')[2] ?? '');
      let body: { evaluationId?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { evaluationId?: unknown };
      } catch {
        res.writeHead(400, { 'content-type': 'application/problem+json' });
        return res.end('{"status":400}');
      }
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ applicationNumber: an, evaluationId: body.evaluationId }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}` };
}

export async function adaptersPhase(args: AdaptersArgs): Promise<void> {
  const c = args.connections;
  const express = await startNest('express');
  const fastify = await startNest('fastify');
  const bare = await startBare();
  const targets = { bare: bare.url, express: express.url, fastify: fastify.url } as const;
  type Target = keyof typeof targets;
  const names = Object.keys(targets) as Target[];
  const base = {
    tokenKeyFile: join(tmpdir(), `patent-ledger-bench-adapters-key-${process.pid}.pem`),
    tokensFile: join(tmpdir(), `patent-ledger-bench-adapters-tokens-${process.pid}.json`),
    connections: c,
    series: SERIES,
    patents: PATENTS,
    tag: `adapters-${process.pid}`,
    // The same requests as the command: the path, headers and body of POST /patents/:id/evaluations.
    target: 'command',
  };
  const results: Partial<Record<Target, LoadSummary>> = {};
  const cpu: Record<Target, number> = { bare: 0, express: 0, fastify: 0 };
  try {
    let startK = 0;
    for (const t of names) {
      await load({ ...base, url: targets[t], durationSec: args.warmupSec, startK });
      startK += 10_000_000;
    }
    const rounds = Math.max(1, args.rounds ?? 3);
    const perRound = Math.max(1, Math.round(args.durationSec / rounds));
    for (let i = 0; i < rounds; i++) {
      for (const t of names) {
        const cpu0 = process.cpuUsage();
        const r = await load({ ...base, url: targets[t], durationSec: perRound, startK });
        const used = process.cpuUsage(cpu0);
        cpu[t] += used.user + used.system;
        startK += 10_000_000;
        results[t] = merge(results[t], r);
        log(`${t} (round ${i + 1}/${rounds}): ${Math.round(r.requestsPerSec)} req/s, ${r.non2xx} non-2xx`);
      }
    }
  } finally {
    await express.app.close().catch(() => undefined);
    await fastify.app.close().catch(() => undefined);
    await new Promise<void>((r) => bare.server.close(() => r()));
  }
  const perRequest = (t: Target) => Math.round(cpu[t] / Math.max(1, results[t]!.total));
  const failed = (r: LoadSummary) => r.non2xx + r.errors + r.timeouts;
  const b = results.bare!;
  const rows: Row[] = (['express', 'fastify'] as const).map((t) => {
    const r = results[t]!;
    return row({
      store: '—',
      phase: 'adapters',
      name: `minimal Nest app on ${t === 'express' ? '@nestjs/platform-express' : '@nestjs/platform-fastify'}: POST /patents/:id/evaluations, the api's validation pipe and DTO, no store, ${c} connections`,
      value: round(r.requestsPerSec),
      unit: 'requests/s',
      baseline: `bare node:http endpoint parsing the same JSON, no store (${c} connections)`,
      baselineValue: round(b.requestsPerSec),
      non2xx: failed(r) + failed(b),
      note: `process CPU ${perRequest(t)} µs per request (bare node:http ${perRequest('bare')} µs); p50 ${r.latencyP50} ms, p99 ${r.latencyP99} ms`,
    });
  });
  const e = results.express!;
  const f = results.fastify!;
  rows.push(
    row({
      store: '—',
      phase: 'adapters',
      name: `Fastify adapter against Express adapter, same minimal app, ${c} connections`,
      value: round(f.requestsPerSec),
      unit: 'requests/s',
      baseline: 'Express adapter',
      baselineValue: round(e.requestsPerSec),
      note: `CPU per request ${perRequest('fastify')} µs vs ${perRequest('express')} µs: a switch would save about ${perRequest('express') - perRequest('fastify')} µs of the api's CPU per request`,
    }),
  );
  if (failed(e) + failed(f) + failed(b) > 0) {
    throw new Error(`unexpected non-2xx answers: ${JSON.stringify({ e, f, b })}`);
  }
  emit(rows);
}
