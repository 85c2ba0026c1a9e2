/**
 * The message brokers of the publisher suites: the machine's NATS (JetStream) and RabbitMQ, and
 * servers of their own that a suite starts, stops and starts again (the outage tests).
 *
 * A suite that needs a broker which does not answer fails in CI (CI=true) — it never passes
 * silently — and is skipped elsewhere, saying why (also in the run's `skip:` line).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { skipForMissingServer } from './skip';

export const NATS_TEST_URL = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';
export const AMQP_TEST_URL = process.env['AMQP_URL'] || 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_SERVER = process.env['NATS_SERVER_BIN'] || '/usr/sbin/nats-server';
export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

type Broker = 'nats' | 'amqp';

const hostPort = (url: string): [string, number] => {
  const u = new URL(url);
  return [u.hostname, Number(u.port || (u.protocol.startsWith('amqp') ? 5672 : 4222))];
};

/** Synchronously (at collection time): undefined when the broker answers, else why not. */
export function brokerUnavailable(broker: Broker): string | undefined {
  const key = `PATENT_LEDGER_TEST_${broker.toUpperCase()}_PROBE`;
  const known = process.env[key];
  if (known !== undefined) return known || undefined;
  const url = broker === 'nats' ? NATS_TEST_URL : AMQP_TEST_URL;
  const [host, port] = hostPort(url);
  const script = `const s = require('net').connect(${port}, ${JSON.stringify(host)}); s.setTimeout(3000);
    s.on('connect', () => { s.end(); process.exit(0); }); s.on('error', () => process.exit(1)); s.on('timeout', () => process.exit(1));`;
  const probe = spawnSync(process.execPath, ['-e', script], { timeout: 10_000 });
  const reason =
    probe.status === 0
      ? undefined
      : `${broker === 'nats' ? 'NATS' : 'RabbitMQ'} suites: nothing answers at ${url.replace(/\/\/[^@]*@/, '//')} (.ci/run starts it; set ${broker === 'nats' ? 'NATS_URL' : 'AMQP_URL'})`;
  process.env[key] = reason ?? '';
  return reason;
}

/** `describe` when the brokers answer (and the binaries a suite starts exist); else fails in CI, skips elsewhere. */
export function describeWithBrokers(
  name: string,
  needs: { brokers?: Broker[]; binaries?: string[] },
  fn: () => void,
): void {
  const reasons = [
    ...(needs.brokers ?? []).map(brokerUnavailable),
    ...(needs.binaries ?? []).map((b) => (existsSync(b) ? undefined : `${b} is not installed`)),
  ].filter((r): r is string => r !== undefined);
  if (reasons.length === 0) return describe(name, fn);
  const reason = reasons.join('; ');
  if (process.env['CI']) {
    describe(name, () => {
      it(`needs its broker: ${reason}`, () => {
        throw new Error(`${name} cannot run in CI: ${reason}`);
      });
    });
    return;
  }
  skipForMissingServer(name, reason);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(
  port: number,
  timeoutMs: number,
  child: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the server exited (${child.exitCode}): ${log().slice(-2000)}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`nothing listens on ${port} after ${timeoutMs} ms: ${log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A server this suite started: stop() ends it (gracefully), start() starts it again on the same port and data. */
export interface OwnServer {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function ownServer(port: number, url: string, launch: () => ChildProcess, readyTimeoutMs: number): OwnServer {
  let child: ChildProcess | undefined;
  let output = '';
  return {
    url,
    port,
    async start() {
      output = '';
      child = launch();
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      await waitForPort(port, readyTimeoutMs, child, () => output);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A NATS server with JetStream of the suite's own (data in `dir`), not yet started. */
export async function ownNatsServer(dir: string): Promise<OwnServer> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  return ownServer(
    port,
    `nats://127.0.0.1:${port}`,
    () =>
      spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    15_000,
  );
}

/** A RabbitMQ node of the suite's own (`<name>@localhost`, data in `dir`), not yet started. */
export async function ownRabbitNode(dir: string): Promise<OwnServer> {
  const port = await freePort();
  const distPort = await freePort();
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    `listeners.tcp.local = 127.0.0.1:${port}\nloopback_users = none\n`,
  );
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const node = `pltest${process.pid}x${port}@localhost`;
  return ownServer(
    port,
    `amqp://guest:guest@127.0.0.1:${port}`,
    () =>
      spawn(RABBITMQ_SERVER, [], {
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: dir,
        env: {
          ...process.env,
          HOME: dir,
          RABBITMQ_NODENAME: node,
          RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
          RABBITMQ_DIST_PORT: String(distPort),
          RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
          RABBITMQ_LOG_BASE: join(dir, 'log'),
          RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
          RABBITMQ_PID_FILE: join(dir, 'pid'),
        },
      }),
    60_000,
  );
}
