import { dirname, join, resolve } from 'node:path';
import { DEFAULT_REMINDER_DAYS } from '@patent-ledger/publishers';

/** Settings of the events going out (LEDGER_NATS_*, LEDGER_AMQP_*, LEDGER_WEBHOOK_*, LEDGER_REMINDER_*). */
export interface EventsConfig {
  /** The CloudEvents `source` of every envelope (LEDGER_EVENTS_SOURCE). */
  source: string;
  /** SQLite file of the publishers' checkpoints, webhooks and dead letters (LEDGER_PUBLISHERS_DB). */
  stateFile: string;
  /** NATS JetStream publisher, on when LEDGER_NATS_URL is set. */
  nats: { url: string; stream: string; subjectPrefix: string } | undefined;
  /** RabbitMQ publisher, on when LEDGER_AMQP_URL is set. */
  amqp: { url: string; exchange: string } | undefined;
  webhooks: { maxAttempts: number; retryInitialMs: number; retryMaxMs: number; timeoutMs: number };
  /** How long the api lets appends accumulate before it wakes the publishers (LEDGER_PUBLISHER_DELAY_MS). */
  delayMs: number;
  /**
   * How long the publishers' lease lasts without renewal, ms (LEDGER_PUBLISHER_LEASE_MS): of the api
   * processes sharing a publishers' database one publishes, the others stand by and the first to see
   * the lease expired takes over (renewed every third of it).
   */
  leaseMs: number;
  /** Obligation reminders: days before the due date (undefined: off) and how often to look (ms). */
  reminders: { days: number[]; intervalMs: number } | undefined;
}

type Fail = (message: string) => Error;

function int(
  env: NodeJS.ProcessEnv,
  name: string,
  dflt: number,
  min: number,
  max: number,
  fail: Fail,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw fail(`${name}=${raw} is invalid: expected an integer from ${min} to ${max}`);
  return n;
}

/** Reads and validates the events settings; `fail` makes the configuration error. */
export function eventsConfig(env: NodeJS.ProcessEnv, fail: Fail): EventsConfig {
  const memory = (env['LEDGER_STORE'] ?? 'sqlite') === 'memory';
  const dbFile = resolve(env['LEDGER_DB'] || './data/ledger.db');
  const source = env['LEDGER_EVENTS_SOURCE'] || 'urn:patent-ledger';
  if (!/^[\x21-\x7e]{1,512}$/.test(source))
    throw fail(`LEDGER_EVENTS_SOURCE=${source} is invalid: a URI reference (visible ASCII)`);

  const natsUrl = env['LEDGER_NATS_URL'];
  if (natsUrl && !/^((nats|tls|wss?):\/\/)?[^\s,]+(,((nats|tls|wss?):\/\/)?[^\s,]+)*$/.test(natsUrl))
    throw fail(`LEDGER_NATS_URL=${natsUrl} is invalid: expected nats://host:port`);
  const stream = env['LEDGER_NATS_STREAM'] || 'PATENT_LEDGER_EVENTS';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stream))
    throw fail(`LEDGER_NATS_STREAM=${stream} is invalid: 1-64 letters, digits, _ and -`);
  const subjectPrefix = env['LEDGER_NATS_SUBJECT_PREFIX'] || 'patent-ledger.events';
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subjectPrefix))
    throw fail(`LEDGER_NATS_SUBJECT_PREFIX=${subjectPrefix} is invalid: subject tokens without wildcards`);

  const amqpUrl = env['LEDGER_AMQP_URL'];
  if (amqpUrl && !/^amqps?:\/\/\S+$/.test(amqpUrl))
    throw fail(
      `LEDGER_AMQP_URL=${amqpUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')} is invalid: expected amqp://user:password@host:5672/vhost`,
    );
  const exchange = env['LEDGER_AMQP_EXCHANGE'] || 'patent-ledger.events';
  if (!/^[A-Za-z0-9_.:-]{1,255}$/.test(exchange))
    throw fail(`LEDGER_AMQP_EXCHANGE=${exchange} is invalid: letters, digits, _ . : -`);

  const rawDays = env['LEDGER_REMINDER_DAYS'];
  let days: number[] | undefined = [...DEFAULT_REMINDER_DAYS];
  if (rawDays === 'off') days = undefined;
  else if (rawDays) {
    const parts = rawDays.split(',').map((p) => p.trim());
    const nums = parts.map(Number);
    if (parts.length === 0 || nums.some((n) => !Number.isInteger(n) || n < 0 || n > 3660))
      throw fail(
        `LEDGER_REMINDER_DAYS=${rawDays} is invalid: expected days before the due date, e.g. 30,7,1 (or off)`,
      );
    days = [...new Set(nums)].sort((a, b) => b - a);
  }

  return {
    source,
    stateFile: env['LEDGER_PUBLISHERS_DB']
      ? resolve(env['LEDGER_PUBLISHERS_DB'])
      : memory
        ? ':memory:'
        : join(dirname(dbFile), 'publishers.db'),
    nats: natsUrl ? { url: natsUrl, stream, subjectPrefix } : undefined,
    amqp: amqpUrl ? { url: amqpUrl, exchange } : undefined,
    webhooks: {
      maxAttempts: int(env, 'LEDGER_WEBHOOK_MAX_ATTEMPTS', 8, 1, 100, fail),
      retryInitialMs: int(env, 'LEDGER_WEBHOOK_RETRY_MS', 1000, 1, 3_600_000, fail),
      retryMaxMs: int(env, 'LEDGER_WEBHOOK_RETRY_MAX_MS', 300_000, 1, 86_400_000, fail),
      timeoutMs: int(env, 'LEDGER_WEBHOOK_TIMEOUT_MS', 10_000, 100, 600_000, fail),
    },
    delayMs: int(env, 'LEDGER_PUBLISHER_DELAY_MS', 5, 0, 10_000, fail),
    leaseMs: int(env, 'LEDGER_PUBLISHER_LEASE_MS', 10_000, 300, 600_000, fail),
    reminders: days
      ? { days, intervalMs: int(env, 'LEDGER_REMINDER_INTERVAL_MS', 3_600_000, 100, 86_400_000, fail) }
      : undefined,
  };
}
