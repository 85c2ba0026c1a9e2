/**
 * Institution registration files: one institution per CSV row or JSON line (institutionId, name, kind,
 * province, milestoneGroup, stockPatentCount, department, occurredOn, reason; department, the
 * supervising department 主管部门, is optional so files written before it still read). The generator writes one beside its
 * inventory file; the IP office registers them with `patent-ledger institutions FILE`, before each
 * institution imports its own inventory. Each row is a `RegisterInstitution` command (PUT semantics:
 * registers, revises the stock count with a reason, or changes nothing), decided by the institution
 * decider; running a file again changes nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { institutionDecider, institutionStream, type RegisterInstitution } from '@patent-ledger/domain';
import {
  fingerprintOf,
  handleCommand,
  newId,
  type Actor,
  type EventStore,
} from '@patent-ledger/eventsourcing';
import { CSV_BOM, csvRow, parseCsv } from './csv';
import type { GeneratedInstitution } from './generator';
import { formatOfPath, type ImportFormat } from './importer';
import { ImportError } from './row-source';

export const INSTITUTION_FIELDS = [
  'institutionId',
  'name',
  'kind',
  'province',
  'milestoneGroup',
  'stockPatentCount',
  'department',
  'occurredOn',
  'reason',
] as const;
const REQUIRED: readonly string[] = [
  'institutionId',
  'name',
  'kind',
  'province',
  'milestoneGroup',
  'stockPatentCount',
];

/** Where the generator writes the institutions of an inventory file: `x.csv` → `x.institutions.csv`. */
export function institutionsFileOf(inventoryFile: string): string {
  return inventoryFile.replace(/(\.[^./\\]+)?$/, (ext) => `.institutions${ext || '.csv'}`);
}

/** Writes institution registrations (CSV with a BOM, or JSON Lines). */
export function writeInstitutionsFile(
  path: string,
  institutions: readonly GeneratedInstitution[],
  format: ImportFormat,
): number {
  const rows = institutions.map((i) => INSTITUTION_FIELDS.map((f) => (i as Record<string, unknown>)[f]));
  const text =
    format === 'csv'
      ? CSV_BOM + csvRow(INSTITUTION_FIELDS) + rows.map((r) => csvRow(r)).join('')
      : institutions.map((i) => `${JSON.stringify(i)}\n`).join('');
  writeFileSync(path, text);
  return institutions.length;
}

export interface InstitutionRow {
  /** 1-based record (CSV: after the header) or line number. */
  row: number;
  data?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** The rows of an institutions file (small: read whole). Throws ImportError when it cannot be read. */
export function readInstitutionsFile(
  path: string,
  options: { format?: ImportFormat; encoding?: string } = {},
): InstitutionRow[] {
  const format = options.format ?? formatOfPath(path);
  if (!format) throw new ImportError(`cannot tell the format of ${path}; give the format (csv or jsonl)`);
  let text: string;
  try {
    text = new TextDecoder(options.encoding ?? 'utf-8').decode(readFileSync(path));
  } catch (err) {
    throw new ImportError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (format === 'jsonl') {
    const rows: InstitutionRow[] = [];
    text.split(/\r\n|\n|\r/).forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          rows.push({
            row: i + 1,
            error: { code: 'JSONL.NOT_AN_OBJECT', message: 'each line must be a JSON object' },
          });
        else rows.push({ row: i + 1, data: value as Record<string, unknown> });
      } catch (err) {
        rows.push({
          row: i + 1,
          error: { code: 'JSONL.INVALID_JSON', message: `not JSON: ${(err as Error).message}` },
        });
      }
    });
    return rows;
  }
  const [header, ...records] = parseCsv(text).filter((r) => !r.fields || r.fields.some((f) => f.trim()));
  if (!header?.fields) throw new ImportError(`${path} has no header line`);
  const names = header.fields.map((f) => f.trim());
  const missing = REQUIRED.filter((f) => !names.includes(f));
  if (missing.length > 0)
    throw new ImportError(`the header of ${path} has no column for ${missing.join(', ')}`);
  return records.map((r, i) => {
    if (!r.fields) return { row: i + 1, error: { code: 'CSV.MALFORMED', message: r.error } };
    const fields = r.fields;
    const data: Record<string, unknown> = {};
    names.forEach((name, k) => {
      if (!(INSTITUTION_FIELDS as readonly string[]).includes(name)) return;
      const cell = (fields[k] ?? '').trim();
      if (cell === '') return;
      data[name] = name === 'stockPatentCount' && /^\d+$/.test(cell) ? Number(cell) : cell;
    });
    return { row: i + 1, data };
  });
}

export type InstitutionOutcome = 'registered' | 'revised' | 'unchanged' | 'rejected';

export interface InstitutionResult {
  row: number;
  institutionId?: string;
  outcome: InstitutionOutcome;
  code?: string;
  message?: string;
}

export interface RegisterInstitutionsSummary {
  rows: number;
  registered: number;
  revised: number;
  unchanged: number;
  rejected: number;
  results: InstitutionResult[];
}

/**
 * Registers (or revises) each institution of the rows through the institution decider. A row that
 * breaks a rule is rejected with its code; the others go on.
 */
export async function registerInstitutions(
  store: EventStore,
  rows: readonly InstitutionRow[],
  options: { actor: Actor; clock?: () => string; correlationId?: string },
): Promise<RegisterInstitutionsSummary> {
  const clock = options.clock ?? (() => new Date().toISOString());
  const correlationId = options.correlationId ?? `institutions-${newId()}`;
  const summary: RegisterInstitutionsSummary = {
    rows: rows.length,
    registered: 0,
    revised: 0,
    unchanged: 0,
    rejected: 0,
    results: [],
  };
  for (const r of rows) {
    const institutionId = typeof r.data?.['institutionId'] === 'string' ? r.data['institutionId'] : undefined;
    const base = { row: r.row, ...(institutionId !== undefined ? { institutionId } : {}) };
    if (r.error || !r.data || institutionId === undefined) {
      summary.rejected++;
      summary.results.push({
        ...base,
        outcome: 'rejected',
        ...(r.error ?? { code: 'FIELD.REQUIRED', message: 'institutionId is required' }),
      });
      continue;
    }
    const data = r.data as RegisterInstitution['data'];
    const fingerprint = fingerprintOf({ type: 'RegisterInstitution', data: r.data as never });
    const now = clock();
    try {
      const outcome = await handleCommand(
        store,
        institutionDecider,
        institutionStream(institutionId),
        { type: 'RegisterInstitution', data, now },
        {
          commandId: `institutions:${institutionId}:${fingerprint.slice(0, 16)}`,
          fingerprint,
          actor: options.actor,
          now,
          correlationId,
        },
      );
      const types = outcome.duplicate ? [] : outcome.events.map((e) => e.type);
      const result: InstitutionOutcome = types.includes('InstitutionRegistered')
        ? 'registered'
        : types.includes('StockCountRevised')
          ? 'revised'
          : 'unchanged';
      summary[result]++;
      summary.results.push({ ...base, outcome: result });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      summary.rejected++;
      summary.results.push({
        ...base,
        outcome: 'rejected',
        code: typeof code === 'string' ? code : 'ERROR',
        message: (err as Error).message,
      });
    }
  }
  return summary;
}
