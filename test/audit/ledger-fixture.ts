/**
 * Shared fixture of the auditor suites: a realistic ledger built through the real command path
 * (`handleCommand` + the deciders), signed chain heads, the CLI driven in-process, and the raw
 * tamperings an attacker with write access to the database could do — written once against a small
 * `RawLedger` port so the same tamperings run on SQLite and on PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Pool } from 'pg';
import {
  checkDigit,
  institutionDecider,
  institutionStream,
  PATENT_EVENT_SCHEMA_VERSIONS,
  patentDecider,
  patentStream,
  upcastPatentEvent,
  type PatentCommand,
  type PatentEventType,
} from '@patent-ledger/domain';
import {
  declareOpenLicense,
  evaluatePatent,
  fileDensityProduct,
  industrializePatent,
  inventoryPatent,
  lapsePatent,
  licensePatent,
  promotePatent,
  recordLicense,
  registerInstitution,
  registerTransfer,
  reportTransaction,
  tagIntent,
  takeOpenLicense,
  transferPatent,
} from '@patent-ledger/domain/testing';
import {
  ChainHeadRecorder,
  eventHash,
  generateSigningKey,
  GENESIS_HASH,
  handleCommand,
  loadSigningKey,
  readLog,
  verifyLedger,
  type ChainHeadStore,
  type EventMetadata,
  type EventStore,
  type JsonObject,
  type SigningKey,
  type TamperKind,
  type VerifyIssue,
  type VerifyReport,
} from '@patent-ledger/eventsourcing';
import type { KeyObject } from 'node:crypto';
import type { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { CliError, type CliIo } from '../../apps/cli/src/cli-io';
import { main } from '../../apps/cli/src/main';

// ---------------------------------------------------------------------------------------------
// keys, CLI

/** A valid 12-digit invention application number filed in 2017 (check digit computed). */
export function inventionNumber(serial: number): string {
  const digits = `20171${String(serial).padStart(7, '0')}`;
  return `${digits}.${checkDigit(digits)}`;
}

/**
 * Writes a fresh key into `<dir>-keys/` — beside the folder the databases are in, never inside it
 * (verify refuses a key from the data folder). Remove it with `removeKeysBeside(dir)`.
 */
export function writeSigningKeyBeside(dir: string): {
  keyFile: string;
  publicKeyFile: string;
  key: SigningKey;
} {
  mkdirSync(`${dir}-keys`, { recursive: true });
  return writeSigningKey(join(`${dir}-keys`, 'signing-key.pem'));
}

export const removeKeysBeside = (dir: string): void =>
  rmSync(`${dir}-keys`, { recursive: true, force: true });

/** Writes a fresh Ed25519 key as the CLI's keygen does: `file` (private PEM) and `file.pub`. */
export function writeSigningKey(file: string): { keyFile: string; publicKeyFile: string; key: SigningKey } {
  const { privateKeyPem, publicKeyPem } = generateSigningKey();
  writeFileSync(file, privateKeyPem, { mode: 0o600 });
  writeFileSync(`${file}.pub`, publicKeyPem);
  return { keyFile: file, publicKeyFile: `${file}.pub`, key: loadSigningKey(privateKeyPem) };
}

/** The environment the CLI reads: the ledger file and the signing key (LEDGER_* as the api). */
export function cliEnv(
  dbFile: string,
  keyFile: string | 'off',
  dir: string,
  witnessDir: string | 'off' = 'off',
): NodeJS.ProcessEnv {
  return {
    LEDGER_DB: dbFile,
    LEDGER_SIGNING_KEY_FILE: keyFile,
    LEDGER_READ_DB: join(dir, 'read-models.db'),
    LEDGER_WITNESS_DIR: witnessDir,
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `patent-ledger <argv>` in-process; a CliError becomes its exit code and message, as the binary does. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        into.push(String(chunk));
        cb();
      },
    });
  const io: CliIo = { stdout: sink(out), stderr: sink(err), isTTY: false };
  try {
    const code = await main(argv, env, io);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    return { code: e.exitCode, stdout: out.join(''), stderr: `${err.join('')}patent-ledger: ${e.message}\n` };
  }
}

// ---------------------------------------------------------------------------------------------
// the ledger

const ACTOR = { role: 'institution', orgId: 'tyut', userId: 'tto-wang' } as const;

/** A command clock: each call is one minute after the previous one, from `start`. */
export function clock(start: string): () => string {
  let t = Date.parse(start);
  return () => {
    const now = new Date(t).toISOString();
    t += 60_000;
    return now;
  };
}

export interface PatentPlan {
  applicationNumber: string;
  streamName: string;
  commands: ((now: string) => PatentCommand)[];
}

/** Four patents of 太原理工大学 with different lives (8, 6, 6 and 5 events). */
export function patentPlans(): PatentPlan[] {
  const plan = (
    serial: number,
    build: (o: { applicationNumber: string }) => ((now: string) => PatentCommand)[],
  ): PatentPlan => {
    const applicationNumber = inventionNumber(serial);
    return {
      applicationNumber,
      streamName: patentStream(applicationNumber),
      commands: build({ applicationNumber }),
    };
  };
  return [
    // Licensed, the licence recorded, then sold and the sale registered.
    plan(601862, (a) => [
      (now) => inventoryPatent(a, now),
      (now) => tagIntent(a, now),
      (now) => evaluatePatent(a, now),
      (now) => promotePatent(a, now),
      (now) => licensePatent(a, now),
      (now) => recordLicense(a, now),
      (now) => transferPatent(a, now),
      (now) => registerTransfer(a, now),
    ]),
    // Evaluated, promoted, offered under an open licence that is taken.
    plan(601863, (a) => [
      (now) => inventoryPatent({ ...a, title: 'Coal gangue based ceramic proppant' }, now),
      (now) => tagIntent({ ...a, modes: ['license'] }, now),
      (now) => evaluatePatent({ ...a, evaluationId: 'ev-7' }, now),
      (now) => promotePatent({ ...a, channel: 'roadshow' }, now),
      (now) => declareOpenLicense(a, now),
      (now) => takeOpenLicense(a, now),
    ]),
    // Licensed, industrialized by the licensee, density product filed, reported.
    plan(601864, (a) => [
      (now) => inventoryPatent({ ...a, title: 'Magnesium alloy plate rolling method' }, now),
      (now) => tagIntent(a, now),
      (now) => licensePatent(a, now),
      (now) => industrializePatent(a, now),
      (now) => fileDensityProduct(a, now),
      (now) => reportTransaction({ ...a, dealId: undefined, industrializationId: 'ind-1' }, now),
    ]),
    // Evaluated and promoted, then lapsed for non-payment.
    plan(601865, (a) => [
      (now) => inventoryPatent({ ...a, title: 'Coking wastewater treatment process' }, now),
      (now) => tagIntent(a, now),
      (now) => evaluatePatent(a, now),
      (now) => promotePatent(a, now),
      (now) => lapsePatent(a, now),
    ]),
  ];
}

let commandSeq = 0;

/** Handles one patent command as the api does (upcasters, schema versions). */
export async function handlePatent(
  store: EventStore,
  applicationNumber: string,
  command: PatentCommand,
  now: string,
) {
  const commandId = `cmd-${process.pid}-${++commandSeq}-${randomUUID()}`;
  return handleCommand(
    store,
    patentDecider,
    patentStream(applicationNumber),
    command,
    { commandId, fingerprint: commandId, actor: ACTOR, now },
    {
      upcast: (e) => upcastPatentEvent(e).event,
      schemaVersionOf: (t) => PATENT_EVENT_SCHEMA_VERSIONS[t as PatentEventType] ?? 1,
    },
  );
}

export interface BuiltLedger {
  patents: (PatentPlan & { events: number })[];
  institutionStream: string;
  events: number;
  streams: number;
}

/**
 * Builds the ledger: the institution, then the patents' commands round-robin (so every stream is
 * spread over the global log), recording signed chain heads after each round as the api's timer
 * does (a head every `every` events, and one at the end of each recording) and once more at the end.
 */
export async function buildLedger(
  store: EventStore,
  signing?: { heads: ChainHeadStore; key: SigningKey; every: number },
  /** Runs after each round, as the api's timer would (e.g. sign a tree head). */
  afterRound?: () => Promise<unknown>,
): Promise<BuiltLedger> {
  const now = clock('2025-05-10T01:00:00Z');
  const instId = 'tyut';
  const t0 = now();
  await handleCommand(store, institutionDecider, institutionStream(instId), registerInstitution({}, t0), {
    commandId: `inst-${randomUUID()}`,
    fingerprint: 'inst',
    actor: { role: 'ip-office', orgId: 'sx-cnipa', userId: 'officer-1' },
    now: t0,
  });
  const recorder =
    signing && new ChainHeadRecorder(store, signing.heads, signing.key, { everyEvents: signing.every, now });
  const plans = patentPlans();
  const counts = plans.map(() => 0);
  const rounds = Math.max(...plans.map((p) => p.commands.length));
  for (let round = 0; round < rounds; round++) {
    for (const [i, p] of plans.entries()) {
      const cmd = p.commands[round];
      if (!cmd) continue;
      const t = now();
      const outcome = await handlePatent(store, p.applicationNumber, cmd(t), t);
      counts[i] = outcome.version;
    }
    await recorder?.record();
    await afterRound?.();
  }
  await recorder?.record(); // shutdown: nothing new, so no new head
  const events = 1 + counts.reduce((a, b) => a + b, 0);
  return {
    patents: plans.map((p, i) => ({ ...p, events: counts[i]! })),
    institutionStream: institutionStream(instId),
    events,
    streams: plans.length + 1,
  };
}

/** verifyLedger exactly as the CLI calls it. */
export async function verifyStore(
  store: EventStore & ChainHeadStore,
  options: { publicKey?: KeyObject; withHeads?: boolean } = {},
): Promise<VerifyReport> {
  return verifyLedger(readLog(store), {
    heads: options.withHeads === false ? [] : await store.readChainHeads(),
    ...(options.publicKey ? { publicKey: options.publicKey } : {}),
    ...(store.streamHeads ? { streamHeads: await store.streamHeads() } : {}),
    readStream: (s) => store.readStream(s),
  });
}

// ---------------------------------------------------------------------------------------------
// raw access: what an attacker with the database can do

export interface RawRow {
  position: number;
  streamName: string;
  version: number;
  type: string;
  /** The stored JSON text. */
  data: string;
  metadata: string;
  hash: string;
}

export interface RawHead {
  seq: number;
  position: number;
  count: number;
  head: string;
  signature: string;
}

/** Direct table access, bypassing the store. */
export interface RawLedger {
  rows(streamName: string): Promise<RawRow[]>;
  /** Runs SQL `replace()` over one event's stored data text. */
  replaceInData(position: number, from: string, to: string): Promise<number>;
  update(
    position: number,
    set: Partial<Pick<RawRow, 'version' | 'type' | 'data' | 'metadata' | 'hash'>>,
  ): Promise<void>;
  remove(position: number): Promise<void>;
  insert(row: Omit<RawRow, 'position'>): Promise<number>;
  streamRow(streamName: string): Promise<{ version: number; lastHash: string | null } | undefined>;
  setStream(streamName: string, version: number, lastHash: string): Promise<void>;
  heads(): Promise<RawHead[]>;
  updateHead(seq: number, set: Partial<Pick<RawHead, 'signature' | 'head'>>): Promise<void>;
  deleteHeads(where: { positionAtLeast: number }): Promise<void>;
}

const setClause = (set: Record<string, unknown>, param: (i: number, column: string) => string) => {
  const entries = Object.entries(set).filter(([, v]) => v !== undefined);
  return {
    sql: entries.map(([k], i) => `${k} = ${param(i, k)}`).join(', '),
    values: entries.map(([, v]) => v),
  };
};

export function sqliteRaw(store: Pick<SqliteEventStore, 'database'>): RawLedger {
  const db = store.database;
  return {
    async rows(streamName) {
      return db
        .prepare(
          'SELECT position, stream_name AS streamName, version, type, data, metadata, hash FROM events WHERE stream_name = ? ORDER BY version',
        )
        .all(streamName) as RawRow[];
    },
    async replaceInData(position, from, to) {
      return db
        .prepare('UPDATE events SET data = replace(data, ?, ?) WHERE position = ?')
        .run(from, to, position).changes;
    },
    async update(position, set) {
      const { sql, values } = setClause(set, () => '?');
      db.prepare(`UPDATE events SET ${sql} WHERE position = ?`).run(...values, position);
    },
    async remove(position) {
      db.prepare('DELETE FROM events WHERE position = ?').run(position);
    },
    async insert(row) {
      const meta = JSON.parse(row.metadata) as EventMetadata;
      const r = db
        .prepare(
          `INSERT INTO events (stream_name, version, type, data, metadata, event_id, command_id, recorded_at, hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          row.streamName,
          row.version,
          row.type,
          row.data,
          row.metadata,
          meta.eventId,
          meta.commandId,
          meta.recordedAt,
          row.hash,
        );
      return Number(r.lastInsertRowid);
    },
    async streamRow(streamName) {
      const r = db.prepare('SELECT version, last_hash FROM streams WHERE stream_name = ?').get(streamName) as
        { version: number; last_hash: string | null } | undefined;
      return r && { version: r.version, lastHash: r.last_hash };
    },
    async setStream(streamName, version, lastHash) {
      db.prepare('UPDATE streams SET version = ?, last_hash = ? WHERE stream_name = ?').run(
        version,
        lastHash,
        streamName,
      );
    },
    async heads() {
      return db
        .prepare('SELECT seq, position, count, head, signature FROM chain_heads ORDER BY seq')
        .all() as RawHead[];
    },
    async updateHead(seq, set) {
      const { sql, values } = setClause(set, () => '?');
      db.prepare(`UPDATE chain_heads SET ${sql} WHERE seq = ?`).run(...values, seq);
    },
    async deleteHeads({ positionAtLeast }) {
      db.prepare('DELETE FROM chain_heads WHERE position >= ?').run(positionAtLeast);
    },
  };
}

export function postgresRaw(pool: Pool, schema: string): RawLedger {
  const t = (name: string) => `"${schema}".${name}`;
  return {
    async rows(streamName) {
      const r = await pool.query<RawRow & { position: string }>(
        `SELECT position, stream_name AS "streamName", version, type, data::text AS data, metadata::text AS metadata, hash
         FROM ${t('events')} WHERE stream_name = $1 ORDER BY version`,
        [streamName],
      );
      return r.rows.map((x) => ({ ...x, position: Number(x.position) }));
    },
    async replaceInData(position, from, to) {
      const r = await pool.query(
        `UPDATE ${t('events')} SET data = replace(data::text, $1, $2)::json WHERE position = $3`,
        [from, to, position],
      );
      return r.rowCount ?? 0;
    },
    async update(position, set) {
      const { sql, values } = setClause(set, (i, column) =>
        column === 'data' || column === 'metadata' ? `$${i + 1}::json` : `$${i + 1}`,
      );
      await pool.query(`UPDATE ${t('events')} SET ${sql} WHERE position = $${values.length + 1}`, [
        ...values,
        position,
      ]);
    },
    async remove(position) {
      await pool.query(`DELETE FROM ${t('events')} WHERE position = $1`, [position]);
    },
    async insert(row) {
      const meta = JSON.parse(row.metadata) as EventMetadata;
      const r = await pool.query<{ position: string }>(
        `INSERT INTO ${t('events')} (stream_name, version, type, data, metadata, event_id, command_id, recorded_at, hash)
         VALUES ($1, $2, $3, $4::json, $5::json, $6, $7, $8, $9) RETURNING position`,
        [
          row.streamName,
          row.version,
          row.type,
          row.data,
          row.metadata,
          meta.eventId,
          meta.commandId,
          meta.recordedAt,
          row.hash,
        ],
      );
      return Number(r.rows[0]!.position);
    },
    async streamRow(streamName) {
      const r = await pool.query<{ version: number; last_hash: string | null }>(
        `SELECT version, last_hash FROM ${t('streams')} WHERE stream_name = $1`,
        [streamName],
      );
      const row = r.rows[0];
      return row && { version: row.version, lastHash: row.last_hash };
    },
    async setStream(streamName, version, lastHash) {
      await pool.query(`UPDATE ${t('streams')} SET version = $1, last_hash = $2 WHERE stream_name = $3`, [
        version,
        lastHash,
        streamName,
      ]);
    },
    async heads() {
      const r = await pool.query<RawHead & { seq: string; position: string; count: string }>(
        `SELECT seq, position, count, head, signature FROM ${t('chain_heads')} ORDER BY seq`,
      );
      return r.rows.map((h) => ({
        ...h,
        seq: Number(h.seq),
        position: Number(h.position),
        count: Number(h.count),
      }));
    },
    async updateHead(seq, set) {
      const { sql, values } = setClause(set, (i) => `$${i + 1}`);
      await pool.query(`UPDATE ${t('chain_heads')} SET ${sql} WHERE seq = $${values.length + 1}`, [
        ...values,
        seq,
      ]);
    },
    async deleteHeads({ positionAtLeast }) {
      await pool.query(`DELETE FROM ${t('chain_heads')} WHERE position >= $1`, [positionAtLeast]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// tamperings

/** The hash a store would give this stored row, chained from `previousHash`. */
export function hashOfRow(
  row: Pick<RawRow, 'streamName' | 'version' | 'type' | 'data' | 'metadata'>,
  previousHash: string,
): string {
  return eventHash({
    streamName: row.streamName,
    version: row.version,
    type: row.type,
    data: JSON.parse(row.data) as JsonObject,
    metadata: JSON.parse(row.metadata) as EventMetadata,
    previousHash,
  });
}

function rowAt(rows: RawRow[], version: number): RawRow {
  const row = rows.find((r) => r.version === version);
  if (!row) throw new Error(`no version ${version} in ${rows[0]?.streamName ?? 'the stream'}`);
  return row;
}

export const tamper = {
  /** (a) One byte of one event's payload, by SQL replace() on the stored text. */
  async changePayload(
    raw: RawLedger,
    streamName: string,
    version: number,
    from: string,
    to: string,
  ): Promise<RawRow> {
    const row = rowAt(await raw.rows(streamName), version);
    if (!row.data.includes(from)) throw new Error(`version ${version} of ${streamName} has no ${from}`);
    await raw.replaceInData(row.position, from, to);
    return row;
  },

  /** (b) Deletes one event. */
  async deleteEvent(raw: RawLedger, streamName: string, version: number): Promise<RawRow> {
    const row = rowAt(await raw.rows(streamName), version);
    await raw.remove(row.position);
    return row;
  },

  /** (c) Exchanges the contents (type, data, metadata, hash) of versions v and v + 1; each row keeps its version and position. */
  async swapContents(raw: RawLedger, streamName: string, version: number): Promise<void> {
    const rows = await raw.rows(streamName);
    const a = rowAt(rows, version);
    const b = rowAt(rows, version + 1);
    const pick = (r: RawRow) => ({ type: r.type, data: r.data, metadata: r.metadata, hash: r.hash });
    await raw.update(a.position, pick(b));
    await raw.update(b.position, pick(a));
  },

  /** (c') Exchanges the version numbers of versions v and v + 1 (through a temporary version, for the unique index). */
  async swapVersions(raw: RawLedger, streamName: string, version: number): Promise<void> {
    const rows = await raw.rows(streamName);
    const a = rowAt(rows, version);
    const b = rowAt(rows, version + 1);
    await raw.update(a.position, { version: -1 });
    await raw.update(b.position, { version });
    await raw.update(a.position, { version: version + 1 });
  },

  /**
   * (d) Inserts a forged event at `version`: the later events move up one version (their stored hashes
   * untouched), the forgery gets a correct hash of its own, chained from the event before it, and the
   * stream table is moved on as the store would.
   */
  async insertForged(
    raw: RawLedger,
    streamName: string,
    version: number,
    forged: { type: string; data: JsonObject },
  ): Promise<{ position: number; hash: string }> {
    const rows = await raw.rows(streamName);
    const before = rowAt(rows, version - 1);
    const later = rows.filter((r) => r.version >= version);
    for (const r of later) await raw.update(r.position, { version: -r.version });
    for (const r of later) await raw.update(r.position, { version: r.version + 1 });
    const meta = JSON.parse(before.metadata) as EventMetadata;
    const row = {
      streamName,
      version,
      type: forged.type,
      data: JSON.stringify(forged.data),
      metadata: JSON.stringify({ ...meta, eventId: randomUUID(), commandId: `forged-${randomUUID()}` }),
    };
    const hash = hashOfRow(row, before.hash);
    const position = await raw.insert({ ...row, hash });
    const last = rows[rows.length - 1]!;
    await raw.setStream(streamName, last.version + 1, last.hash);
    return { position, hash };
  },

  /** (e) Deletes the newest event of a stream; `careful` also moves the stream table back, as a careful attacker would. */
  async deleteNewest(raw: RawLedger, streamName: string, careful: boolean): Promise<RawRow> {
    const rows = await raw.rows(streamName);
    const newest = rows[rows.length - 1]!;
    await raw.remove(newest.position);
    if (careful) {
      const previous = rows[rows.length - 2];
      await raw.setStream(streamName, previous?.version ?? 0, previous?.hash ?? GENESIS_HASH);
    }
    return newest;
  },

  /**
   * (f) Rewrites a whole stream: `edit` changes the stored rows, then every hash is recomputed from
   * genesis and the stream table's last hash updated — a history consistent in itself.
   */
  async rewriteStream(raw: RawLedger, streamName: string, edit: (rows: RawRow[]) => void): Promise<void> {
    const rows = await raw.rows(streamName);
    edit(rows);
    let previous = GENESIS_HASH;
    for (const r of rows) {
      r.hash = hashOfRow(r, previous);
      previous = r.hash;
      await raw.update(r.position, { type: r.type, data: r.data, metadata: r.metadata, hash: r.hash });
    }
    await raw.setStream(streamName, rows[rows.length - 1]!.version, previous);
  },

  /** A signed head whose signature was altered (one base64 character in the middle). */
  async alterHeadSignature(raw: RawLedger, index: number): Promise<RawHead> {
    const head = (await raw.heads())[index];
    if (!head) throw new Error(`no chain head #${index}`);
    const i = 10;
    const c = head.signature[i] === 'A' ? 'B' : 'A';
    await raw.updateHead(head.seq, {
      signature: `${head.signature.slice(0, i)}${c}${head.signature.slice(i + 1)}`,
    });
    return head;
  },
};

// ---------------------------------------------------------------------------------------------
// the tampering scenarios, run on every adapter

/** What verification must report: the first issue (detail aside) and the kinds of all issues. */
export interface Expectation {
  first: Omit<VerifyIssue, 'detail'>;
  kinds: TamperKind[];
}

/** The line `patent-ledger verify` prints for the first issue, up to its detail. */
export function brokenLine({ kind, streamName, version, position }: Expectation['first']): string {
  return `BROKEN: ${kind}${streamName ? ` in ${streamName}` : ''}${version !== undefined ? ` at version ${version}` : ''}${
    position !== undefined ? ` (position ${position})` : ''
  }: `;
}

export interface Scenario {
  name: string;
  /** Tampers with the ledger; returns what a verification with the signed heads must report. */
  apply(raw: RawLedger, ledger: BuiltLedger): Promise<Expectation>;
  /** What a verification with no signed heads finds: the same first kind, or nothing (the limit). */
  withoutSignedHeads: TamperKind | 'ok';
  /** The patent whose own chain (`verify --patent`, GET /patents/{id}/verify) is checked, and what it finds. */
  patent: { index: number; finds: TamperKind | 'ok' };
}

const streamOf = (l: BuiltLedger, i: number) => l.patents[i]!.streamName;

/** A forged sale of the first patent to a shell company, as an attacker would slip it in. */
export const forgedTransfer = (applicationNumber: string): { type: string; data: JsonObject } => ({
  type: 'Transferred',
  data: {
    applicationNumber,
    dealId: 'deal-shell',
    assigneeId: 'shell-co',
    assigneeName: 'Shell Holdings Ltd.',
    contractDate: '2024-05-20',
    price: '1.00',
    pricingMethod: 'agreed',
  },
});

export const SCENARIOS: Scenario[] = [
  {
    name: 'a payload byte changed (royalty 200000.00 → 200001.00 in Licensed, version 5)',
    async apply(raw, l) {
      const row = await tamper.changePayload(
        raw,
        streamOf(l, 0),
        5,
        '"royalty":"200000.00"',
        '"royalty":"200001.00"',
      );
      return {
        first: { kind: 'payload-changed', streamName: row.streamName, version: 5, position: row.position },
        kinds: ['payload-changed'],
      };
    },
    withoutSignedHeads: 'payload-changed',
    patent: { index: 0, finds: 'payload-changed' },
  },
  {
    name: 'an event deleted in the middle of a stream (version 4 of 8)',
    async apply(raw, l) {
      const rows = await raw.rows(streamOf(l, 0));
      await tamper.deleteEvent(raw, streamOf(l, 0), 4);
      // Named where the stream resumes (version 5); the signed head of that segment also counts one event less.
      return {
        first: { kind: 'event-missing', streamName: streamOf(l, 0), version: 4, position: rows[4]!.position },
        kinds: ['event-missing', 'head-truncated'],
      };
    },
    withoutSignedHeads: 'event-missing',
    patent: { index: 0, finds: 'event-missing' },
  },
  {
    name: 'two events swapped (contents and hashes of versions 3 and 4 exchanged)',
    async apply(raw, l) {
      const rows = await raw.rows(streamOf(l, 0));
      await tamper.swapContents(raw, streamOf(l, 0), 3);
      // The global chain runs over the stored hashes in log order: both segments holding them fail.
      return {
        first: {
          kind: 'events-reordered',
          streamName: streamOf(l, 0),
          version: 3,
          position: rows[2]!.position,
        },
        kinds: ['events-reordered', 'history-rewritten', 'history-rewritten'],
      };
    },
    withoutSignedHeads: 'events-reordered',
    patent: { index: 0, finds: 'events-reordered' },
  },
  {
    name: 'two events swapped (version numbers of versions 3 and 4 exchanged)',
    async apply(raw, l) {
      const rows = await raw.rows(streamOf(l, 0));
      await tamper.swapVersions(raw, streamOf(l, 0), 3);
      // Version 3 is now the row at the later position.
      return {
        first: {
          kind: 'events-reordered',
          streamName: streamOf(l, 0),
          version: 3,
          position: rows[3]!.position,
        },
        kinds: ['events-reordered'],
      };
    },
    withoutSignedHeads: 'events-reordered',
    patent: { index: 0, finds: 'events-reordered' },
  },
  {
    name: 'a forged event inserted at version 4 with a correct hash of its own (later versions moved up)',
    async apply(raw, l) {
      const p = l.patents[0]!;
      const { position } = await tamper.insertForged(
        raw,
        p.streamName,
        4,
        forgedTransfer(p.applicationNumber),
      );
      return {
        first: { kind: 'event-inserted', streamName: p.streamName, version: 4, position },
        kinds: ['event-inserted'],
      };
    },
    withoutSignedHeads: 'event-inserted',
    patent: { index: 0, finds: 'event-inserted' },
  },
  {
    name: 'the newest event of a stream deleted (stream table left as it was)',
    async apply(raw, l) {
      const gone = await tamper.deleteNewest(raw, streamOf(l, 3), false);
      return {
        first: { kind: 'head-truncated', streamName: streamOf(l, 3), version: gone.version },
        kinds: ['head-truncated', 'head-truncated'],
      };
    },
    withoutSignedHeads: 'head-truncated',
    patent: { index: 3, finds: 'head-truncated' },
  },
  {
    name: 'the newest event of a stream deleted and the stream table moved back (careful attacker)',
    async apply(raw, l) {
      const gone = await tamper.deleteNewest(raw, streamOf(l, 3), true);
      const head = (await raw.heads()).find((h) => h.position >= gone.position)!;
      // Only the signed head covering it can tell: it counts one event more than the log now holds.
      return { first: { kind: 'head-truncated', position: head.position }, kinds: ['head-truncated'] };
    },
    withoutSignedHeads: 'ok',
    patent: { index: 3, finds: 'ok' },
  },
  {
    name: 'the newest event of the whole log deleted, stream table moved back',
    async apply(raw, l) {
      const gone = await tamper.deleteNewest(raw, streamOf(l, 0), true);
      return { first: { kind: 'head-truncated', position: gone.position }, kinds: ['head-truncated'] };
    },
    withoutSignedHeads: 'ok',
    patent: { index: 0, finds: 'ok' },
  },
  {
    name: 'a whole stream rewritten with every hash recomputed and the stream table updated',
    async apply(raw, l) {
      let changed = 0;
      await tamper.rewriteStream(raw, streamOf(l, 1), (rows) => {
        const decl = rows.find((r) => r.type === 'OpenLicensed')!;
        decl.data = decl.data.replace('"rate":3', '"rate":1');
        changed = decl.position;
      });
      const heads = await raw.heads();
      const covering = heads.find((h) => h.position >= changed)!;
      // Consistent in itself: only the signed heads (the global chain over the stored hashes) see it.
      return {
        first: { kind: 'history-rewritten', position: covering.position },
        kinds: ['history-rewritten', 'history-rewritten'],
      };
    },
    withoutSignedHeads: 'ok',
    patent: { index: 1, finds: 'ok' },
  },
  {
    name: 'a whole stream rewritten with every hash recomputed, stream table not updated',
    async apply(raw, l) {
      const before = await raw.streamRow(streamOf(l, 1));
      await tamper.rewriteStream(raw, streamOf(l, 1), (rows) => {
        const decl = rows.find((r) => r.type === 'OpenLicensed')!;
        decl.data = decl.data.replace('"rate":3', '"rate":1');
      });
      await raw.setStream(streamOf(l, 1), before!.version, before!.lastHash!);
      const last = (await raw.rows(streamOf(l, 1))).at(-1)!;
      return {
        first: {
          kind: 'history-rewritten',
          streamName: streamOf(l, 1),
          version: last.version,
          position: last.position,
        },
        kinds: ['history-rewritten', 'history-rewritten', 'history-rewritten'],
      };
    },
    withoutSignedHeads: 'history-rewritten',
    patent: { index: 1, finds: 'history-rewritten' },
  },
  {
    name: 'a signed head whose signature was altered',
    async apply(raw) {
      const head = await tamper.alterHeadSignature(raw, 1);
      return { first: { kind: 'signature-invalid', position: head.position }, kinds: ['signature-invalid'] };
    },
    withoutSignedHeads: 'ok',
    patent: { index: 0, finds: 'ok' },
  },
];
