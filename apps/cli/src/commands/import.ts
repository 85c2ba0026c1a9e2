/**
 * `patent-ledger import FILE`: bulk inventory (盘点入档) from CSV or JSON Lines into the configured
 * ledger. Exit 0 when the file was read to the end (rejected rows are printed and written to
 * `<FILE>.rejects.csv`, they are not a failure), 1 when the import could not run or stopped; bad usage
 * throws a CliError with exit code 2.
 */
import { accessSync, constants } from 'node:fs';
import {
  createProgressPrinter,
  DEFAULT_BATCH_SIZE,
  IMPORT_FORMATS,
  ImportError,
  importInventory,
  MAX_BATCH_SIZE,
  type ImportFormat,
  type RowResult,
} from '@patent-ledger/bulk';
import type { Actor, EventStore } from '@patent-ledger/eventsourcing';
import { openStore } from '../../../api/src/app.factory';
import { ConfigError, loadConfig, type LedgerConfig } from '../../../api/src/config';
import { usage, type CliIo } from '../cli-io';

/**
 * The streams of a command. Progress goes to stderr (one line redrawn in place when `isTTY`, which
 * main sets from stderr), results to stdout.
 */
export type CommandIo = CliIo;

export const IMPORT_USAGE = `patent-ledger import FILE [options]

Imports inventory records (盘点入档) from a CSV file (header row; Chinese headers such as 申请号,
专利名称, 专利类型 accepted; list cells separated by ; ； or 、) or a JSON Lines file. Each valid row
becomes an InventoryPatent command decided by the domain rules; rows already in the ledger are left
as they are, so a file can be imported again, also after an interrupted run. Rejected rows go to
FILE.rejects.csv with their row number and reason.

Options:
  --format csv|jsonl     default: from the extension (.csv; .jsonl or .ndjson)
  --encoding LABEL       text encoding of the file (default utf-8; gb18030 for a CSV saved as GBK)
  --actor-org ORG        organisation recorded as the actor (e.g. the institution id); default local
  --actor-role ROLE      institution, ip-office or system (default: institution with --actor-org, else system)
  --actor-user USER      user recorded as the actor (default cli)
  --batch-size N         rows per durable commit, 1-${MAX_BATCH_SIZE} (default ${DEFAULT_BATCH_SIZE})
  --no-rejects           do not write a rejects file
  --help                 this text

Settings (LEDGER_STORE, LEDGER_DB, LEDGER_SQLITE_SYNCHRONOUS, ...) come from the environment.`;

const ACTOR_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const ACTOR_ROLES = ['institution', 'ip-office', 'system'] as const;
/** Rejected rows printed on stderr; the rejects file has them all. */
const REJECTS_SHOWN = 20;

/** Parses `--name value`, `--name=value` and boolean flags; throws on anything else. */
export function parseOptions(
  args: readonly string[],
  spec: { values: readonly string[]; flags: readonly string[] },
  command: string,
): { positional: string[]; values: Map<string, string>; flags: Set<string> } {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      if (arg !== '--') positional.push(arg);
      else positional.push(...args.slice(i + 1));
      if (arg === '--') break;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (spec.flags.includes(name)) {
      if (eq >= 0) throw usage(`--${name} takes no value`);
      flags.add(name);
    } else if (spec.values.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw usage(`--${name} needs a value`);
      if (values.has(name)) throw usage(`--${name} is given twice`);
      values.set(name, value);
    } else {
      throw usage(`unknown option --${name}; run "patent-ledger ${command} --help"`);
    }
  }
  return { positional, values, flags };
}

/** An integer option within bounds; throws a usage error otherwise. */
export function intOption(
  values: Map<string, string>,
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
  const { positional, values, flags } = parseOptions(
    args,
    {
      values: ['format', 'encoding', 'actor-org', 'actor-role', 'actor-user', 'batch-size'],
      flags: ['no-rejects', 'help'],
    },
    'import',
  );
  if (flags.has('help')) {
    io.stdout.write(`${IMPORT_USAGE}\n`);
    return 0;
  }
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
    throw usage(`--format must be csv or jsonl, got "${format}"`);
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
  const orgId = values.get('actor-org') ?? 'local';
  const userId = values.get('actor-user') ?? 'cli';
  const role = values.get('actor-role') ?? (values.has('actor-org') ? 'institution' : 'system');
  if (!(ACTOR_ROLES as readonly string[]).includes(role)) {
    throw usage(`--actor-role must be one of ${ACTOR_ROLES.join(', ')}`);
  }
  for (const [name, v] of [
    ['actor-org', orgId],
    ['actor-user', userId],
  ] as const) {
    if (!ACTOR_ID_RE.test(v)) throw usage(`--${name} must be 1-128 letters, digits or . _ : @ -`);
  }
  const actor: Actor = { role, orgId, userId };

  try {
    accessSync(file, constants.R_OK); // before the ledger is opened (and perhaps created)
  } catch (err) {
    io.stderr.write(
      `patent-ledger import: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`,
    );
    return 1;
  }
  const opened = await openConfiguredStore(env, io, 'import');
  if (!opened) return 1;
  const { store } = opened;
  const progress = createProgressPrinter(io.stderr, io.isTTY, { label: 'import' });
  const shown: RowResult[] = [];
  try {
    const summary = await importInventory(store, file, {
      ...(format !== undefined ? { format: format as ImportFormat } : {}),
      ...(encoding !== undefined ? { encoding } : {}),
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(flags.has('no-rejects') ? { rejectsFile: false as const } : {}),
      actor,
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
      const unit = summary.format === 'csv' ? 'row' : 'line';
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
        `of ${summary.rows} rows in ${fmtSeconds(summary.elapsedMs)} (${Math.round(summary.rowsPerSecond)} rows/s)\n`,
    );
    return 0;
  } catch (err) {
    progress.done();
    const message = err instanceof ImportError ? err.message : `import stopped: ${(err as Error).message}`;
    io.stderr.write(`patent-ledger import: ${message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
