/**
 * `patent-ledger export national --kind inventory|evaluations --out FILE [--institution ID]`: the
 * inventory or the enterprise evaluations in the column layout of the national platform's batch
 * templates (docs/national-platform-format.md), as CSV UTF-8 with a BOM. Reads the ledger only.
 */
import { exportNational, NATIONAL_KINDS, type NationalKind } from '@patent-ledger/bulk';
import { configFrom, openExistingStore, usage, type CliIo } from '../cli-io';
import { parseCommand, type CommandSpec } from '../parse';

export const EXPORT_NATIONAL_SPEC: CommandSpec = {
  name: 'export national',
  summary: "the inventory or the evaluations in the national platform's batch-template layout (CSV)",
  usage: '--kind inventory|evaluations --out FILE [options]',
  description: `Writes the inventory (存量专利盘点表: one row per inventoried patent) or the enterprise
evaluation feedback (企业评价反馈表: one row per evaluation) of the ledger, or of one institution, in the
column layout of the national platform's batch templates, with Chinese headers, as CSV UTF-8 with a
BOM (Excel opens it as is). An inventory file imports again with "patent-ledger import FILE --format
national". The columns and their mapping: docs/national-platform-format.md.`,
  options: [
    { flags: '--kind <inventory|evaluations>', description: 'which sheet (required)' },
    { flags: '--out <file>', description: 'the CSV file to write (required)' },
    { flags: '--institution <id>', description: 'only the patents of this institution' },
  ],
  examples: [
    'patent-ledger export national --kind inventory --out 盘点表.csv --institution tyut',
    'patent-ledger export national --kind evaluations --out 评价反馈.csv',
  ],
};

export async function exportNationalCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<number> {
  const parsed = parseCommand(EXPORT_NATIONAL_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { values, positional } = parsed;
  if (positional.length > 0) throw usage(`export national takes no argument, got "${positional[0]}"`);
  const kind = values['kind'];
  if (kind === undefined || !(NATIONAL_KINDS as readonly string[]).includes(kind))
    throw usage(
      `--kind must be ${NATIONAL_KINDS.join(' or ')}${kind === undefined ? '' : `, got "${kind}"`}`,
    );
  const out = values['out'];
  if (!out) throw usage('export national needs --out FILE');
  const institutionId = values['institution'];
  if (institutionId !== undefined && institutionId.trim() === '') throw usage('--institution is empty');
  const store = await openExistingStore(configFrom(env), { readonly: true });
  try {
    const summary = await exportNational(store, {
      kind: kind as NationalKind,
      path: out,
      ...(institutionId !== undefined ? { institutionId } : {}),
    });
    io.stdout.write(`wrote ${summary.rows} ${kind === 'inventory' ? 'patents' : 'evaluations'} to ${out}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
