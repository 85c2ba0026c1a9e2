/** Opening the read models under test (SQLite file or PostgreSQL schema), with the api's projections. */
import type { ReadModels } from '@patent-ledger/read-models';
import { loadConfig } from '../../apps/api/src/config';
import { ledgerProjections } from '../../apps/api/src/read-models/projections';
import { dropSchema } from './stores';

export type ReadModelsSpec =
  { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string };

export function readModelsLabel(spec: ReadModelsSpec): string {
  return spec.kind === 'sqlite' ? 'read models (sqlite)' : 'read models (postgres)';
}

/** The projections of the api, configured with the default policy. */
function projections() {
  return ledgerProjections(loadConfig({ LEDGER_SIGNING_KEY_FILE: 'off' }));
}

/** Opens the read models; `fresh` drops an earlier PostgreSQL schema of the same name first. */
export async function openReadModels(spec: ReadModelsSpec, fresh: boolean): Promise<ReadModels> {
  const rm = await import('@patent-ledger/read-models');
  if (spec.kind === 'sqlite') return rm.SqliteReadModels.open(spec.file, projections());
  if (fresh) await dropSchema(spec.url, spec.schema);
  return rm.PostgresReadModels.open(
    { connectionString: spec.url, schema: spec.schema, poolSize: 4 },
    projections(),
  );
}
