/**
 * Projection catch-up: a ledger of ~1 M events (a generated province applied through the real
 * deciders by `applyProvince`, the same as `patent-ledger generate`), then the api's projections
 * (`ledgerProjections`) caught up from position 0 by the Projector with its default batch size, into
 * a fresh SQLite read-model file. The resource-pool phase then queries that read model.
 */
import Database from 'better-sqlite3';
import { applyProvince, generateProvince } from '@patent-ledger/bulk';
import { DEFAULT_PROJECTOR_BATCH_SIZE, Projector } from '@patent-ledger/eventsourcing';
import { emit, log, now, peakRow, resetPeakRss, round, row, type Row } from '../lib/common';
import { openReadModels, readModelsLabel, type ReadModelsSpec } from '../lib/read-models';
import { openStore, storeLabel, type StoreSpec } from '../lib/stores';

export const LEDGER_INSTITUTIONS = 40;

export interface LedgerArgs {
  spec: StoreSpec;
  /** SQLite file or PostgreSQL schema of the ledger. */
  where: string;
  patents: number;
}

/** Builds the ledger (not timed as a figure; SQLite with synchronous=NORMAL). */
export async function ledgerPhase(args: LedgerArgs): Promise<void> {
  const { store } = await openStore(args.spec, args.where, { synchronous: 'NORMAL' });
  try {
    const province = generateProvince({
      patents: args.patents,
      institutions: LEDGER_INSTITUTIONS,
      seed: 'bench-ledger',
    });
    const t0 = now();
    let lastLog = now();
    const summary = await applyProvince(store, province, {
      onProgress: (p) => {
        if (now() - lastLog > 15_000) {
          lastLog = now();
          log(`ledger: ${p.rows.toLocaleString('en-US')} of ${args.patents.toLocaleString('en-US')} patents`);
        }
      },
    });
    const head = await store.headPosition();
    log(
      `ledger: ${summary.eventsAppended.toLocaleString('en-US')} events (head ${head.toLocaleString('en-US')}) in ${((now() - t0) / 1000).toFixed(0)} s; ${summary.errorCount} errors`,
    );
    if (summary.errorCount > 0) log(`first errors: ${JSON.stringify(summary.errors.slice(0, 3))}`);
  } finally {
    await store.close();
  }
  emit([]);
}

export interface LedgerCopyArgs {
  /** The SQLite ledger built by ledgerPhase. */
  source: string;
  url: string;
  /** Schema of the PostgreSQL store (created by its migrations). */
  schema: string;
}

/**
 * Loads the SQLite ledger's events, as they are (positions, JSON, hashes), into the events table of a
 * PostgreSQL store: set-up for its catch-up (which reads only that table), far quicker than applying
 * the province again through the PostgreSQL store. Not a figure.
 */
export async function ledgerCopyPhase(args: LedgerCopyArgs): Promise<void> {
  const { store } = await openStore({ kind: 'postgres', pgUrl: args.url }, args.schema, { poolSize: 1 });
  await store.close();
  const { Client } = await import('pg');
  const client = new Client({ connectionString: args.url });
  await client.connect();
  const src = new Database(args.source, { readonly: true });
  try {
    const read = src.prepare<
      [number],
      {
        position: number;
        stream_name: string;
        version: number;
        type: string;
        data: string;
        metadata: string;
        event_id: string;
        command_id: string;
        recorded_at: string;
        hash: string;
      }
    >(
      'SELECT position, stream_name, version, type, data, metadata, event_id, command_id, recorded_at, hash FROM events WHERE position > ? ORDER BY position LIMIT 5000',
    );
    const insert = `INSERT INTO "${args.schema}".events (position, stream_name, version, type, data, metadata, event_id, command_id, recorded_at, hash)
      SELECT p, s, v, t, d::json, m::json, e, c, r, h FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
        AS u (p, s, v, t, d, m, e, c, r, h)`;
    const t0 = now();
    let copied = 0;
    for (let after = 0; ;) {
      const batch = read.all(after);
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.position;
      await client.query({
        name: 'copy_events',
        text: insert,
        values: [
          batch.map((r) => r.position),
          batch.map((r) => r.stream_name),
          batch.map((r) => r.version),
          batch.map((r) => r.type),
          batch.map((r) => r.data),
          batch.map((r) => r.metadata),
          batch.map((r) => r.event_id),
          batch.map((r) => r.command_id),
          batch.map((r) => r.recorded_at),
          batch.map((r) => r.hash),
        ],
      });
      copied += batch.length;
    }
    await client.query(
      `SELECT setval(pg_get_serial_sequence('"${args.schema}".events', 'position'), (SELECT max(position) FROM "${args.schema}".events))`,
    );
    await client.query(`ANALYZE "${args.schema}".events`);
    log(
      `copied ${copied.toLocaleString('en-US')} events into PostgreSQL in ${((now() - t0) / 1000).toFixed(0)} s`,
    );
  } finally {
    src.close();
    await client.end();
  }
  emit([]);
}

export interface ProjectionArgs {
  spec: StoreSpec;
  where: string;
  readModels: ReadModelsSpec;
}

export async function projectionPhase(args: ProjectionArgs): Promise<void> {
  const label = storeLabel(args.spec);
  const { store } = await openStore(args.spec, args.where);
  const readModels = await openReadModels(args.readModels, true);
  const rows: Row[] = [];
  try {
    const errors: string[] = [];
    // As the api's ReadModelsService builds it: default batch size.
    const projector = new Projector(store, readModels, { onError: (e) => errors.push(e.message) });
    await readModels.init(store);
    await projector.init();
    const head = await store.headPosition();
    resetPeakRss();
    const t0 = now();
    let read = 0;
    const progress = setInterval(() => {
      void projector
        .status()
        .then((s) =>
          log(
            `catch-up: ${s.map((x) => `${x.name} ${x.position.toLocaleString('en-US')}`).join(', ')} of ${head.toLocaleString('en-US')}`,
          ),
        );
    }, 30_000);
    try {
      read = await projector.catchUp();
    } finally {
      clearInterval(progress);
    }
    const seconds = (now() - t0) / 1000;
    if (errors.length > 0) throw new Error(`projections failed: ${errors.slice(0, 3).join('; ')}`);
    const pool = Number(
      (
        await readModels.sql.transaction(
          (tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM pool_rows'),
          'read',
        )
      )?.n ?? 0,
    );
    log(
      `catch-up: ${read.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s; ${pool.toLocaleString('en-US')} patents in the pool`,
    );
    rows.push(
      row({
        store: label,
        phase: 'projection',
        name: `projection catch-up from 0 over ${read.toLocaleString('en-US')} events (${readModels.projectionNames.length} projections: ${readModels.projectionNames.join(', ')})`,
        value: round(read / seconds),
        unit: 'events/s',
        target: { kind: 'atLeast', value: 50_000 },
        note: `${seconds.toFixed(1)} s; Projector default batch (${DEFAULT_PROJECTOR_BATCH_SIZE.toLocaleString('en-US')}); ${readModelsLabel(args.readModels)}; ${pool.toLocaleString('en-US')} pool patents`,
      }),
      peakRow(label, 'projection', 'projection catch-up'),
    );
  } finally {
    await readModels.close();
    await store.close();
  }
  emit(rows);
}
