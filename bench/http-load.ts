/**
 * Load generator of the HTTP phase, run as its own process (so it does not share the server's event
 * loop): autocannon against 127.0.0.1, one JSON summary line on stdout.
 *
 * Argument: JSON {url, connections, durationSec, target: 'noop' | 'command', series, patents, startK, tag,
 * tokenKeyFile}: the patents are the first `patents` application numbers of `series` (see lib/fixtures).
 * Each request carries the bearer token of the enterprise its evaluation names (one token per
 * enterprise, minted here with the api's token key), so the api verifies tokens as in production.
 */
import autocannon from 'autocannon';
import { LedgerTokens } from '@patent-ledger/identity';
import { applicationNumber, BENCH_ENTERPRISES, evaluationBody } from './lib/fixtures';

interface LoadArgs {
  url: string;
  connections: number;
  durationSec: number;
  target: 'noop' | 'command';
  series: number;
  patents: number;
  startK: number;
  tag: string;
  tokenKeyFile: string;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as LoadArgs;
  const patents = Array.from({ length: args.patents }, (_, i) => applicationNumber(i, args.series));
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
            path: args.target === 'noop' ? `/bench/noop/${an}` : `/patents/${an}/evaluations`,
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
    requestsPerSec: result.requests.average,
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
