import { dirname, join, resolve } from 'node:path';
import { policyFromEnv, type LedgerPolicy } from '@patent-ledger/read-models';
import { DEFAULT_PROJECTOR_BATCH_SIZE } from '@patent-ledger/eventsourcing';

/** Validated configuration, read once from the environment. */
export interface LedgerConfig {
  port: number;
  host: string;
  /** Event store adapter. */
  store: 'sqlite' | 'postgres' | 'kurrentdb' | 'memory';
  /** PostgreSQL connection (store=postgres or readModels=postgres). */
  pgUrl: string;
  /** PostgreSQL schema of the ledger's tables. */
  pgSchema: string;
  /** PostgreSQL connection pool size. */
  pgPoolSize: number;
  /** KurrentDB connection string (store=kurrentdb). */
  kurrentDbUrl: string | undefined;
  /** Where the read models live. */
  readModels: 'sqlite' | 'postgres';
  /** SQLite file of the embedded store. */
  dbFile: string;
  /** SQLite synchronous setting: FULL (default) fsyncs every commit. */
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /**
   * Where the api executes and commits its commands on SQLite: 'thread' (default; a ledger thread
   * that owns the writing connection, so neither deciding nor a commit's fsync holds up other
   * requests) or 'inline' (the request thread).
   */
  sqliteWriter: 'thread' | 'inline';
  /** SQLite file of the read models (projections). */
  readDbFile: string;
  /**
   * Where the api's projector runs: 'worker' (default; a thread of its own with its own connections),
   * 'inline' (the api's thread; the default, and the only choice, with the memory store) or 'off'
   * (`patent-ledger project` runs as its own process).
   */
  projector: 'worker' | 'inline' | 'off';
  /**
   * How long the inline projector lets new appends accumulate before projecting them (ms): under
   * load, one batch per window instead of one per command. Read-your-writes waits (minPosition) do
   * not wait for it. 0 projects after every append.
   */
  projectorDelayMs: number;
  /**
   * Events the projector reads and applies per transaction (LEDGER_PROJECTOR_BATCH_SIZE): larger
   * batches catch up faster after an import, for more memory while they do. (Rebuilds have their own
   * batch size, ReadModelsOptions.rebuildBatchSize.)
   */
  projectorBatchSize: number;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  /** Log level of the HTTP service. */
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  /** Obligation periods and programme targets. */
  policy: LedgerPolicy;
  /**
   * Ed25519 private key (PEM file) that signs global chain heads; created on first start when
   * missing. Keep it outside the database's reach in production. Undefined: heads are not signed.
   */
  signingKeyFile: string | undefined;
  /** Record a signed chain head after this many new events (and on shutdown). */
  chainHeadEvery: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}=${raw} is invalid: expected an integer from ${min} to ${max}`);
  }
  return n;
}

function choice<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], dflt: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name}=${raw} is invalid: expected one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

/** Reads and validates the configuration; throws ConfigError naming the bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env['HOST'] || '0.0.0.0',
    store: choice(env, 'LEDGER_STORE', ['sqlite', 'postgres', 'kurrentdb', 'memory'] as const, 'sqlite'),
    pgUrl: env['LEDGER_PG_URL'] || env['PG_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres',
    pgSchema: pgSchema(env['LEDGER_PG_SCHEMA'] || 'ledger'),
    pgPoolSize: int(env, 'LEDGER_PG_POOL_SIZE', 10, 1, 500),
    kurrentDbUrl: kurrent(env),
    readModels: choice(env, 'LEDGER_READ_MODELS', ['sqlite', 'postgres'] as const, 'sqlite'),
    dbFile: resolve(env['LEDGER_DB'] || './data/ledger.db'),
    sqliteSynchronous: choice(env, 'LEDGER_SQLITE_SYNCHRONOUS', ['FULL', 'NORMAL'] as const, 'FULL'),
    sqliteWriter: choice(env, 'LEDGER_SQLITE_WRITER', ['thread', 'inline'] as const, 'thread'),
    // Default: next to the ledger file (in memory with the memory store).
    readDbFile: env['LEDGER_READ_DB']
      ? resolve(env['LEDGER_READ_DB'])
      : (env['LEDGER_STORE'] ?? 'sqlite') === 'memory'
        ? ':memory:'
        : join(dirname(resolve(env['LEDGER_DB'] || './data/ledger.db')), 'read-models.db'),
    projector: projector(env),
    projectorDelayMs: int(env, 'LEDGER_PROJECTOR_DELAY_MS', 100, 0, 10_000),
    projectorBatchSize: int(env, 'LEDGER_PROJECTOR_BATCH_SIZE', DEFAULT_PROJECTOR_BATCH_SIZE, 1, 100_000),
    bodyLimitBytes: int(env, 'LEDGER_BODY_LIMIT', 1_048_576, 1024, 100 * 1_048_576),
    logLevel: choice(env, 'LEDGER_LOG_LEVEL', ['error', 'warn', 'log', 'debug'] as const, 'log'),
    policy: policy(env),
    signingKeyFile:
      env['LEDGER_SIGNING_KEY_FILE'] === 'off'
        ? undefined
        : env['LEDGER_SIGNING_KEY_FILE']
          ? resolve(env['LEDGER_SIGNING_KEY_FILE'])
          : join(dirname(resolve(env['LEDGER_DB'] || './data/ledger.db')), 'signing-key.pem'),
    chainHeadEvery: int(env, 'LEDGER_CHAIN_HEAD_EVERY', 1000, 1, 10_000_000),
  };
}

function projector(env: NodeJS.ProcessEnv): LedgerConfig['projector'] {
  const memory = (env['LEDGER_STORE'] ?? 'sqlite') === 'memory';
  const value = choice(
    env,
    'LEDGER_PROJECTOR',
    ['worker', 'inline', 'off'] as const,
    memory ? 'inline' : 'worker',
  );
  if (value === 'worker' && memory) {
    throw new ConfigError(
      'LEDGER_PROJECTOR=worker is invalid with LEDGER_STORE=memory: a thread cannot open the memory store; use inline',
    );
  }
  return value;
}

function policy(env: NodeJS.ProcessEnv): LedgerPolicy {
  try {
    return policyFromEnv(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function pgSchema(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new ConfigError(`LEDGER_PG_SCHEMA=${name} is invalid: expected a lower-case SQL identifier`);
  }
  return name;
}

function kurrent(env: NodeJS.ProcessEnv): string | undefined {
  const url = env['LEDGER_KURRENTDB_URL'] || env['KURRENTDB_URL'];
  if ((env['LEDGER_STORE'] ?? '') === 'kurrentdb' && !url) {
    throw new ConfigError(
      'LEDGER_STORE=kurrentdb needs LEDGER_KURRENTDB_URL (e.g. kurrentdb://127.0.0.1:2113?tls=false)',
    );
  }
  if (url && !/^(kurrentdb|kdb|esdb|kurrent)(\+discover)?:\/\//.test(url)) {
    throw new ConfigError(`LEDGER_KURRENTDB_URL=${url} is invalid: expected kurrentdb://host:port?...`);
  }
  return url;
}
