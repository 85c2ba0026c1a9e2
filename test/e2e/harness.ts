/**
 * E2E harness: the real HTTP application (createApp) on a temporary SQLite file, driven with
 * supertest. `restart()` closes the app (and with it the store) and builds a new one on the same
 * file, as a process restart would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { checkDigit } from '@patent-ledger/domain';
import request, { type Response } from 'supertest';
import type { EventStore } from '@patent-ledger/eventsourcing';
import { createApp, openStore } from '../../apps/api/src/app.factory';
import { loadConfig, type LedgerConfig } from '../../apps/api/src/config';
import { EXAMPLES } from '../../apps/api/src/patents/examples';
import { Client } from 'pg';
import { PG_TEST_URL } from '../support/postgres';
import type { Principal } from '@patent-ledger/access';
import { LedgerTokens } from '@patent-ledger/identity';
import type { Clock } from '../../apps/api/src/ledger/tokens';

export { EXAMPLES };

export interface Harness {
  readonly dir: string;
  readonly file: string;
  readonly config: LedgerConfig;
  /** The current application (replaced by restart()). */
  app(): NestExpressApplication;
  /**
   * A supertest client of the current application, authenticated by default as the ip-office admin
   * (a request's own `.set('Authorization', …)` replaces it).
   */
  http(): ReturnType<typeof request>;
  /** A supertest client that sends no credential. */
  anonymous(): ReturnType<typeof request>;
  /** Closes the application and opens a new one on the same file. */
  restart(): Promise<void>;
  /** Closes the application and removes the temporary directory. */
  close(): Promise<void>;
}

/** Milliseconds each store operation takes, to emulate a networked store and force requests to interleave. */
export type StoreLatency = Partial<Record<'append' | 'readStream' | 'streamVersion' | 'findCommand', number>>;

export interface HarnessOptions {
  /**
   * Wrap the SQLite store so these operations answer only after a delay (the work itself happens
   * at call time for reads, after the delay for appends), as a remote store would. Without it the
   * in-process SQLite store answers within the same tick and racing requests hardly interleave.
   */
  latency?: StoreLatency;
  /** More settings (LEDGER_OIDC_*, LEDGER_LOGIN_TTL, ...), over the harness's own. */
  env?: Record<string, string>;
  /** The service's clock (the lock-out suites move it). */
  clock?: Clock;
  /**
   * Wrap the event store the application uses (after `latency`), e.g. to make it fail on demand.
   * The store is then the in-process one (no ledger thread), as with `latency`.
   */
  wrapStore?: (store: EventStore) => EventStore;
}

/**
 * An EventStore that answers after a delay (see HarnessOptions.latency); every other member is the
 * wrapped store's own, so the wrapper follows the port as it grows.
 */
export function withLatency(store: EventStore, latency: StoreLatency): EventStore {
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const delays: Record<string, { ms: number; when: 'before' | 'after' }> = {};
  for (const [name, ms] of Object.entries(latency)) {
    if (ms) delays[name] = { ms, when: name === 'append' ? 'before' : 'after' };
  }
  if (latency.append) delays['appendMany'] = { ms: latency.append, when: 'before' };
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      const delay = typeof prop === 'string' ? delays[prop] : undefined;
      if (!delay) return fn.bind(target);
      return async (...args: unknown[]) => {
        if (delay.when === 'before') await sleep(delay.ms);
        const result = await fn.apply(target, args);
        if (delay.when === 'after') await sleep(delay.ms);
        return result;
      };
    },
  });
}

/** The event store the e2e suites run on: LEDGER_E2E_STORE (sqlite by default, or postgres). */
export const E2E_STORE = (process.env['LEDGER_E2E_STORE'] ?? 'sqlite') as 'sqlite' | 'postgres';
/**
 * Where the e2e suites keep the read models: LEDGER_E2E_READ_MODELS (sqlite by default, or postgres:
 * the schema of the harness with "_read" appended, dropped on close).
 */
export const e2eReadModels = (): 'sqlite' | 'postgres' =>
  (process.env['LEDGER_E2E_READ_MODELS'] ?? 'sqlite') as 'sqlite' | 'postgres';
let schemas = 0;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'patent-ledger-e2e-'));
  const file = join(dir, 'ledger.db');
  // On PostgreSQL each harness gets a schema of its own, dropped on close.
  const pgSchema = `e2e_${process.pid}_${++schemas}_${Math.random().toString(36).slice(2, 8)}`;
  // The read models (projections) get a file of their own in the same directory: the default
  // (./data/read-models.db) would be shared by every suite.
  const readModels = e2eReadModels();
  const config = loadConfig({
    LEDGER_DB: file,
    LEDGER_READ_DB: join(dir, 'read-models.db'),
    LEDGER_LOG_LEVEL: 'error',
    LEDGER_TOKEN_KEY_FILE: E2E_TOKEN_KEY_FILE,
    // The chain-signing key and the witness copy of the signed heads live beside the data folder
    // (never in it), one of each per harness.
    LEDGER_SIGNING_KEY_FILE: join(`${dir}-keys`, 'signing-key.pem'),
    LEDGER_WITNESS_DIR: `${dir}-witness`,
    // Suites send many requests as one party; rate-limit.e2e.spec.ts sets limits of its own.
    LEDGER_RATE_LIMIT: '0',
    LEDGER_LOGIN_RATE_LIMIT: '0',
    ...(E2E_STORE === 'postgres' || readModels === 'postgres'
      ? { LEDGER_PG_URL: PG_TEST_URL, LEDGER_PG_SCHEMA: pgSchema }
      : {}),
    ...(E2E_STORE === 'postgres' ? { LEDGER_STORE: 'postgres' } : {}),
    ...(readModels === 'postgres' ? { LEDGER_READ_MODELS: 'postgres' } : {}),
    ...options.env,
  });
  const boot = async (): Promise<NestExpressApplication> => {
    const clock = options.clock ? { clock: options.clock } : {};
    const wrap = (store: EventStore): EventStore => {
      const slow = options.latency ? withLatency(store, options.latency) : store;
      return options.wrapStore ? options.wrapStore(slow) : slow;
    };
    const app =
      options.latency || options.wrapStore
        ? await createApp(config, { logger: false, store: wrap(await openStore(config)), ...clock })
        : await createApp(config, { logger: false, ...clock });
    await app.init();
    return app;
  };
  await fillActors();
  let app: NestExpressApplication | undefined = await boot();
  const current = (): NestExpressApplication => {
    if (!app) throw new Error('the harness is closed');
    return app;
  };
  return {
    dir,
    file,
    config,
    app: current,
    http: () => withDefaultAuth(request(current().getHttpServer()), actors.ipOffice),
    anonymous: () => request(current().getHttpServer()),
    async restart() {
      await current().close();
      app = undefined;
      app = await boot();
    },
    async close() {
      if (app) await app.close();
      app = undefined;
      await rm(dir, { recursive: true, force: true });
      await rm(`${dir}-keys`, { recursive: true, force: true });
      await rm(`${dir}-witness`, { recursive: true, force: true });
      if (E2E_STORE === 'postgres' || readModels === 'postgres') {
        const client = new Client({ connectionString: PG_TEST_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
        await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}_read" CASCADE`);
        await client.end();
      }
    },
  };
}

/** A supertest client whose every request starts with these headers. */
function withDefaultAuth(
  agent: ReturnType<typeof request>,
  headers: Record<string, string>,
): ReturnType<typeof request> {
  return new Proxy(agent, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      if (!['get', 'post', 'put', 'delete', 'patch', 'head', 'options'].includes(prop)) return value;
      return (...args: unknown[]) => {
        let test = (value as (...a: unknown[]) => request.Test).apply(target, args);
        for (const [k, v] of Object.entries(headers)) test = test.set(k, v);
        return test;
      };
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Test data

/** A valid 12-digit CNIPA application number (type digit 1 invention, 2 utility model, 3 design). */
export function applicationNumber(year: number, typeDigit: 1 | 2 | 3 | 8 | 9, serial: number): string {
  const digits = `${year}${typeDigit}${String(serial).padStart(7, '0')}`;
  return `${digits}.${checkDigit(digits)}`;
}

/** The same number with a wrong check digit. */
export function withWrongCheckDigit(number: string): string {
  const [digits, check] = number.split('.') as [string, string];
  const wrong = check === '0' ? '1' : '0';
  return `${digits}.${wrong}`;
}

const KIND_OF_TYPE_DIGIT: Record<string, string> = {
  '1': 'invention',
  '8': 'invention',
  '2': 'utility-model',
  '9': 'utility-model',
  '3': 'design',
};

/** The inventory example, re-targeted to another application number (kind and filing year follow the number). */
export function inventoryBody(
  number: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const year = number.slice(0, 4);
  return {
    ...EXAMPLES.inventory,
    applicationNumber: number,
    kind: KIND_OF_TYPE_DIGIT[number[4]!],
    filingDate: `${year}-07-21`,
    grantDate: `${Number(year) + 2}-03-10`,
    ...overrides,
  };
}

export const INSTITUTION_ID = 'tyut';

/** The parties the suites act as: each one's principal, and its Authorization header (set by startHarness). */
export const PARTIES = {
  institution: { role: 'institution', orgId: 'tyut', userId: 'tto-wang', admin: false },
  enterprise: { role: 'enterprise', orgId: 'sx-coal-materials', userId: 'li.ming', admin: false },
  licensee: { role: 'enterprise', orgId: 'jz-ceramics', userId: 'zhao', admin: false },
  ipOffice: { role: 'ip-office', orgId: 'sx-cnipa', userId: 'officer-1', admin: true },
  otherInstitution: { role: 'institution', orgId: 'sxu', userId: 'tto-li', admin: false },
  auditor: { role: 'auditor', orgId: 'sx-audit', userId: 'auditor-1', admin: false },
  analyst: { role: 'analyst', orgId: 'sx-stats', userId: 'analyst-1', admin: false },
  taker: { role: 'enterprise', orgId: 'dt-filtration', userId: 'sun', admin: false },
} as const satisfies Record<string, Pick<Principal, 'role' | 'orgId' | 'userId' | 'admin'>>;
export type PartyName = keyof typeof PARTIES;

/**
 * Headers that authenticate as each party: `{ Authorization: 'Bearer …' }`, signed with the harness's
 * token key. Filled by startHarness (so use them inside tests and hooks, not at collection time).
 */
export const actors = Object.fromEntries(Object.keys(PARTIES).map((k) => [k, {}])) as Record<
  PartyName,
  Record<string, string>
>;

/** The token key every harness of this process uses (outside every harness's data folder). */
export const E2E_TOKEN_KEY_FILE = join(tmpdir(), `patent-ledger-e2e-token-key-${process.pid}.pem`);

let tokens: Promise<LedgerTokens> | undefined;
/** The harness's token issuer (same key, issuer and audience as the api's configuration). */
export function harnessTokens(): Promise<LedgerTokens> {
  tokens ??= LedgerTokens.open(
    E2E_TOKEN_KEY_FILE,
    { issuer: 'patent-ledger', audience: 'patent-ledger' },
    () => {},
  );
  return tokens;
}

/** A bearer token for any principal (valid for an hour unless said otherwise). */
export async function tokenFor(
  p: Pick<Principal, 'role' | 'orgId' | 'userId'> & { admin?: boolean },
  ttlSeconds = 3600,
): Promise<string> {
  const t = await harnessTokens();
  return (await t.issue({ ...p, admin: p.admin ?? false }, { ttlSeconds })).token;
}

/** `{ Authorization: 'Bearer …' }` for any principal. */
export async function authAs(p: Pick<Principal, 'role' | 'orgId' | 'userId'> & { admin?: boolean }) {
  return { Authorization: `Bearer ${await tokenFor(p)}` };
}

async function fillActors(): Promise<void> {
  if (Object.values(actors).every((h) => h['Authorization'])) return;
  // In place: suites keep references to these objects from collection time.
  for (const [name, p] of Object.entries(PARTIES)) Object.assign(actors[name as PartyName], await authAs(p));
}

/** The principal behind one of the `actors` header objects. */
export function partyOf(headers: Record<string, string>): (typeof PARTIES)[PartyName] {
  const name = (Object.keys(actors) as PartyName[]).find((k) => actors[k] === headers);
  if (!name) throw new Error('not one of the harness actors');
  return PARTIES[name];
}

let keySeq = 0;
/** A fresh Idempotency-Key. */
export function newKey(prefix = 'k'): string {
  keySeq += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${keySeq}`;
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

type Method = 'post' | 'put' | 'delete';

export interface SendOptions {
  headers?: Record<string, string>;
  key?: string | null;
  ifMatch?: string;
}

/** Sends a JSON command with a fresh Idempotency-Key (unless `key` is given; `null` sends none). */
export function send(h: Harness, method: Method, path: string, body: unknown, options: SendOptions = {}) {
  let req = h.http()[method](path).set('Accept', 'application/json');
  const key = options.key === undefined ? newKey() : options.key;
  if (key !== null) req = req.set('Idempotency-Key', key);
  if (options.ifMatch !== undefined) req = req.set('If-Match', options.ifMatch);
  for (const [k, v] of Object.entries(options.headers ?? {})) req = req.set(k, v);
  return req.send(body as object);
}

export async function registerInstitution(h: Harness, id = INSTITUTION_ID): Promise<Response> {
  const res = await send(h, 'put', `/institutions/${id}`, EXAMPLES.institution, { headers: actors.ipOffice });
  if (res.status !== 201)
    throw new Error(`institution registration: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

export async function inventory(
  h: Harness,
  number: string,
  overrides: Record<string, unknown> = {},
): Promise<Response> {
  const res = await send(h, 'post', '/patents', inventoryBody(number, overrides), {
    headers: actors.institution,
  });
  if (res.status !== 201) throw new Error(`inventory ${number}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** Inventories a patent and admits it into the resource pool. */
export async function pooledPatent(h: Harness, number: string): Promise<void> {
  await inventory(h, number);
  const res = await send(h, 'post', `/patents/${number}/intent`, EXAMPLES.intent, {
    headers: actors.institution,
  });
  if (res.status !== 201) throw new Error(`intent ${number}: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface StoredEventJson {
  streamName: string;
  version: number;
  position: number;
  type: string;
  data: Record<string, unknown>;
  metadata: {
    eventId: string;
    commandId: string;
    correlationId: string;
    causationId: string;
    actor: { role: string; orgId: string; userId: string };
    recordedAt: string;
    schemaVersion: number;
  };
}

/** The events of a patent ([] when it has none). */
export async function eventsOf(h: Harness, number: string): Promise<StoredEventJson[]> {
  const res = await h.http().get(`/patents/${number}/events`);
  if (res.status === 404) return [];
  if (res.status !== 200) throw new Error(`events ${number}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { events: StoredEventJson[] }).events;
}

/** Position of the last event in the whole log, from /health. */
export async function headPosition(h: Harness): Promise<number> {
  const res = await h.http().get('/health');
  if (res.status !== 200) throw new Error(`health: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { store: { headPosition: number } }).store.headPosition;
}

/**
 * Waits until every projection (but `accounts`, which follows only account events) has passed the
 * head of the log, failing the test as soon as one is failed; throws after `tries` looks 100 ms apart.
 */
export async function projectionsCaughtUp(h: Harness, tries = 300): Promise<void> {
  const head = await headPosition(h);
  for (let i = 0; ; i++) {
    const res = await h.http().get('/projections');
    const all = res.body.projections as { name: string; state: string; position: number }[];
    expect(all.filter((p) => p.state === 'failed')).toEqual([]);
    if (all.every((p) => p.position >= head || p.name === 'accounts')) return;
    if (i > tries) throw new Error(`the projections did not catch up: ${JSON.stringify(all)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function patentOf(
  h: Harness,
  number: string,
): Promise<{ version: number; state: Record<string, unknown>; etag: string }> {
  const res = await h.http().get(`/patents/${number}`);
  if (res.status !== 200) throw new Error(`patent ${number}: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    ...(res.body as { version: number; state: Record<string, unknown> }),
    etag: res.headers['etag'] as string,
  };
}

/** Asserts an RFC 9457 problem response: status, content type, members, code and (when given) the fields errors[] names. */
export function expectProblem(res: Response, status: number, code: string, fields?: string[]): void {
  const context = `${res.request.method} ${res.request.url} → ${res.status} ${res.text}`;
  expect({ context, status: res.status }).toEqual({ context, status });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.any(String),
      code,
    }),
  );
  const url = new URL(res.request.url);
  expect({ context, instance: body['instance'] }).toEqual({ context, instance: url.pathname + url.search });
  expect({ context, title: typeof body['title'] === 'string' && body['title'].length > 0 }).toEqual({
    context,
    title: true,
  });
  if (fields) {
    // errors[] names exactly these fields (a field may carry several messages).
    const errors = (body['errors'] as { field: string; message: string }[] | undefined) ?? [];
    for (const e of errors) expect(e).toEqual({ field: expect.any(String), message: expect.any(String) });
    const named = [...new Set(errors.map((e) => e.field))].sort();
    expect({ context, named }).toEqual({ context, named: [...new Set(fields)].sort() });
  }
}
