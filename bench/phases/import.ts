/**
 * Bulk import: `importInventory` of a generated inventory file (CSV, one row per patent) into a fresh
 * store, against the baseline of raw driver inserts of the very event rows the import stored, in the
 * same order, in 1,000-row transactions, into a table with the same indexes (same durability).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  generateProvince,
  importInventory,
  writeInventoryFile,
  type GeneratedInstitution,
} from '@patent-ledger/bulk';
import { institutionDecider, institutionStream, type RegisterInstitution } from '@patent-ledger/domain';
import { fingerprintOf, handleCommand, type EventStore } from '@patent-ledger/eventsourcing';
import { emit, log, now, peakRow, resetPeakRss, round, row, type Row, type Target } from '../lib/common';
import { BENCH_ACTOR } from '../lib/fixtures';
import {
  dropSchema,
  openRawSqlite,
  sqliteStoreDdl,
  openStore,
  pgRawEventsDdl,
  pgUrl,
  sqliteFile,
  storeLabel,
  type StoreSpec,
} from '../lib/stores';

export const IMPORT_SEED = 'bench-import';
export const IMPORT_INSTITUTIONS = 40;
const BATCH = 1000;

export interface ImportFileArgs {
  file: string;
  patents: number;
}

/** Writes the inventory file of a generated province (not timed; shared by the stores). */
export async function importFilePhase(args: ImportFileArgs): Promise<void> {
  if (existsSync(args.file)) return emit([]);
  const province = generateProvince({
    patents: args.patents,
    institutions: IMPORT_INSTITUTIONS,
    seed: IMPORT_SEED,
  });
  const t0 = now();
  const rows = await writeInventoryFile(args.file, province.patents(), 'csv');
  log(
    `wrote ${rows.toLocaleString('en-US')} inventory rows (${(statSync(args.file).size / 1_048_576).toFixed(0)} MB) in ${((now() - t0) / 1000).toFixed(1)} s`,
  );
  emit([]);
}

/** Registers the institutions of the generated province, as `generate`/`applyProvince` does. */
async function registerInstitutions(store: EventStore, institutions: GeneratedInstitution[]): Promise<void> {
  for (const inst of institutions) {
    const { institutionId, occurredOn, ...rest } = inst;
    const data: RegisterInstitution['data'] = { institutionId, ...rest, occurredOn, reason: 'benchmark' };
    const fingerprint = fingerprintOf({ type: 'RegisterInstitution', data });
    const t = new Date().toISOString();
    await handleCommand(
      store,
      institutionDecider,
      institutionStream(institutionId),
      { type: 'RegisterInstitution', data, now: t },
      {
        commandId: `bench:${institutionId}`,
        fingerprint,
        actor: BENCH_ACTOR,
        now: t,
      },
    );
  }
}

export interface ImportArgs {
  spec: StoreSpec;
  file: string;
  patents: number;
  dir: string;
  /** PostgreSQL schema prefix. */
  schema: string;
  national: boolean;
}

export async function importPhase(args: ImportArgs): Promise<void> {
  const { spec } = args;
  const label = storeLabel(spec);
  const phase = args.national ? 'import (national)' : 'import';
  const where = spec.kind === 'sqlite' ? sqliteFile(args.dir, 'import') : `${args.schema}_import`;
  const { store } = await openStore(spec, where);
  const rows: Row[] = [];
  try {
    const province = generateProvince({
      patents: args.patents,
      institutions: IMPORT_INSTITUTIONS,
      seed: IMPORT_SEED,
    });
    await registerInstitutions(store, province.institutions);
    const firstPosition = (await store.headPosition()) + 1;
    resetPeakRss();
    let lastLog = now();
    const t0 = now();
    const summary = await importInventory(store, args.file, {
      rejectsFile: false,
      batchSize: BATCH,
      // As `patent-ledger import` does: rows read and decided in a worker thread on PostgreSQL.
      worker: spec.kind === 'postgres',
      onProgress: (p) => {
        if (now() - lastLog > 10_000) {
          lastLog = now();
          log(
            `import: ${p.rows.toLocaleString('en-US')} rows, ${Math.round(p.rows / ((now() - t0) / 1000)).toLocaleString('en-US')} rows/s`,
          );
        }
      },
    });
    const seconds = (now() - t0) / 1000;
    const peakNote = args.national
      ? undefined
      : 'the < 400 MB target applies to the 1.35 M import (--national)';
    const peak = peakRow(
      label,
      phase,
      `import of ${args.patents.toLocaleString('en-US')} patents`,
      args.national ? { kind: 'below', value: 400 } : undefined,
      peakNote,
    );
    await store.close();
    log(
      `imported ${summary.imported.toLocaleString('en-US')} of ${summary.rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s (${summary.rejected} rejected)`,
    );
    if (summary.imported !== args.patents)
      throw new Error(
        `expected ${args.patents} imported rows, got ${summary.imported} (${JSON.stringify(summary.rejectCodes)})`,
      );

    const baseline =
      spec.kind === 'sqlite'
        ? await rawSqliteInserts(
            where,
            join(args.dir, 'import-raw.db'),
            spec.synchronous ?? 'FULL',
            firstPosition,
          )
        : await rawPgInserts(pgUrl(spec), where, `${args.schema}_import_raw`, firstPosition);
    log(`raw inserts: ${baseline.rows.toLocaleString('en-US')} rows in ${baseline.seconds.toFixed(1)} s`);
    if (baseline.rows !== summary.imported)
      throw new Error(`the baseline inserted ${baseline.rows} rows, the import ${summary.imported}`);
    // What the import's writes alone cost: its event, stream and command rows inserted with the raw
    // driver under the baseline's conditions (no parsing, deciding, hashing or lookups).
    const floor =
      spec.kind === 'sqlite'
        ? await rawSqliteInserts(
            where,
            join(args.dir, 'import-raw-all.db'),
            spec.synchronous ?? 'FULL',
            firstPosition,
            true,
          )
        : undefined;
    if (floor)
      log(
        `raw inserts of all the rows: ${floor.rows.toLocaleString('en-US')} patents in ${floor.seconds.toFixed(1)} s`,
      );
    const target: Target = { kind: 'ratioAtLeast', value: 0.5 };
    // On SQLite the target's baseline writes the same tables the import writes (event, stream and
    // command rows), so the ratio measures the engine, not the schema; the event rows alone are a
    // second, informational baseline. PostgreSQL compares with the event rows alone.
    const same = floor ?? baseline;
    rows.push(
      row({
        store: label,
        phase,
        name: `bulk import of ${args.patents.toLocaleString('en-US')} patents (importInventory, CSV, ${BATCH}-row batches)`,
        value: round(summary.imported / seconds),
        unit: 'patents/s',
        baseline: floor
          ? `raw better-sqlite3 INSERTs of the same ${floor.rows.toLocaleString('en-US')} patents' event, stream and command rows, same order, ${BATCH}-row transactions, same indexes`
          : `raw pg INSERTs of the same ${baseline.rows.toLocaleString('en-US')} event rows, same order, ${BATCH}-row transactions, same indexes`,
        baselineValue: round(same.rows / same.seconds),
        target,
        note: `${seconds.toFixed(1)} s vs ${same.seconds.toFixed(1)} s`,
      }),
      peak,
    );
    if (floor) {
      rows.push(
        row({
          store: label,
          phase,
          name: `bulk import of ${args.patents.toLocaleString('en-US')} patents against raw INSERTs of the event rows alone`,
          value: round(summary.imported / seconds),
          unit: 'patents/s',
          baseline: `raw better-sqlite3 INSERTs of the same ${baseline.rows.toLocaleString('en-US')} event rows (no stream or command rows)`,
          baselineValue: round(baseline.rows / baseline.seconds),
          note: 'no target: includes what the schema adds (a stream row and a command record per patent)',
        }),
      );
    }
  } finally {
    await store.close().catch(() => undefined);
    if (spec.kind === 'postgres') {
      await dropSchema(pgUrl(spec), where).catch(() => undefined);
      await dropSchema(pgUrl(spec), `${args.schema}_import_raw`).catch(() => undefined);
    }
  }
  emit(rows);
}

interface RawResult {
  rows: number;
  seconds: number;
}

const SQLITE_COLUMNS = 'stream_name, version, type, data, metadata, event_id, command_id, recorded_at, hash';

interface SqliteEventRow {
  position: number;
  stream_name: string;
  version: number;
  type: string;
  data: string;
  metadata: string;
  event_id: string;
  command_id: string;
  recorded_at: string;
  hash: string | null;
}

interface SqliteCommandRow {
  command_id: string;
  fingerprint: string;
  stream_name: string;
  from_version: number;
  to_version: number;
  first_position: number;
  last_position: number;
  recorded_at: string;
}

/**
 * Only the insert transactions are timed; reading the rows back from the store is not. With
 * `allRows`, each event's stream row and command record (as the store wrote them) are inserted too.
 */
async function rawSqliteInserts(
  source: string,
  target: string,
  synchronous: 'FULL' | 'NORMAL',
  fromPosition: number,
  allRows = false,
): Promise<RawResult> {
  const src = new Database(source, { readonly: true });
  const dst = openRawSqlite(target, synchronous);
  if (allRows) dst.exec(sqliteStoreDdl(['streams', 'commands']));
  const read = src.prepare<[number, number], SqliteEventRow>(
    `SELECT position, ${SQLITE_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
  );
  const readCommand = src.prepare<[string], SqliteCommandRow>('SELECT * FROM commands WHERE command_id = ?');
  const insert = dst.prepare(`INSERT INTO events (${SQLITE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertStream = allRows
    ? dst.prepare(
        `INSERT INTO streams (stream_name, version, last_hash) VALUES (?, ?, ?)
     ON CONFLICT (stream_name) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash`,
      )
    : undefined;
  const insertCommand = allRows
    ? dst.prepare('INSERT INTO commands VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    : undefined;
  const insertBatch = dst.transaction((batch: SqliteEventRow[], commands: SqliteCommandRow[]) => {
    for (const [i, r] of batch.entries()) {
      insert.run(
        r.stream_name,
        r.version,
        r.type,
        r.data,
        r.metadata,
        r.event_id,
        r.command_id,
        r.recorded_at,
        r.hash,
      );
      const c = commands[i];
      if (c) {
        insertStream!.run(r.stream_name, r.version, r.hash);
        insertCommand!.run(
          c.command_id,
          c.fingerprint,
          c.stream_name,
          c.from_version,
          c.to_version,
          c.first_position,
          c.last_position,
          c.recorded_at,
        );
      }
    }
  });
  let rows = 0;
  let ms = 0;
  for (let after = fromPosition - 1; ;) {
    const batch = read.all(after, BATCH);
    if (batch.length === 0) break;
    after = batch[batch.length - 1]!.position;
    const commands = allRows ? batch.map((r) => readCommand.get(r.command_id)!) : [];
    const t0 = now();
    insertBatch.immediate(batch, commands);
    ms += now() - t0;
    rows += batch.length;
  }
  src.close();
  dst.close();
  return { rows, seconds: ms / 1000 };
}

async function rawPgInserts(
  url: string,
  sourceSchema: string,
  rawSchema: string,
  fromPosition: number,
): Promise<RawResult> {
  const { Client } = await import('pg');
  const src = new Client({ connectionString: url });
  const dst = new Client({ connectionString: url });
  await src.connect();
  await dst.connect();
  try {
    await dst.query(`DROP SCHEMA IF EXISTS "${rawSchema}" CASCADE`);
    await dst.query(pgRawEventsDdl(rawSchema));
    const insertSql = `INSERT INTO "${rawSchema}".events (${SQLITE_COLUMNS})
      SELECT s, v, t, d::json, m::json, e, c, r, h
      FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
        AS u (s, v, t, d, m, e, c, r, h)`;
    let rows = 0;
    let ms = 0;
    for (let after = fromPosition - 1; ;) {
      const { rows: batch } = await src.query<{
        position: string;
        stream_name: string;
        version: number;
        type: string;
        data: string;
        metadata: string;
        event_id: string;
        command_id: string;
        recorded_at: string;
        hash: string | null;
      }>(
        `SELECT position, stream_name, version, type, data::text AS data, metadata::text AS metadata, event_id, command_id, recorded_at, hash
         FROM "${sourceSchema}".events WHERE position > $1 ORDER BY position LIMIT $2`,
        [after, BATCH],
      );
      if (batch.length === 0) break;
      after = Number(batch[batch.length - 1]!.position);
      const cols = [
        batch.map((r) => r.stream_name),
        batch.map((r) => r.version),
        batch.map((r) => r.type),
        batch.map((r) => r.data),
        batch.map((r) => r.metadata),
        batch.map((r) => r.event_id),
        batch.map((r) => r.command_id),
        batch.map((r) => r.recorded_at),
        batch.map((r) => r.hash),
      ];
      const t0 = now();
      await dst.query({ name: 'raw_import', text: insertSql, values: cols });
      ms += now() - t0;
      rows += batch.length;
    }
    return { rows, seconds: ms / 1000 };
  } finally {
    await src.end();
    await dst.end();
  }
}
