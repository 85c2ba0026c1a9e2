import { existsSync } from 'node:fs';
import { PostgresTreeStore, SqliteTreeStore, type TreeStore } from '@patent-ledger/transparency';
import { ConfigError, type LedgerConfig } from '../config';
import { readModelsSchema } from '../stores';

/**
 * Opens where the Merkle tree of the log and its signed tree heads are kept: beside the read models
 * (derived data, rebuilt from the log when missing) — the SQLite file LEDGER_READ_DB, or the schema
 * LEDGER_PG_SCHEMA + `_read` when LEDGER_READ_MODELS=postgres. `readonly` creates nothing (verify):
 * undefined when there is no such file.
 */
export async function openTreeStore(
  config: LedgerConfig,
  options: { readonly?: boolean } = {},
): Promise<TreeStore | undefined> {
  try {
    if (config.readModels === 'postgres') {
      return await PostgresTreeStore.open({
        connectionString: config.pgUrl,
        schema: readModelsSchema(config),
        ...(options.readonly ? { readonly: true } : {}),
      });
    }
    if (options.readonly && (config.readDbFile === ':memory:' || !existsSync(config.readDbFile)))
      return undefined;
    return SqliteTreeStore.open(config.readDbFile, options.readonly ? { readonly: true } : {});
  } catch (err) {
    const where =
      config.readModels === 'postgres'
        ? `schema ${readModelsSchema(config)}`
        : `LEDGER_READ_DB=${config.readDbFile}`;
    throw new ConfigError(`cannot open the Merkle tree store (${where}): ${(err as Error).message}`);
  }
}
