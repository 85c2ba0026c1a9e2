/** Opening the stores under test, and the raw-driver tables of the baselines. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EventStore } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import type { StoreKind } from './common';

export type Synchronous = 'FULL' | 'NORMAL';

export interface StoreSpec {
  kind: StoreKind;
  /** SQLite only. */
  synchronous?: Synchronous;
  /** PostgreSQL only. */
  pgUrl?: string;
}

export function storeLabel(spec: StoreSpec): string {
  return spec.kind === 'sqlite' ? `sqlite (WAL, synchronous=${spec.synchronous ?? 'FULL'})` : 'postgres';
}

export interface OpenedStore {
  store: EventStore;
  /** The SQLite file, or the PostgreSQL schema. */
  where: string;
}

/**
 * Opens the store of a spec: a SQLite file `<dir>/<name>.db`, or the PostgreSQL schema `schema`
 * (created by the store's migrations). The PostgreSQL adapter is loaded lazily so that the SQLite
 * rows still run when it does not load.
 */
export async function openStore(
  spec: StoreSpec,
  where: string,
  opts: { synchronous?: Synchronous; poolSize?: number } = {},
): Promise<OpenedStore> {
  if (spec.kind === 'sqlite') {
    const { SqliteEventStore } = await import('@patent-ledger/store-sqlite');
    return {
      store: SqliteEventStore.open(where, { synchronous: opts.synchronous ?? spec.synchronous ?? 'FULL' }),
      where,
    };
  }
  const { PostgresEventStore } = await import('@patent-ledger/store-postgres');
  const store = await PostgresEventStore.open({
    connectionString: pgUrl(spec),
    schema: where,
    poolSize: opts.poolSize ?? 10,
  });
  return { store, where };
}

export function pgUrl(spec: { pgUrl?: string }): string {
  if (!spec.pgUrl) throw new Error('no PostgreSQL URL');
  return spec.pgUrl;
}

export function sqliteFile(dir: string, name: string): string {
  return join(dir, `${name}.db`);
}

/** Drops a PostgreSQL schema (and everything in it). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// raw-driver tables: the store's `events` table with the same columns and the same indexes

/** The SqliteEventStore's events table after its migrations (position rowid, UNIQUE event_id, UNIQUE (stream, version)). */
export const SQLITE_RAW_EVENTS_DDL = `
  CREATE TABLE events (
    position    INTEGER PRIMARY KEY,
    stream_name TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    event_id    TEXT    NOT NULL UNIQUE,
    command_id  TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    hash        TEXT,
    UNIQUE (stream_name, version)
  )`;

/**
 * The CREATE statements of some of the SqliteEventStore's tables, as its migrations make them (read
 * from a fresh in-memory store), for raw baselines that must write the same tables.
 */
export function sqliteStoreDdl(tables: readonly string[]): string {
  const db = SqliteEventStore.open(':memory:').database;
  try {
    return tables
      .map((t) => {
        const sql = db
          .prepare<[string], string>(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`)
          .pluck()
          .get(t);
        if (!sql) throw new Error(`the SQLite store has no table ${t}`);
        return `${sql};`;
      })
      .join('\n');
  } finally {
    db.close();
  }
}

export function openRawSqlite(file: string, synchronous: Synchronous): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(SQLITE_RAW_EVENTS_DDL);
  return db;
}

/** The PostgresEventStore's events table (same columns, defaults and unique constraints). */
export function pgRawEventsDdl(schema: string): string {
  return `
  CREATE SCHEMA IF NOT EXISTS "${schema}";
  CREATE TABLE "${schema}".events (
    position    bigserial PRIMARY KEY,
    tx          xid8    NOT NULL DEFAULT pg_current_xact_id(),
    stream_name text    NOT NULL,
    version     integer NOT NULL,
    type        text    NOT NULL,
    data        json    NOT NULL,
    metadata    json    NOT NULL,
    event_id    text    NOT NULL,
    command_id  text    NOT NULL,
    recorded_at text    NOT NULL,
    hash        text,
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    CONSTRAINT events_stream_version_key UNIQUE (stream_name, version)
  );`;
}
