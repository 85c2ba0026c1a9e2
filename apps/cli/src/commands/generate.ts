/**
 * `patent-ledger generate`: a reproducible synthetic province (institutions, patents and their
 * lifecycles), written as an import file and/or applied to the configured ledger through the deciders.
 */
import {
  applyProvince,
  createProgressPrinter,
  DEFAULT_GENERATOR_NOW,
  formatOfPath,
  generateProvince,
  institutionsFileOf,
  writeInstitutionsFile,
  writeInventoryFile,
  type GeneratedProvince,
} from '@patent-ledger/bulk';
import { parseIsoInstant } from '../../../api/src/common/instants';
import { usage } from '../cli-io';
import { parseCommand, type CommandSpec } from '../parse';
import { intOption, openConfiguredStore, type CommandIo } from './import';

export const GENERATE_SPEC: CommandSpec = {
  name: 'generate',
  summary: 'a reproducible synthetic province: an import file and its institutions, or applied to the ledger',
  usage: '--patents N [options]',
  description: `Generates a reproducible synthetic province: institutions (one tyut, four key4, the rest other),
patents with valid application numbers (stock and new cohorts), and per patent a lifecycle of
commands (screening, evaluations, promotions, transfers, licences, open licences, industrialization,
reports, lapses) that obeys every domain rule, with some obligations fulfilled late and some overdue.
With --apply an institution that is already registered is kept as it is.`,
  options: [
    { flags: '--patents <n>', description: 'number of patents (required)' },
    { flags: '--institutions <m>', description: 'number of institutions (default 42)' },
    { flags: '--seed <s>', description: 'seed: the same seed gives the same data (default 1)' },
    {
      flags: '--now <iso>',
      description: `no business date after this date or instant (default ${DEFAULT_GENERATOR_NOW})`,
    },
    { flags: '--province <name>', description: 'province of the institutions (default 山西)' },
    {
      flags: '--out <file>',
      description:
        'write the inventory records as an import file (.csv or .jsonl), and the institutions beside it (x.csv → x.institutions.csv) for "patent-ledger institutions"',
    },
    {
      flags: '--apply',
      description: 'register the institutions and apply every command to the configured ledger',
    },
  ],
  examples: [
    'patent-ledger generate --patents 2000 --institutions 42 --seed 1 --apply',
    'patent-ledger generate --patents 2000 --seed 1 --out data/province.csv',
  ],
};

export async function run(args: string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  const parsed = parseCommand(GENERATE_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { positional, flags } = parsed;
  const values = new Map(Object.entries(parsed.values));
  if (positional.length > 0)
    throw usage(`generate takes no argument "${positional[0]}"; run "patent-ledger generate --help"`);
  const patents = intOption(values, 'patents', 0, 10_000_000);
  if (patents === undefined) throw usage('generate needs --patents N');
  const institutions = intOption(values, 'institutions', 1, 100_000) ?? 42;
  const seed = values.get('seed') ?? '1';
  const out = values.get('out');
  const outFormat = out === undefined ? undefined : formatOfPath(out);
  if (out !== undefined && !outFormat)
    throw usage(`--out must name a .csv, .jsonl or .ndjson file, got "${out}"`);
  const now = values.get('now');
  if (now !== undefined && parseIsoInstant(now) === undefined) {
    throw usage(`--now must be an ISO date or instant, got "${now}"`);
  }
  const province = values.get('province');
  let data: GeneratedProvince;
  try {
    data = generateProvince({
      patents,
      institutions,
      seed, // a number and its digits are the same seed
      ...(now !== undefined ? { now: now.length === 10 ? `${now}T04:00:00Z` : now } : {}),
      ...(province !== undefined ? { province } : {}),
    });
  } catch (err) {
    throw usage((err as Error).message);
  }

  const stock = Object.values(data.stockGenerated).reduce((a, b) => a + b, 0);
  const parts = [
    `generated ${patents} patents (${stock} stock, ${patents - stock} new) of ${institutions} institutions (seed ${seed}, now ${data.now})`,
  ];
  if (out !== undefined) {
    try {
      const started = performance.now();
      await writeInventoryFile(out, data.patents(), outFormat!);
      const institutionsFile = institutionsFileOf(out);
      writeInstitutionsFile(institutionsFile, data.institutions, outFormat!);
      parts.push(
        `wrote ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s and its ${institutions} institutions to ${institutionsFile}`,
      );
    } catch (err) {
      io.stderr.write(`patent-ledger generate: cannot write ${out}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  if (flags.has('apply')) {
    const opened = await openConfiguredStore(env, io, 'generate');
    if (!opened) return 1;
    const { store } = opened;
    const progress = createProgressPrinter(io.stderr, io.isTTY, {
      label: 'generate',
      words: { imported: 'inventoried', alreadyPresent: 'already present', rejected: 'errors' },
    });
    try {
      const s = await applyProvince(store, data, {
        onProgress: (p) => progress.update(p),
      });
      progress.done();
      parts.push(
        `applied: ${s.institutionsRegistered} institutions registered, ${s.inventoried} patents inventoried ` +
          `(${s.alreadyPresent} already present), ${s.lifecycleApplied} lifecycle commands ` +
          `(${s.lifecycleAlreadyApplied} already applied), ${s.eventsAppended} events in ${(s.elapsedMs / 1000).toFixed(1)} s`,
      );
      if (s.institutionsKept > 0)
        parts.push(`${s.institutionsKept} institutions were already registered and kept as they are`);
      if (s.errorCount > 0) {
        io.stdout.write(`${parts.join('; ')}\n`);
        io.stderr.write(`patent-ledger generate: ${s.errorCount} commands failed, e.g.:\n`);
        for (const e of s.errors.slice(0, 10))
          io.stderr.write(`  ${e.streamName} ${e.commandType}: ${e.code} ${e.message}\n`);
        return 1;
      }
    } catch (err) {
      progress.done();
      io.stderr.write(`patent-ledger generate: apply stopped: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await store.close();
    }
  }
  io.stdout.write(`${parts.join('; ')}\n`);
  return 0;
}
