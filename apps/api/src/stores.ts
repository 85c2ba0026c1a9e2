import { join } from 'node:path';
import { MemoryEventStore, type EventStore } from '@patent-ledger/eventsourcing';
import { PostgresReadModels, SqliteReadModels, type ReadModels } from '@patent-ledger/read-models';
import { SqliteEventStore, ThreadedSqliteEventStore } from '@patent-ledger/store-sqlite';
import type { LedgerThreadModule } from './ledger/ledger-thread';
import { ConfigError, type LedgerConfig } from './config';
import { ledgerProjections } from './read-models/projections';

// Opening stores needs no NestJS, so the CLI loads only this. The PostgreSQL and KurrentDB drivers
// are loaded only when configured.

/**
 * Opens the event store the configuration names and checks it answers; an unreachable store is a
 * ConfigError naming the setting.
 */
export async function openStore(
  config: LedgerConfig,
  options: {
    /**
     * SQLite: when config.sqliteWriter is 'thread', commit appends — and execute commands — in the
     * ledger thread (the api does).
     */
    writerThread?: boolean;
    /** SQLite: open the file read-only (the CLI's verify and replay): nothing is created or migrated. */
    readonly?: boolean;
  } = {},
): Promise<EventStore> {
  let store: EventStore;
  try {
    switch (config.store) {
      case 'sqlite':
        store =
          options.writerThread && config.sqliteWriter === 'thread'
            ? await ThreadedSqliteEventStore.open(
                config.dbFile,
                { synchronous: config.sqliteSynchronous },
                // The api's writer thread also executes the ledger's commands (ledger/ledger-thread.ts).
                {
                  dir: join(__dirname, 'ledger'),
                  name: 'ledger-thread' satisfies LedgerThreadModule,
                  libsDir: join(__dirname, '..', '..', '..', 'libs'),
                },
              )
            : SqliteEventStore.open(config.dbFile, {
                synchronous: config.sqliteSynchronous,
                ...(options.readonly ? { readonly: true } : {}),
              });
        break;
      case 'postgres': {
        const { PostgresEventStore } = await import('@patent-ledger/store-postgres');
        store = await PostgresEventStore.open({
          connectionString: config.pgUrl,
          schema: config.pgSchema,
          poolSize: config.pgPoolSize,
          applicationName: pgApplicationName(config.pgSchema),
        });
        break;
      }
      case 'kurrentdb': {
        const { KurrentEventStore } = await import('@patent-ledger/store-kurrentdb');
        store = KurrentEventStore.connect(config.kurrentDbUrl!);
        break;
      }
      case 'memory':
        store = new MemoryEventStore();
        break;
    }
    await store.ping();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const where =
      config.store === 'sqlite'
        ? `LEDGER_DB=${config.dbFile}`
        : config.store === 'postgres'
          ? `LEDGER_PG_URL=${redact(config.pgUrl)}`
          : `LEDGER_KURRENTDB_URL=${redact(config.kurrentDbUrl ?? '')}`;
    throw new ConfigError(
      `cannot open the ${config.store} event store (${where}): ${(err as Error).message}`,
    );
  }
  return store;
}

/** Hides a password in a connection URL. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/**
 * `application_name` of the ledger's PostgreSQL connections to a schema (in `pg_stat_activity`), so
 * an operator can tell them apart, and end them, per ledger: `patent-ledger <schema>`.
 */
export const pgApplicationName = (schema: string): string => `patent-ledger ${schema}`.slice(0, 63);

/** The PostgreSQL schema of the read models: the store's schema with `_read` appended. */
export const readModelsSchema = (config: Pick<LedgerConfig, 'pgSchema'>): string => `${config.pgSchema}_read`;

/**
 * Opens the read models the configuration names: a SQLite file (LEDGER_READ_DB) or a PostgreSQL
 * schema (LEDGER_PG_URL, schema LEDGER_PG_SCHEMA + "_read"). An unreachable database is a ConfigError.
 */
export async function openReadModels(config: LedgerConfig): Promise<ReadModels> {
  try {
    if (config.readModels === 'postgres') {
      return await PostgresReadModels.open(
        {
          connectionString: config.pgUrl,
          schema: readModelsSchema(config),
          poolSize: config.pgPoolSize,
          applicationName: pgApplicationName(readModelsSchema(config)),
          statementTimeoutMs: config.queryTimeoutMs,
        },
        ledgerProjections(config),
      );
    }
    return SqliteReadModels.open(config.readDbFile, ledgerProjections(config), {
      queryTimeoutMs: config.queryTimeoutMs,
    });
  } catch (err) {
    const where =
      config.readModels === 'postgres'
        ? `LEDGER_PG_URL=${redact(config.pgUrl)}, schema ${readModelsSchema(config)}`
        : `LEDGER_READ_DB=${config.readDbFile}`;
    throw new ConfigError(
      `cannot open the ${config.readModels} read models (${where}): ${(err as Error).message}`,
    );
  }
}
