import { existsSync } from 'node:fs';
import type { EventStore } from '@patent-ledger/eventsourcing';
import { loadConfig, type LedgerConfig } from '../../api/src/config';
import { openReadModels, openStore, readModelsSchema } from '../../api/src/stores';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isTTY: boolean;
}

/** A command's failure: printed as one line, exit code 1 (2 for usage errors). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const usage = (message: string): CliError => new CliError(message, 2);

/** Parses `--name value`, `--name=value` and `--flag`; the rest are positional arguments. */
export function parseArgs(
  args: string[],
  spec: { values?: readonly string[]; flags?: readonly string[] },
): { positional: string[]; values: Record<string, string>; flags: Set<string> } {
  const positional: string[] = [];
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (spec.flags?.includes(name)) {
      flags.add(name);
    } else if (spec.values?.includes(name)) {
      const v = inline ?? args[++i];
      if (v === undefined) throw usage(`--${name} needs a value`);
      values[name] = v;
    } else {
      throw usage(`unknown option --${name}`);
    }
  }
  return { positional, values, flags };
}

export function configFrom(env: NodeJS.ProcessEnv): LedgerConfig {
  return loadConfig(env);
}

export { openReadModels, openStore };

/** Hides a password in a connection URL. */
const redact = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

/** Whether a PostgreSQL schema exists (without creating anything). */
async function pgSchemaExists(url: string, schema: string): Promise<boolean> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    const { rowCount } = await client.query(
      'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1',
      [schema],
    );
    return (rowCount ?? 0) > 0;
  } catch (err) {
    throw new CliError(`cannot reach PostgreSQL (LEDGER_PG_URL=${redact(url)}): ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Opens the configured event store for a command that only reads it (verify, replay, export, ...):
 * a ledger that is not there is an error naming where it was looked for, and nothing is created.
 */
export async function openExistingStore(
  config: LedgerConfig,
  options: { readonly?: boolean } = {},
): Promise<EventStore> {
  if (config.store === 'sqlite' && !existsSync(config.dbFile)) {
    throw new CliError(
      `no ledger at ${config.dbFile} (LEDGER_DB); run the command where the ledger's data folder is, or set LEDGER_DB`,
    );
  }
  if (config.store === 'postgres' && !(await pgSchemaExists(config.pgUrl, config.pgSchema))) {
    throw new CliError(
      `no ledger in schema ${config.pgSchema} (LEDGER_PG_SCHEMA) at LEDGER_PG_URL=${redact(config.pgUrl)}`,
    );
  }
  return openStore(config, options.readonly ? { readonly: true } : {});
}

/** Whether the configured read models exist (their SQLite file or PostgreSQL schema); creates nothing. */
export async function readModelsExist(config: LedgerConfig): Promise<boolean> {
  return config.readModels === 'sqlite'
    ? existsSync(config.readDbFile)
    : pgSchemaExists(config.pgUrl, readModelsSchema(config));
}
