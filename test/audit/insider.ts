/**
 * The insider scenarios of issue 12, written once and run on SQLite (insider.spec.ts) and on
 * PostgreSQL (insider-postgres.spec.ts): someone who can write the database — but not the witness
 * folder, nor the auditor's kept head — rewrites a transfer's price and assignee, recomputes every
 * stream hash and `streams.last_hash`, deletes the signed heads, lets the api run on it, re-signs
 * with the (stolen) genuine key, or truncates the log. `patent-ledger verify --key <published key>`
 * must name each, and the api must refuse to sign.
 *
 * Layout of each ledger, as a deployment keeps it: `data/` (the databases), `keys/` (the signing key
 * and its .pub, beside the data folder), `witness/` (the heads file).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import request from 'supertest';
import { ChainHeadRecorder, type EventStore, type SigningKey } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import {
  HeadsFileWitness,
  leafSourceOf,
  PostgresTreeStore,
  SqliteTreeStore,
  TransparencyLog,
  type TreeStore,
} from '@patent-ledger/transparency';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../apps/api/src/app.factory';
import { ChainService } from '../../apps/api/src/chain/chain.service';
import { loadConfig } from '../../apps/api/src/config';
import { E2E_TOKEN_KEY_FILE, PARTIES, tokenFor } from '../e2e/harness';
import {
  buildLedger,
  clock,
  postgresRaw,
  runCli,
  sqliteRaw,
  tamper,
  writeSigningKey,
  type BuiltLedger,
  type RawLedger,
} from './ledger-fixture';

export type StoreKind = 'sqlite' | 'postgres';

export interface InsiderLedger {
  root: string;
  dataDir: string;
  witnessDir: string;
  key: SigningKey;
  keyFile: string;
  publicKeyFile: string;
  ledger: BuiltLedger;
  store: EventStore & { readChainHeads(): Promise<unknown[]> };
  raw: RawLedger;
  tree: TreeStore;
  /** Deletes every signed tree head the ledger's tree store holds (the insider's `DELETE FROM tree_heads`). */
  deleteTreeHeads(): Promise<void>;
  /** Drops the stored Merkle tree too (as an insider covering tracks would). */
  dropTree(): Promise<void>;
  /** The environment of the CLI and the api for this ledger. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Lines of the heads file. */
  witnessLines(): string[];
  close(): Promise<void>;
}

let seq = 0;

/**
 * Builds the ledger of the auditor suites through the real command path, and signs as the api does
 * after each round: a tree head (recorded in the tree store beside the read models, appended to the
 * heads file) and the global chain's heads.
 */
export async function insiderLedger(kind: StoreKind, pgUrl?: string): Promise<InsiderLedger> {
  const root = mkdtempSync(join(tmpdir(), `patent-ledger-insider-${kind}-`));
  const dataDir = join(root, 'data');
  const witnessDir = join(root, 'witness');
  mkdirSync(dataDir);
  mkdirSync(join(root, 'keys'));
  const { key, keyFile, publicKeyFile } = writeSigningKey(join(root, 'keys', 'signing-key.pem'));
  const schema = `pl_insider_${process.pid}_${++seq}`;
  let store: InsiderLedger['store'];
  let raw: RawLedger;
  let tree: TreeStore;
  let pool: Pool | undefined;
  if (kind === 'sqlite') {
    const s = SqliteEventStore.open(join(dataDir, 'ledger.db'));
    store = s;
    raw = sqliteRaw(s);
    tree = SqliteTreeStore.open(join(dataDir, 'read-models.db'));
  } else {
    const { PostgresEventStore } = await import('@patent-ledger/store-postgres');
    const s = await PostgresEventStore.open({ connectionString: pgUrl!, schema, poolSize: 3 });
    store = s;
    raw = postgresRaw(s.pool, schema);
    pool = new Pool({ connectionString: pgUrl, max: 2 });
    tree = await PostgresTreeStore.open({ pool, schema: `${schema}_read` });
  }
  const now = clock('2025-05-10T03:00:00Z');
  const log = await TransparencyLog.open({
    source: leafSourceOf(store),
    tree,
    key,
    witnesses: [{ witness: new HeadsFileWitness(witnessDir), required: true }],
    now,
  });
  await log.start();
  const ledger = await buildLedger(store, { heads: store as never, key, every: 5 }, () => log.cycle());
  await log.close();
  const t = (name: string) => (kind === 'sqlite' ? name : `"${schema}_read".${name}`);
  const exec = async (sql: string) => {
    if (tree instanceof SqliteTreeStore) tree.database.exec(sql);
    else await pool!.query(sql);
  };
  return {
    root,
    dataDir,
    witnessDir,
    key,
    keyFile,
    publicKeyFile,
    ledger,
    store,
    raw,
    tree,
    deleteTreeHeads: () => exec(`DELETE FROM ${t('tree_heads')}`),
    dropTree: () =>
      exec(
        `DELETE FROM ${t('merkle_chunks')}; DELETE FROM ${t('merkle_nodes')}; DELETE FROM ${t('merkle_meta')}`,
      ),
    env: (extra = {}) => ({
      LEDGER_DB: join(dataDir, 'ledger.db'),
      LEDGER_READ_DB: join(dataDir, 'read-models.db'),
      LEDGER_SIGNING_KEY_FILE: keyFile,
      LEDGER_WITNESS_DIR: witnessDir,
      LEDGER_TOKEN_KEY_FILE: E2E_TOKEN_KEY_FILE,
      LEDGER_LOG_LEVEL: 'error',
      ...(kind === 'postgres'
        ? {
            LEDGER_STORE: 'postgres',
            LEDGER_PG_URL: pgUrl,
            LEDGER_PG_SCHEMA: schema,
            LEDGER_READ_MODELS: 'postgres',
          }
        : {}),
      ...extra,
    }),
    witnessLines: () =>
      existsSync(join(witnessDir, 'heads.jsonl'))
        ? readFileSync(join(witnessDir, 'heads.jsonl'), 'utf8').split('\n').filter(Boolean)
        : [],
    async close() {
      await store.close().catch(() => undefined);
      await tree.close().catch(() => undefined);
      if (pool) {
        await pool.query(
          `DROP SCHEMA IF EXISTS "${schema}" CASCADE; DROP SCHEMA IF EXISTS "${schema}_read" CASCADE`,
        );
        await pool.end();
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Rewrites the registered transfer of the first patent: a lower price to a shell company, every hash recomputed. */
export async function rewriteTransfer(l: InsiderLedger): Promise<void> {
  await tamper.rewriteStream(l.raw, l.ledger.patents[0]!.streamName, (rows) => {
    const t = rows.find((r) => r.type === 'Transferred')!;
    const data = JSON.parse(t.data) as Record<string, unknown>;
    t.data = JSON.stringify({
      ...data,
      price: '1.00',
      assigneeId: 'shell-co',
      assigneeName: 'Shell Holdings Ltd.',
    });
  });
}

/** Deletes every signed head: the global chain's (`chain_heads`) and the tree's (`tree_heads`). */
export async function deleteEveryHead(l: InsiderLedger): Promise<void> {
  await l.raw.deleteHeads({ positionAtLeast: 0 });
  await l.deleteTreeHeads();
}

/** `patent-ledger verify --key <published key>` on this ledger. */
export async function verifyCli(l: InsiderLedger, ...extra: string[]) {
  const run = await runCli(['verify', '--key', l.publicKeyFile, '--json', ...extra], l.env());
  const text = await runCli(['verify', '--key', l.publicKeyFile, ...extra], l.env());
  const json = JSON.parse(run.stdout) as {
    ok: boolean;
    firstIssue?: { kind: string; detail: string };
    issues: { kind: string; detail: string }[];
  };
  return {
    code: run.code,
    textCode: text.code,
    text: text.stdout,
    json,
    kinds: [...new Set(json.issues.map((i) => i.kind))].sort(),
  };
}

/** The real api on this ledger (the same configuration the CLI reads), not listening. */
export async function apiOn(l: InsiderLedger): Promise<{
  app: NestExpressApplication;
  chain: ChainService;
  http: ReturnType<typeof request>;
  auditor: () => Promise<string>;
  close(): Promise<void>;
}> {
  await l.store.close();
  await l.tree.close();
  const app = await createApp(loadConfig(l.env()), { logger: false });
  await app.init();
  return {
    app,
    chain: app.get(ChainService),
    http: request(app.getHttpServer()),
    auditor: async () => `Bearer ${await tokenFor(PARTIES.auditor)}`,
    close: () => app.close(),
  };
}

/** Waits until the api's start-up check has finished (ok or refused). */
export async function settled(chain: ChainService, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const s = chain.status().state;
    if (s === 'ok' || s === 'refused') return s;
    if (Date.now() > until) throw new Error(`the start-up check did not finish (${s})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Keeps a head as an auditor would: GET /chain/heads/latest saved to a file. */
export function keepHead(l: InsiderLedger, index = -1): string {
  const lines = l.witnessLines();
  const file = join(l.root, `kept-head-${Math.abs(index)}.json`);
  writeFileSync(file, lines.at(index)!);
  return file;
}

/** A stolen key re-signs the forged history: a fresh tree, tree heads and chain heads in the database, and a witness of the insider's own. */
export async function resignWithStolenKey(l: InsiderLedger): Promise<void> {
  await l.dropTree();
  const log = await TransparencyLog.open({
    source: leafSourceOf(l.store),
    tree: l.tree,
    key: l.key,
    witnesses: [{ witness: new HeadsFileWitness(join(l.root, 'insiders-witness')), required: true }],
  });
  expect((await log.start()).state).toBe('ok');
  expect(await log.cycle()).toBeDefined();
  await log.close();
  await new ChainHeadRecorder(l.store, l.store as never, l.key, { everyEvents: 5 }).record();
}

/** The scenarios, on one store. */
export function insiderSuite(kind: StoreKind, pgUrl?: string): void {
  let l: InsiderLedger;
  beforeEach(async () => {
    l = await insiderLedger(kind, pgUrl);
  });
  afterEach(async () => {
    await l.close();
  });

  it('untouched: verify with the published key is OK and counts the witnessed heads; the api starts and signs', async () => {
    expect(l.witnessLines()).toHaveLength(8);
    const v = await verifyCli(l);
    expect(v.json.issues).toEqual([]);
    expect(v.code).toBe(0);
    expect(v.text).toMatch(
      /\ntree heads: 8 checked against the log, 8 of them witnessed outside the database \(newest: size 26\)\n/,
    );
    const api = await apiOn(l);
    try {
      expect(await settled(api.chain)).toBe('ok');
      const health = await api.http.get('/health');
      expect(health.status).toBe(200);
      expect(health.body.chain).toEqual(expect.objectContaining({ state: 'ok', treeSize: 26 }));
      const ready = await api.http.get('/health/ready');
      expect({ status: ready.status, transparency: ready.body.checks.transparency }).toEqual({
        status: 200,
        transparency: undefined,
      });
    } finally {
      await api.close();
    }
  });

  it('one event edited in place (its stored hash left as it was): payload-changed, and the api will not sign evidence for it', async () => {
    await tamper.changePayload(
      l.raw,
      l.ledger.patents[0]!.streamName,
      7,
      '"price":"1250000',
      '"price":"1250001',
    );
    const v = await verifyCli(l);
    expect(v.code).toBe(1);
    expect(v.textCode).toBe(1);
    expect(v.json.firstIssue?.kind).toBe('payload-changed');
    // The tree's leaves are the stored hashes, which this edit left alone: the stream chain names it.
    expect(v.kinds).toEqual(['payload-changed']);
    const api = await apiOn(l);
    try {
      expect(await settled(api.chain)).toBe('ok');
      const evidence = await api.http
        .get(`/patents/${l.ledger.patents[0]!.applicationNumber}/evidence`)
        .set('Authorization', await api.auditor());
      expect(evidence.status).toBe(409);
      expect(evidence.body.code).toBe('EVIDENCE.CHAIN_BROKEN');
      const other = await api.http
        .get(`/patents/${l.ledger.patents[1]!.applicationNumber}/evidence`)
        .set('Authorization', await api.auditor());
      expect(other.status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('a transfer’s price and assignee rewritten, every stream hash and streams.last_hash recomputed: log-forked', async () => {
    await rewriteTransfer(l);
    const v = await verifyCli(l);
    expect(v.code).toBe(1);
    expect(v.kinds).toEqual(expect.arrayContaining(['log-forked', 'history-rewritten']));
    expect(v.json.issues.some((i) => i.kind === 'log-forked' && i.detail.includes(l.witnessDir))).toBe(true);
  });

  it('the same, and every head deleted (chain_heads and tree_heads): log-forked and heads-deleted, from the witness copy', async () => {
    await rewriteTransfer(l);
    await deleteEveryHead(l);
    const v = await verifyCli(l);
    expect(v.code).toBe(1);
    expect(v.json.firstIssue?.kind).toBe('log-forked');
    expect(v.kinds).toEqual(['heads-deleted', 'log-forked']);
    expect(v.text).toMatch(/^BROKEN: log-forked \(position \d+\): the first \d+ events of the log/);
    // Without the witness (the old limit) nothing would show: the proof is the copy outside the database.
    const blind = await runCli(['verify', '--key', l.publicKeyFile], l.env({ LEDGER_WITNESS_DIR: 'off' }));
    expect(blind.code).toBe(0);
  });

  it('the same, and then the api runs on it: it refuses to sign (health 503, no new head anywhere, evidence refused)', async () => {
    await rewriteTransfer(l);
    await deleteEveryHead(l);
    const before = l.witnessLines();
    const api = await apiOn(l);
    try {
      expect(await settled(api.chain)).toBe('refused');
      await api.chain.record(); // what the 5-second timer does
      await api.chain.record();
      const health = await api.http.get('/health');
      expect(health.status).toBe(503);
      expect(health.body.status).toBe('unhealthy');
      expect(health.body.chain.state).toBe('refused');
      expect(health.body.chain.issue.kind).toBe('log-forked');
      // Not ready either: a load balancer takes it out of service, and says why.
      const ready = await api.http.get('/health/ready');
      expect({ status: ready.status, transparency: ready.body.checks.transparency }).toEqual({
        status: 503,
        transparency: 'refused',
      });
      const auth = await api.auditor();
      const evidence = await api.http
        .get(`/patents/${l.ledger.patents[0]!.applicationNumber}/evidence`)
        .set('Authorization', auth);
      expect(evidence.status).toBe(503);
      expect(evidence.body.code).toBe('TRANSPARENCY.REFUSED');
      expect(l.witnessLines()).toEqual(before);
    } finally {
      await api.close();
    }
    // Nothing was signed into the database either (the shutdown round included).
    const reopened = await insiderView(l);
    expect(await reopened.treeHeads()).toBe(0);
    expect(await reopened.chainHeads()).toBe(0);
    await reopened.close();
  });

  it('the api already running when the database is rewritten: its next round refuses to sign', async () => {
    const api = await apiOn(l);
    try {
      expect(await settled(api.chain)).toBe('ok');
      const view = await insiderView(l);
      await rewriteTransfer({ ...l, raw: view.raw });
      await view.deleteHeads();
      await view.close();
      const before = l.witnessLines();
      await api.chain.record();
      expect(api.chain.status()).toEqual(
        expect.objectContaining({ state: 'refused', issue: expect.objectContaining({ kind: 'log-forked' }) }),
      );
      expect((await api.http.get('/health')).status).toBe(503);
      expect(l.witnessLines()).toEqual(before);
    } finally {
      await api.close();
    }
  });

  it('the same, re-signed with the stolen key while the witness holds the earlier heads: log-forked (also against a head the auditor kept)', async () => {
    const kept = keepHead(l);
    await rewriteTransfer(l);
    await deleteEveryHead(l);
    await resignWithStolenKey(l);
    const v = await verifyCli(l);
    expect(v.code).toBe(1);
    expect(v.json.firstIssue?.kind).toBe('log-forked');
    expect(v.kinds).toContain('log-forked');
    expect(
      v.json.issues.some(
        (i) => i.kind === 'log-forked' && /the key signed two different histories/.test(i.detail),
      ),
    ).toBe(true);
    // An auditor with only the head they kept, and no witness folder: still caught.
    const run = await runCli(
      ['verify', '--key', l.publicKeyFile, '--head', kept, '--json'],
      l.env({ LEDGER_WITNESS_DIR: 'off' }),
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { firstIssue: { kind: string; detail: string } };
    expect(report.firstIssue.kind).toBe('log-forked');
    expect(report.firstIssue.detail).toContain(kept);
  });

  it('the log truncated (the newest events, the stream table moved back, their heads deleted): log-truncated', async () => {
    const last = l.ledger.patents[0]!;
    await tamper.deleteNewest(l.raw, last.streamName, true);
    await deleteEveryHead(l);
    const v = await verifyCli(l);
    expect(v.code).toBe(1);
    expect(v.json.firstIssue?.kind).toBe('log-truncated');
    expect(v.kinds).toEqual(expect.arrayContaining(['log-truncated', 'heads-deleted']));
  });
}

/** A second connection to the ledger's databases, as the insider has. */
async function insiderView(l: InsiderLedger): Promise<{
  raw: RawLedger;
  treeHeads(): Promise<number>;
  chainHeads(): Promise<number>;
  deleteHeads(): Promise<void>;
  close(): Promise<void>;
}> {
  const env = l.env();
  if (!env['LEDGER_PG_URL']) {
    const store = SqliteEventStore.open(join(l.dataDir, 'ledger.db'));
    const tree = SqliteTreeStore.open(join(l.dataDir, 'read-models.db'));
    const raw = sqliteRaw(store);
    return {
      raw,
      treeHeads: async () => (await tree.heads()).length,
      chainHeads: async () => (await store.readChainHeads()).length,
      deleteHeads: async () => {
        await raw.deleteHeads({ positionAtLeast: 0 });
        tree.database.exec('DELETE FROM tree_heads');
      },
      close: async () => {
        await store.close();
        await tree.close();
      },
    };
  }
  const schema = env['LEDGER_PG_SCHEMA']!;
  const pool = new Pool({ connectionString: env['LEDGER_PG_URL'], max: 2 });
  const raw = postgresRaw(pool, schema);
  const count = async (table: string) =>
    Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  return {
    raw,
    treeHeads: () => count(`"${schema}_read".tree_heads`),
    chainHeads: () => count(`"${schema}".chain_heads`),
    deleteHeads: async () => {
      await raw.deleteHeads({ positionAtLeast: 0 });
      await pool.query(`DELETE FROM "${schema}_read".tree_heads`);
    },
    close: () => pool.end(),
  };
}
