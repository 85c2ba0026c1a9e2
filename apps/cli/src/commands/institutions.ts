/**
 * `patent-ledger institutions FILE`: the IP office registers (or revises) the institutions listed in
 * a CSV or JSON Lines file — the one `generate --out` writes beside its inventory file, or its own.
 * Exit 0 when at least one row was taken (or every one was already as it says), 1 when every row was
 * rejected or the file could not be read.
 */
import { authorizeInstitutionCommand, actorOf } from '@patent-ledger/access';
import {
  IMPORT_FORMATS,
  ImportError,
  readInstitutionsFile,
  registerInstitutions,
  type ImportFormat,
} from '@patent-ledger/bulk';
import type { InstitutionCommand } from '@patent-ledger/domain';
import { ConfigError, loadConfig, type LedgerConfig } from '../../../api/src/config';
import { CliError, usage, type CliIo } from '../cli-io';
import { cliPrincipal } from './credentials';
import { parseCommand, type CommandSpec } from '../parse';
import { openConfiguredStore } from './import';

export const INSTITUTIONS_SPEC: CommandSpec = {
  name: 'institutions',
  summary: 'the IP office registers the institutions of a file (generate --out writes one)',
  usage: 'FILE [options]',
  arguments: [{ name: 'FILE', description: 'a CSV file (header row) or a JSON Lines file' }],
  description: `Registers the institutions listed in FILE (CSV with a header row, or JSON Lines), one
RegisterInstitution per row: institutionId, name, kind (university, research-institute, hospital),
province, milestoneGroup (tyut, key4, other), stockPatentCount, and optionally department (the
supervising department: education, science-technology, health, agriculture-rural, state-assets,
industry-it, other), occurredOn and reason.
A registered institution whose row gives another stockPatentCount and a reason has its count revised;
the same row again changes nothing, so a file can be registered again. Registering institutions is
the IP office's: the credential must be an ip-office one. Exit 1 when every row was rejected.`,
  options: [
    { flags: '--token <token>', description: 'an ip-office credential (default LEDGER_TOKEN)' },
    { flags: '--format <csv|jsonl>', description: 'default: from the extension (.csv; .jsonl or .ndjson)' },
    {
      flags: '--encoding <label>',
      description: 'text encoding of the file (default utf-8; gb18030 for a CSV saved as GBK)',
    },
  ],
  examples: [
    'patent-ledger generate --patents 2000 --seed 1 --out data/province.csv   # and data/province.institutions.csv',
    'export LEDGER_TOKEN=$(patent-ledger token --role ip-office --org sx-cnipa --user officer-1)',
    'patent-ledger institutions data/province.institutions.csv',
  ],
};

/** Rejected rows printed on stderr. */
const SHOWN = 20;

export async function institutions(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommand(INSTITUTIONS_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { positional } = parsed;
  const values = new Map(Object.entries(parsed.values));
  if (positional.length !== 1)
    throw usage(positional.length === 0 ? 'institutions needs a FILE' : 'institutions takes one FILE');
  const file = positional[0]!;
  const format = values.get('format');
  if (format !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(format))
    throw usage(`--format must be csv or jsonl, got "${format}"`);
  const encoding = values.get('encoding');
  if (encoding !== undefined) {
    try {
      new TextDecoder(encoding);
    } catch {
      throw usage(`--encoding "${encoding}" is not a known text encoding (e.g. utf-8, gb18030)`);
    }
  }
  let config: LedgerConfig;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const principal = await cliPrincipal(config, values.get('token'), env, io.stderr);
  let rows;
  try {
    rows = readInstitutionsFile(file, {
      ...(format !== undefined ? { format: format as ImportFormat } : {}),
      ...(encoding !== undefined ? { encoding } : {}),
    });
  } catch (err) {
    if (err instanceof ImportError) throw new CliError(err.message);
    throw err;
  }
  // Refused before the ledger is opened (and perhaps created): the policy depends on the role only.
  try {
    authorizeInstitutionCommand(principal, { type: 'RegisterInstitution' } as InstitutionCommand);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const opened = await openConfiguredStore(env, io, 'institutions');
  if (!opened) return 1;
  const { store } = opened;
  try {
    const s = await registerInstitutions(store, rows, { actor: actorOf(principal) });
    const rejected = s.results.filter((r) => r.outcome === 'rejected');
    if (rejected.length > 0) {
      io.stderr.write(
        `rejected ${rejected.length} rows (first ${Math.min(SHOWN, rejected.length)} below):\n`,
      );
      for (const r of rejected.slice(0, SHOWN))
        io.stderr.write(
          `  row ${r.row}${r.institutionId ? ` ${r.institutionId}` : ''}: ${r.code} ${r.message}\n`,
        );
    }
    io.stdout.write(
      `institutions ${file}: ${s.registered} registered, ${s.revised} revised, ${s.unchanged} unchanged, ${s.rejected} rejected of ${s.rows} rows\n`,
    );
    if (s.rows > 0 && s.rejected === s.rows) {
      io.stderr.write(`patent-ledger institutions: every row of ${file} was rejected\n`);
      return 1;
    }
    return 0;
  } finally {
    await store.close();
  }
}
