/**
 * Load generator of the HTTP phase, run as its own process (so it does not share the server's event
 * loop): autocannon against 127.0.0.1, one JSON summary line on stdout.
 *
 * Argument: JSON {url, connections, durationSec, target: 'noop' | 'command' | 'raw', series, patents, startK,
 * tag, tokenKeyFile}: `raw` is the bare node:http baseline listening at `url` (its own port): the patents are the first `patents` application numbers of `series` (see lib/fixtures).
 * Each request carries the bearer token of the enterprise its evaluation names (one token per
 * enterprise, minted with the api's token key by the first run of a phase and kept in `tokensFile`), so
 * the api verifies tokens as in production, and, as real clients do, each enterprise keeps its token
 * from one run to the next instead of signing in again.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { LedgerTokens } from '@patent-ledger/identity';
import { applicationNumber, BENCH_ENTERPRISES, evaluationBody } from './lib/fixtures';

interface LoadArgs {
  url: string;
  connections: number;
  durationSec: number;
  target: 'noop' | 'command' | 'raw';
  series: number;
  patents: number;
  startK: number;
  tag: string;
  tokenKeyFile: string;
  tokensFile: string;
}

async function mintTokens(args: LoadArgs): Promise<string[]> {
  if (existsSync(args.tokensFile)) return JSON.parse(readFileSync(args.tokensFile, 'utf8')) as string[];

  const issuer = await LedgerTokens.open(
    args.tokenKeyFile,
    { issuer: 'patent-ledger', audience: 'patent-ledger' },
    () => {},
  );
  const tokens: string[] = [];
  for (let e = 0; e < BENCH_ENTERPRISES; e++) {
    const orgId = evaluationBody(e).enterpriseId;
    tokens.push(
      (await issuer.issue({ role: 'enterprise', orgId, userId: 'bench', admin: false }, { ttlSeconds: 3600 }))
        .token,
    );
  }
  writeFileSync(args.tokensFile, JSON.stringify(tokens));
  return tokens;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as LoadArgs;
  const patents = Array.from({ length: args.patents }, (_, i) => applicationNumber(i, args.series));
  const tokens = await mintTokens(args);
  let k = 0;
  const result = await autocannon({
    url: args.url,
    connections: args.connections,
    duration: args.durationSec,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const n = args.startK + k++;
          const an = patents[n % patents.length]!;
          return {
            ...req,
            method: 'POST',
            // Both targets get the same headers and body; only the route differs.
            path:
              args.target === 'noop'
                ? `/bench/noop/${an}`
                : args.target === 'raw'
                  ? `/raw/${an}`
                  : `/patents/${an}/evaluations`,
            headers: {
              'content-type': 'application/json',
              'idempotency-key': `bench-${args.tag}-${n}`,
              authorization: `Bearer ${tokens[n % BENCH_ENTERPRISES]!}`,
            },
            body: JSON.stringify(evaluationBody(n)),
          };
        },
      },
    ],
  });
  const summary = {
    // Throughput counts only the commands that succeeded (2xx); the others are reported apart.
    requestsPerSec: result.duration > 0 ? result['2xx'] / result.duration : 0,
    total: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
    durationSec: result.duration,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `load generator failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
