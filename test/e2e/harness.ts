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

export { EXAMPLES };

export interface Harness {
  readonly dir: string;
  readonly file: string;
  readonly config: LedgerConfig;
  /** The current application (replaced by restart()). */
  app(): NestExpressApplication;
  /** A supertest client of the current application. */
  http(): ReturnType<typeof request>;
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
    ...(E2E_STORE === 'postgres' || readModels === 'postgres'
      ? { LEDGER_PG_URL: PG_TEST_URL, LEDGER_PG_SCHEMA: pgSchema }
      : {}),
    ...(E2E_STORE === 'postgres' ? { LEDGER_STORE: 'postgres' } : {}),
    ...(readModels === 'postgres' ? { LEDGER_READ_MODELS: 'postgres' } : {}),
  });
  const boot = async (): Promise<NestExpressApplication> => {
    const app = options.latency
      ? await createApp(config, {
          logger: false,
          store: withLatency(await openStore(config), options.latency),
        })
      : await createApp(config, { logger: false });
    await app.init();
    return app;
  };
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
    http: () => request(current().getHttpServer()),
    async restart() {
      await current().close();
      app = undefined;
      app = await boot();
    },
    async close() {
      if (app) await app.close();
      app = undefined;
      await rm(dir, { recursive: true, force: true });
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

export const actors = {
  institution: { 'X-Actor-Role': 'institution', 'X-Actor-Org': 'tyut', 'X-Actor-User': 'tto-wang' },
  enterprise: { 'X-Actor-Role': 'enterprise', 'X-Actor-Org': 'sx-coal-materials', 'X-Actor-User': 'li.ming' },
  licensee: { 'X-Actor-Role': 'enterprise', 'X-Actor-Org': 'jz-ceramics', 'X-Actor-User': 'zhao' },
  ipOffice: { 'X-Actor-Role': 'ip-office', 'X-Actor-Org': 'sx-cnipa', 'X-Actor-User': 'officer-1' },
} as const;

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
