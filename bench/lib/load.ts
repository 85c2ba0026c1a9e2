/** The HTTP phases' side of the load generator (bench/http-load.ts, autocannon in a process of its own). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** What one load run measured: only 2xx answers count as throughput. */
export interface LoadSummary {
  requestsPerSec: number;
  total: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  durationSec: number;
}

/** Runs the load generator with `args` (see bench/http-load.ts) and returns its summary. */
export function load(args: object): Promise<LoadSummary> {
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

/** Two load summaries of the same endpoint as one: totals added, rates over the summed time, worst latencies. */
export function merge(a: LoadSummary | undefined, b: LoadSummary): LoadSummary {
  if (!a) return b;
  const total = a.total + b.total;
  const seconds = a.durationSec + b.durationSec;
  return {
    requestsPerSec: seconds > 0 ? (a.ok2xx + b.ok2xx) / seconds : 0,
    total,
    ok2xx: a.ok2xx + b.ok2xx,
    non2xx: a.non2xx + b.non2xx,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
    latencyP50: Math.max(a.latencyP50, b.latencyP50),
    latencyP99: Math.max(a.latencyP99, b.latencyP99),
    latencyMax: Math.max(a.latencyMax, b.latencyMax),
    durationSec: seconds,
  };
}
