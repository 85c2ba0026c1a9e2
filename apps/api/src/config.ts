import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseTtl, type OidcSettings } from '@patent-ledger/identity';
import { policyFromEnv, type LedgerPolicy } from '@patent-ledger/read-models';
import { DEFAULT_PROJECTOR_BATCH_SIZE } from '@patent-ledger/eventsourcing';
import { eventsConfig, type EventsConfig } from './events/events-config';
import { observabilityConfig, type ObservabilityConfig } from './observability/observability-config';

/** Validated configuration, read once from the environment. */
export interface LedgerConfig {
  port: number;
  /** Years from the grant after which a fiscally funded patent not implemented is listed unused (GET /patents/unused). */
  unusedYears: number;
  host: string;
  /** Event store adapter. */
  store: 'sqlite' | 'postgres' | 'kurrentdb' | 'memory';
  /** PostgreSQL connection (store=postgres or readModels=postgres). */
  pgUrl: string;
  /** PostgreSQL schema of the ledger's tables. */
  pgSchema: string;
  /** PostgreSQL connection pool size. */
  pgPoolSize: number;
  /** Read models' queries: PostgreSQL `statement_timeout`, SQLite time budget of a read transaction, ms (0: none). */
  queryTimeoutMs: number;
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
  /**
   * The public key `patent-ledger verify` and `verify-bundle` check signatures with when no `--key`
   * is given (LEDGER_PUBLIC_KEY_FILE; default the signing key's `.pub`). Never inside the data folder.
   */
  publicKeyFile: string | undefined;
  /** Record a signed chain head after this many new events (and on shutdown). */
  chainHeadEvery: number;
  /** The folder (dirname of LEDGER_DB) the database files live in: keys and witnesses stay out of it. */
  dataDir: string;
  /**
   * Where every signed tree head is also appended (`heads.jsonl`), outside the data folder
   * (LEDGER_WITNESS_DIR); undefined when `off`.
   */
  witnessDir: string | undefined;
  /** A NATS JetStream subject every signed tree head is also published to (LEDGER_WITNESS_NATS_*). */
  witnessNats: { url: string; subject: string; stream: string } | undefined;
  /** Who may call and how they prove it (tokens, sign-in, single sign-on). */
  auth: AuthConfig;
  /** Events going out: NATS, RabbitMQ, webhooks, reminders (events/events-config.ts). */
  events: EventsConfig;
  /** Metrics, traces and logs (observability/observability-config.ts). */
  observability: ObservabilityConfig;
  /** HTTP server limits and graceful shutdown. */
  http: {
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    shutdownGraceMs: number;
  };
  /** Requests a minute per principal, and sign-ins a minute per client address (0: no limit). */
  rateLimit: { perMinute: number; loginPerMinute: number };
  /** Limits of one `POST /patents/batch` upload: its bytes, its lines, and the bytes of one line. */
  batch: { maxBytes: number; maxLines: number; maxLineBytes: number };
}

/** Settings of authentication (LEDGER_TOKEN_*, LEDGER_LOGIN_*, LEDGER_OIDC_*, LEDGER_COOKIE_SECURE). */
export interface AuthConfig {
  /**
   * Ed25519 private key (PEM) that signs the ledger's own bearer tokens; created on first use. Kept
   * outside the data folder, and never the chain-signing key.
   */
  tokenKeyFile: string;
  tokenIssuer: string;
  tokenAudience: string;
  /** Lifetime of a token issued at sign-in (POST /auth/login), seconds. */
  loginTtlSeconds: number;
  /** Whether the session cookie is marked Secure (HTTPS only). */
  cookieSecure: boolean;
  /** An external OpenID Connect provider whose tokens are accepted too (undefined: none). */
  oidc: OidcSettings | undefined;
  /**
   * The console's public client at that provider (LEDGER_OIDC_CONSOLE_CLIENT_ID): the console offers
   * single sign-on (authorization code with PKCE) when it is set; GET /auth/config tells the console.
   */
  oidcConsoleClientId?: string;
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
    unusedYears: int(env, 'LEDGER_UNUSED_YEARS', 3, 1, 50),
    host: env['HOST'] || '127.0.0.1',
    store: choice(env, 'LEDGER_STORE', ['sqlite', 'postgres', 'kurrentdb', 'memory'] as const, 'sqlite'),
    pgUrl: env['LEDGER_PG_URL'] || env['PG_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres',
    pgSchema: pgSchema(env['LEDGER_PG_SCHEMA'] || 'ledger'),
    pgPoolSize: int(env, 'LEDGER_PG_POOL_SIZE', 10, 1, 500),
    queryTimeoutMs: int(env, 'LEDGER_QUERY_TIMEOUT_MS', 30_000, 0, 3_600_000),
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
    ...transparency(env),
    chainHeadEvery: int(env, 'LEDGER_CHAIN_HEAD_EVERY', 1000, 1, 10_000_000),
    auth: auth(env),
    events: eventsConfig(env, (m) => new ConfigError(m)),
    observability: observabilityConfig(env, (m) => new ConfigError(m)),
    http: {
      headersTimeoutMs: int(env, 'LEDGER_HEADERS_TIMEOUT_MS', 20_000, 1000, 600_000),
      requestTimeoutMs: int(env, 'LEDGER_REQUEST_TIMEOUT_MS', 300_000, 1000, 3_600_000),
      keepAliveTimeoutMs: int(env, 'LEDGER_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
      shutdownGraceMs: int(env, 'LEDGER_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    },
    rateLimit: {
      perMinute: int(env, 'LEDGER_RATE_LIMIT', 3000, 0, 10_000_000),
      loginPerMinute: int(env, 'LEDGER_LOGIN_RATE_LIMIT', 30, 0, 1_000_000),
    },
    batch: {
      maxBytes: int(env, 'LEDGER_BATCH_MAX_BYTES', 256 * 1_048_576, 1024, 16 * 1024 * 1_048_576),
      maxLines: int(env, 'LEDGER_BATCH_MAX_LINES', 1_000_000, 1, 100_000_000),
      maxLineBytes: int(env, 'LEDGER_BATCH_MAX_LINE_BYTES', 65_536, 1024, 16 * 1_048_576),
    },
  };
}

/**
 * The chain-signing key, the key `verify` checks with, and the witnesses of the signed tree heads:
 * by default beside the data folder (`keys/`, `witness/<data folder name>/`), never inside it.
 */
function transparency(
  env: NodeJS.ProcessEnv,
): Pick<LedgerConfig, 'signingKeyFile' | 'publicKeyFile' | 'dataDir' | 'witnessDir' | 'witnessNats'> {
  const dataDir = dirname(resolve(env['LEDGER_DB'] || './data/ledger.db'));
  const beside = dirname(dataDir);
  const named = (setting: string, dflt: () => string): string | undefined => {
    const raw = env[setting];
    if (raw === 'off') return undefined;
    if (raw) return resolve(raw);
    if (beside === dataDir)
      throw new ConfigError(
        `${setting} must be set: the data folder ${dataDir} has no parent to keep it beside`,
      );
    return dflt();
  };
  const signingKeyFile = named('LEDGER_SIGNING_KEY_FILE', () => join(beside, 'keys', 'signing-key.pem'));
  // The default used to be the data folder itself: say so rather than silently start a new key.
  const oldDefault = join(dataDir, 'signing-key.pem');
  if (!env['LEDGER_SIGNING_KEY_FILE'] && existsSync(oldDefault)) {
    throw new ConfigError(
      `a signing key is in the data folder (${oldDefault}), where an insider who can rewrite the database can use it: move it (and its .pub) to ${signingKeyFile}, or set LEDGER_SIGNING_KEY_FILE`,
    );
  }
  const publicKeyFile = env['LEDGER_PUBLIC_KEY_FILE']
    ? resolve(env['LEDGER_PUBLIC_KEY_FILE'])
    : signingKeyFile && `${signingKeyFile}.pub`;
  if (env['LEDGER_PUBLIC_KEY_FILE'] && publicKeyFile && isInside(publicKeyFile, dataDir))
    throw new ConfigError(
      `LEDGER_PUBLIC_KEY_FILE=${publicKeyFile} is invalid: verification must not take its key from the data folder ${dataDir}`,
    );
  const witnessDir = named('LEDGER_WITNESS_DIR', () => join(beside, 'witness', basename(dataDir)));
  if (
    witnessDir &&
    (witnessDir === dataDir || isInside(witnessDir, dataDir) || isInside(dataDir, witnessDir))
  )
    throw new ConfigError(
      `LEDGER_WITNESS_DIR=${witnessDir} is invalid: the witness copy of the signed heads must live in a folder of its own, outside the data folder ${dataDir}`,
    );
  const natsUrl = env['LEDGER_WITNESS_NATS_URL'];
  if (natsUrl && !/^(nats|tls|wss?):\/\/\S+$/.test(natsUrl))
    throw new ConfigError(`LEDGER_WITNESS_NATS_URL=${natsUrl} is invalid: expected nats://host:port`);
  const subject = env['LEDGER_WITNESS_NATS_SUBJECT'] || 'patent-ledger.heads';
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subject))
    throw new ConfigError(
      `LEDGER_WITNESS_NATS_SUBJECT=${subject} is invalid: expected a subject without wildcards`,
    );
  const stream = env['LEDGER_WITNESS_NATS_STREAM'] || 'PATENT_LEDGER_HEADS';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stream))
    throw new ConfigError(`LEDGER_WITNESS_NATS_STREAM=${stream} is invalid: letters, digits, _ and -`);
  return {
    signingKeyFile,
    publicKeyFile,
    dataDir,
    witnessDir,
    witnessNats: natsUrl ? { url: natsUrl, subject, stream } : undefined,
  };
}

function auth(env: NodeJS.ProcessEnv): AuthConfig {
  const dataDir = dirname(resolve(env['LEDGER_DB'] || './data/ledger.db'));
  const tokenKeyFile = env['LEDGER_TOKEN_KEY_FILE']
    ? resolve(env['LEDGER_TOKEN_KEY_FILE'])
    : join(dirname(dataDir), 'keys', 'token-key.pem');
  if (isInside(tokenKeyFile, dataDir)) {
    throw new ConfigError(
      `LEDGER_TOKEN_KEY_FILE=${tokenKeyFile} is invalid: the token key must live outside the data folder ${dataDir}`,
    );
  }
  const signing = env['LEDGER_SIGNING_KEY_FILE'];
  if (signing && signing !== 'off' && resolve(signing) === tokenKeyFile) {
    throw new ConfigError(
      'LEDGER_TOKEN_KEY_FILE is invalid: it must not be the chain-signing key (LEDGER_SIGNING_KEY_FILE)',
    );
  }
  const issuer = text(env, 'LEDGER_TOKEN_ISSUER', 'patent-ledger');
  const audience = text(env, 'LEDGER_TOKEN_AUDIENCE', 'patent-ledger');
  let loginTtlSeconds: number;
  try {
    loginTtlSeconds = parseTtl(env['LEDGER_LOGIN_TTL'] || '1h', 24 * 3600);
  } catch (err) {
    throw new ConfigError(`LEDGER_LOGIN_TTL=${env['LEDGER_LOGIN_TTL']} is ${(err as Error).message}`);
  }
  return {
    tokenKeyFile,
    tokenIssuer: issuer,
    tokenAudience: audience,
    loginTtlSeconds,
    cookieSecure: choice(env, 'LEDGER_COOKIE_SECURE', ['true', 'false'] as const, 'true') === 'true',
    oidc: oidc(env, issuer),
    ...oidcConsole(env),
  };
}

function oidcConsole(env: NodeJS.ProcessEnv): { oidcConsoleClientId?: string } {
  const id = env['LEDGER_OIDC_CONSOLE_CLIENT_ID'];
  if (id === undefined || id === '') return {};
  if (!env['LEDGER_OIDC_ISSUER'])
    throw new ConfigError('LEDGER_OIDC_CONSOLE_CLIENT_ID is set but LEDGER_OIDC_ISSUER is not');
  if (!/^[\x21-\x7e]{1,256}$/.test(id))
    throw new ConfigError(
      `LEDGER_OIDC_CONSOLE_CLIENT_ID=${id} is invalid: expected a client id (printable ASCII)`,
    );
  return { oidcConsoleClientId: id };
}

function oidc(env: NodeJS.ProcessEnv, ledgerIssuer: string): OidcSettings | undefined {
  const issuer = env['LEDGER_OIDC_ISSUER'];
  if (!issuer) {
    for (const name of ['LEDGER_OIDC_JWKS_URL', 'LEDGER_OIDC_AUDIENCE']) {
      if (env[name]) throw new ConfigError(`${name} is set but LEDGER_OIDC_ISSUER is not`);
    }
    return undefined;
  }
  if (!/^https?:\/\/\S+$/.test(issuer))
    throw new ConfigError(`LEDGER_OIDC_ISSUER=${issuer} is invalid: expected an https URL`);
  if (issuer === ledgerIssuer)
    throw new ConfigError('LEDGER_OIDC_ISSUER must differ from LEDGER_TOKEN_ISSUER');
  const audience = env['LEDGER_OIDC_AUDIENCE'];
  if (!audience)
    throw new ConfigError('LEDGER_OIDC_ISSUER needs LEDGER_OIDC_AUDIENCE (the client id or API audience)');
  const jwksUrl = env['LEDGER_OIDC_JWKS_URL'];
  if (jwksUrl && !/^https?:\/\/\S+$/.test(jwksUrl)) {
    throw new ConfigError(`LEDGER_OIDC_JWKS_URL=${jwksUrl} is invalid: expected a URL`);
  }
  return {
    issuer,
    audience,
    ...(jwksUrl ? { jwksUrl } : {}),
    roleClaim: text(env, 'LEDGER_OIDC_ROLE_CLAIM', 'ledger_role'),
    orgClaim: text(env, 'LEDGER_OIDC_ORG_CLAIM', 'ledger_org'),
    userClaim: text(env, 'LEDGER_OIDC_USER_CLAIM', 'sub'),
    ...(env['LEDGER_OIDC_ADMIN_CLAIM'] ? { adminClaim: env['LEDGER_OIDC_ADMIN_CLAIM'] } : {}),
  };
}

function text(env: NodeJS.ProcessEnv, name: string, dflt: string): string {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (!/^[\x21-\x7e]{1,256}$/.test(v))
    throw new ConfigError(`${name}=${v} is invalid: 1-256 visible ASCII characters`);
  return v;
}

function isInside(file: string, dir: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
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
