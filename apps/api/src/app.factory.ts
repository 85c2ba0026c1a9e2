import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { MemoryEventStore, type EventStore } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { PostgresEventStore } from '@patent-ledger/store-postgres';
import { KurrentEventStore } from '@patent-ledger/store-kurrentdb';
import { ConfigError } from './config';
import { PostgresReadModels, SqliteReadModels, type ReadModels } from '@patent-ledger/read-models';
import { AppModule } from './app.module';
import { ledgerProjections } from './read-models/projections';
import { requireJsonBody } from './common/content-type.middleware';
import { ProblemFilter } from './common/problem.filter';
import { ledgerValidationPipe } from './common/validation';
import type { LedgerConfig } from './config';
import type { Clock } from './ledger/tokens';

/**
 * Opens the event store the configuration names and checks it answers; an unreachable store is a
 * ConfigError naming the setting.
 */
export async function openStore(config: LedgerConfig): Promise<EventStore> {
  let store: EventStore;
  try {
    switch (config.store) {
      case 'sqlite':
        store = SqliteEventStore.open(config.dbFile, { synchronous: config.sqliteSynchronous });
        break;
      case 'postgres':
        store = await PostgresEventStore.open({
          connectionString: config.pgUrl,
          schema: config.pgSchema,
          poolSize: config.pgPoolSize,
        });
        break;
      case 'kurrentdb':
        store = KurrentEventStore.connect(config.kurrentDbUrl!);
        break;
      case 'memory':
        store = new MemoryEventStore();
        break;
    }
    await store.ping();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const where =
      config.store === 'sqlite' ? `LEDGER_DB=${config.dbFile}` : config.store === 'postgres' ? `LEDGER_PG_URL=${redact(config.pgUrl)}` : `LEDGER_KURRENTDB_URL=${redact(config.kurrentDbUrl ?? '')}`;
    throw new ConfigError(`cannot open the ${config.store} event store (${where}): ${(err as Error).message}`);
  }
  return store;
}

/** Hides a password in a connection URL. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

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
        { connectionString: config.pgUrl, schema: readModelsSchema(config), poolSize: config.pgPoolSize },
        ledgerProjections(config),
      );
    }
    return SqliteReadModels.open(config.readDbFile, ledgerProjections(config));
  } catch (err) {
    const where =
      config.readModels === 'postgres'
        ? `LEDGER_PG_URL=${redact(config.pgUrl)}, schema ${readModelsSchema(config)}`
        : `LEDGER_READ_DB=${config.readDbFile}`;
    throw new ConfigError(`cannot open the ${config.readModels} read models (${where}): ${(err as Error).message}`);
  }
}

export interface CreateAppOptions {
  store?: EventStore;
  readModels?: ReadModels;
  clock?: Clock;
  logger?: false;
}

/** Builds the HTTP application (not yet listening): used by main.ts and the e2e suites. */
export async function createApp(config: LedgerConfig, options: CreateAppOptions = {}): Promise<NestExpressApplication> {
  const store = options.store ?? (await openStore(config));
  const readModels = options.readModels ?? (await openReadModels(config));
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register({ config, store, readModels, ...(options.clock ? { clock: options.clock } : {}) }),
    {
      bodyParser: false,
      logger: options.logger === false ? false : logLevels(config.logLevel),
    },
  );
  app.use(requireJsonBody);
  app.useBodyParser('json', { limit: config.bodyLimitBytes, type: ['application/json', 'application/*+json'] });
  app.useGlobalPipes(ledgerValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  app.disable('x-powered-by');
  app.enableShutdownHooks();

  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('patent-ledger')
      .setDescription(
        'System of record for the stock-patent revitalization programme (存量专利盘活): commands append events to each patent; errors are RFC 9457 problem+json.',
      )
      .setVersion('0.1.0')
      .build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs-json' });
  return app;
}

function logLevels(level: LedgerConfig['logLevel']): ('error' | 'warn' | 'log' | 'debug')[] {
  const all = ['error', 'warn', 'log', 'debug'] as const;
  return all.slice(0, all.indexOf(level) + 1);
}
