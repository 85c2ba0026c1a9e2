/**
 * `patent-ledger import FILE`: bulk inventory (盘点入档) from CSV or JSON Lines into the configured
 * ledger. Exit 0 when the file was read to the end and some row was taken (rejected rows are printed
 * and written to `<FILE>.rejects.csv`), 1 when every row was rejected or the import could not run or
 * stopped; bad usage throws a CliError with exit code 2.
 */
import { accessSync, constants } from 'node:fs';
import {
  createProgressPrinter,
  defaultWorkerFile,
  DEFAULT_BATCH_SIZE,
  IMPORT_FORMATS,
  ImportError,
  importInventory,
  institutionsFileOf,
  MAX_BATCH_SIZE,
  type ImportFormat,
  type RowResult,
} from '@patent-ledger/bulk';
import type { Actor, EventStore } from '@patent-ledger/eventsourcing';
import { openStore } from '../../../api/src/app.factory';
import { ConfigError, loadConfig, type LedgerConfig } from '../../../api/src/config';
import { usage, type CliIo } from '../cli-io';
import { parseCommand, type CommandSpec } from '../parse';
import { actorOf, inventoryLineAuthorizer } from '@patent-ledger/access';
import { cliPrincipal } from './credentials';
import { DenialRecorder } from '../../../api/src/auth/denials';
import { SystemClock } from '../../../api/src/ledger/tokens';

/**
 * The streams of a command. Progress goes to stderr (one line redrawn in place when `isTTY`, which
 * main sets from stderr), results to stdout.
 */
export type CommandIo = CliIo;

export const IMPORT_SPEC: CommandSpec = {
  name: 'import',
  summary: 'bulk inventory from CSV or JSON Lines (an institution its own rows); rejects to FILE.rejects.csv',
  usage: 'FILE [options]',
  arguments: [{ name: 'FILE', description: 'a CSV file (header row) or a JSON Lines file' }],
  description: `Imports inventory records (盘点入档) from a CSV file (header row; Chinese headers such as 申请号,
专利名称, 专利类型 accepted; list cells separated by ; ； or 、) or a JSON Lines file. Each valid row
becomes an InventoryPatent command decided by the domain rules; rows already in the ledger are left
as they are, so a file can be imported again, also after an interrupted run. Rejected rows go to
FILE.rejects.csv with their row number and reason. An institution imports its own patents: the
rows of other institutions (a file of a whole province) are skipped and counted. The institutions
must be registered first (by the IP office: "patent-ledger institutions"). Exit 1 when every row was
rejected. Settings (LEDGER_STORE, LEDGER_DB, LEDGER_SQLITE_SYNCHRONOUS, ...) come from the environment.`,
  options: [
    {
      flags: '--format <csv|jsonl|national>',
      description:
        "default: from the extension (.csv; .jsonl or .ndjson); national: the national platform's inventory sheet (export national), checked cell by cell",
    },
    {
      flags: '--encoding <label>',
      description: 'text encoding of the file (default utf-8; gb18030 for a CSV saved as GBK)',
    },
    {
      flags: '--token <token>',
      description:
        "the institution's credential (default LEDGER_TOKEN): the caller is the recorded actor, rows of other institutions are skipped",
    },
    {
      flags: '--batch-size <n>',
      description: `rows per durable commit, 1-${MAX_BATCH_SIZE} (default ${DEFAULT_BATCH_SIZE})`,
    },
    { flags: '--no-rejects', description: 'do not write a rejects file' },
  ],
  examples: [
    'export LEDGER_TOKEN=$(patent-ledger token --role institution --org tyut --user tto-wang)',
    'patent-ledger import data/province.csv',
    'patent-ledger import 盘点清单.csv --encoding gb18030 --batch-size 5000',
  ],
};

/** Rejected rows printed on stderr; the rejects file has them all. */
const REJECTS_SHOWN = 20;

/** An integer option within bounds; throws a usage error otherwise. */
export function intOption(
  values: ReadonlyMap<string, string>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = values.get(name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw usage(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** Opens the configured store, or prints why not (one line) and returns undefined. */
export async function openConfiguredStore(
  env: NodeJS.ProcessEnv,
  io: CommandIo,
  command: string,
): Promise<{ store: EventStore; config: LedgerConfig } | undefined> {
  try {
    const config = loadConfig(env);
    const store = await openStore(config);
    if (config.store === 'memory') {
      io.stderr.write(`patent-ledger ${command}: LEDGER_STORE=memory keeps nothing after this command\n`);
    }
    return { store, config };
  } catch (err) {
    const message =
      err instanceof ConfigError ? err.message : `cannot open the ledger: ${(err as Error).message}`;
    io.stderr.write(`patent-ledger ${command}: ${message}\n`);
    return undefined;
  }
}

const fmtSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function run(args: string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  const parsed = parseCommand(IMPORT_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { positional, flags } = parsed;
  const values = new Map(Object.entries(parsed.values));
  if (positional.length !== 1) {
    throw usage(
      positional.length === 0
        ? 'import needs a FILE; run "patent-ledger import --help"'
        : 'import takes one FILE',
    );
  }
  const file = positional[0]!;
  const format = values.get('format');
  if (format !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(format)) {
    throw usage(`--format must be csv, jsonl or national, got "${format}"`);
  }
  const encoding = values.get('encoding');
  if (encoding !== undefined) {
    try {
      new TextDecoder(encoding);
    } catch {
      throw usage(`--encoding "${encoding}" is not a known text encoding (e.g. utf-8, gb18030)`);
    }
  }
  const batchSize = intOption(values, 'batch-size', 1, MAX_BATCH_SIZE);
  try {
    accessSync(file, constants.R_OK); // before the ledger is opened (and perhaps created)
  } catch (err) {
    io.stderr.write(
      `patent-ledger import: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`,
    );
    return 1;
  }
  let config: LedgerConfig;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`patent-ledger import: ${err.message}\n`);
    return 1;
  }
  // Who imports: the token's principal (verified before the ledger is opened).
  const principal = await cliPrincipal(config, values.get('token'), env, io.stderr);
  const actor: Actor = actorOf(principal);
  const opened = await openConfiguredStore(env, io, 'import');
  if (!opened) return 1;
  const { store } = opened;
  // Rows of another institution are refused one by one; each refused institution is a recorded denial.
  const denials = new DenialRecorder(store, new SystemClock());
  const pendingDenials: Promise<void>[] = [];
  const authorize = inventoryLineAuthorizer(principal, (_id, err) => {
    pendingDenials.push(
      denials.record(principal, err.action, err.rule, 'CLI', `patent-ledger import ${file}`),
    );
  });
  const progress = createProgressPrinter(io.stderr, io.isTTY, { label: 'import' });
  const shown: RowResult[] = [];
  try {
    const summary = await importInventory(store, file, {
      ...(format !== undefined ? { format: format as ImportFormat } : {}),
      ...(encoding !== undefined ? { encoding } : {}),
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(flags.has('no-rejects') ? { rejectsFile: false as const } : {}),
      // On PostgreSQL the rows are read and decided in a worker thread while this one writes: the
      // server's work is then on the other core (measured: about 15 % faster; on SQLite, whose writes
      // are this process's own, it was not). The worker script exists in the built package only.
      worker: config.store === 'postgres' && defaultWorkerFile() !== undefined,
      actor,
      authorize,
      // An institution inventories its own patents: the rows of others (a file of a whole province)
      // are not its to import, and are skipped rather than refused one by one.
      ...(principal.role === 'institution' ? { institutionId: principal.orgId } : {}),
      onProgress: (p) => progress.update(p),
      onResult: (r) => {
        if (r.status === 'rejected' && shown.length < REJECTS_SHOWN) shown.push(r);
      },
    });
    progress.done();
    if (summary.ignoredColumns.length > 0) {
      io.stderr.write(`ignored columns (no such field): ${summary.ignoredColumns.join(', ')}\n`);
    }
    if (summary.rejected > 0) {
      const where = summary.rejectsFile ? `; all in ${summary.rejectsFile}` : '';
      const unit = summary.format === 'jsonl' ? 'line' : 'row';
      io.stderr.write(`rejected ${summary.rejected} ${unit}s (first ${shown.length} below${where}):\n`);
      for (const r of shown) {
        io.stderr.write(
          `  ${unit} ${r.row}${r.applicationNumber ? ` ${r.applicationNumber}` : ''}: ${r.code} ${r.message}\n`,
        );
      }
      const codes = Object.entries(summary.rejectCodes)
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${code} ${n}`);
      io.stderr.write(`by reason: ${codes.join(', ')}\n`);
    }
    io.stdout.write(
      `import ${file}: ${summary.imported} imported, ${summary.alreadyPresent} already present, ${summary.rejected} rejected ` +
        `of ${summary.rows} rows in ${fmtSeconds(summary.elapsedMs)} (${Math.round(summary.rowsPerSecond)} rows/s)` +
        `${summary.skipped > 0 ? `; ${summary.skipped} rows of other institutions skipped` : ''}\n`,
    );
    if (summary.rows > 0 && summary.rejected === summary.rows) {
      const hint = summary.rejectCodes['INSTITUTION.NOT_REGISTERED']
        ? ` (institutions not registered: the IP office registers them first, e.g. "patent-ledger institutions ${institutionsFileOf(file)}")`
        : '';
      io.stderr.write(`patent-ledger import: every row of ${file} was rejected${hint}\n`);
      return 1;
    }
    if (summary.rows === 0 && summary.skipped > 0) {
      io.stderr.write(`patent-ledger import: ${file} has no row of institution ${principal.orgId}\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    progress.done();
    const message = err instanceof ImportError ? err.message : `import stopped: ${(err as Error).message}`;
    io.stderr.write(`patent-ledger import: ${message}\n`);
    return 1;
  } finally {
    await Promise.all(pendingDenials);
    await store.close();
  }
}
