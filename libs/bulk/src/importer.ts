/**
 * Bulk import of inventory records (盘点入档): each valid row becomes an `InventoryPatent` command,
 * decided by the real patent decider against an empty state and appended with `EventStore.appendMany`
 * in batches, one durable commit per batch.
 *
 * Idempotency: a row is appended under command id `import:<applicationNumber>` with
 * `expectedVersion: 'no_stream'` and a fingerprint of its normalized event data, so re-importing a
 * file (or re-running an import that was killed at any moment) appends nothing for the rows already
 * committed: they come back as duplicates ("already present"), and only the rest is appended.
 */
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { extname } from 'node:path';
import {
  DomainError,
  institutionStream,
  PATENT_EVENT_SCHEMA_VERSIONS,
  patentDecider,
  patentStream,
  type InventoryPatent,
  type PatentInventoried,
} from '@patent-ledger/domain';
import {
  deterministicEventId,
  fingerprintOf,
  newId,
  type Actor,
  type AppendManyResult,
  type AppendRequest,
  type EventStore,
  type JsonObject,
} from '@patent-ledger/eventsourcing';
import { CsvRecordReader, type CsvRecord } from './csv';
import { normalizeLines, readFileLineBatches } from './lines';
import { RejectsFile } from './rejects';
import { dataFromCells, dataFromJson, mapHeader, type HeaderMap, type InventoryData } from './rows';

export type ImportFormat = 'csv' | 'jsonl';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['csv', 'jsonl'];
export const DEFAULT_BATCH_SIZE = 1000;
export const MAX_BATCH_SIZE = 10_000;
export const DEFAULT_IMPORT_ACTOR: Actor = { role: 'system', orgId: 'local', userId: 'bulk-import' };

/** A failure of the whole import (unreadable file or header); rows are never reported this way. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

export interface ImportOptions {
  /** Rows per `appendMany` batch (1-10,000; default 1,000). */
  batchSize?: number;
  /** Who the events are recorded for (default: a `system` actor). */
  actor?: Actor;
  /** Correlation id of every event of the run (default: `import-<uuid>`). */
  runId?: string;
  /** The handler's clock: ISO instant of each batch (default: the system clock). */
  clock?: () => string;
  /** Called after each batch. */
  onProgress?: (progress: ImportProgress) => void;
}

export interface FileImportOptions extends ImportOptions {
  /** Default: from the extension (.csv; .jsonl or .ndjson). Required for a line source. */
  format?: ImportFormat;
  /** Text encoding of a file (default `utf-8`; `gb18030` reads spreadsheets saved as GBK). */
  encoding?: string;
  /**
   * Where rejected rows go. Default for a file: `<FILE>.rejects.csv` (removed when a run rejects
   * nothing); `false` writes none. A line source writes none unless given a path.
   */
  rejectsFile?: string | false;
  /** Size of the source in bytes, for the progress fraction of a line source. */
  totalBytes?: number;
  /** Called with each row's outcome once its batch is committed, in row order. */
  onResult?: (result: RowResult) => void;
}

export type RowStatus = 'imported' | 'already-present' | 'rejected';

/** The outcome of one row. */
export interface RowResult {
  /** 1-based data row number (CSV: records after the header) or line number (JSON Lines). */
  row: number;
  /** Physical line on which the record starts. */
  line: number;
  status: RowStatus;
  applicationNumber?: string;
  /** Reason code of a rejected row (a domain error code, `INSTITUTION.NOT_REGISTERED`, `IMPORT.*`, ...). */
  code?: string;
  message?: string;
}

export interface ImportProgress {
  rows: number;
  imported: number;
  alreadyPresent: number;
  rejected: number;
  elapsedMs: number;
  /** Share of the source read (0-1), when its size is known. */
  fraction?: number;
}

export interface ImportSummary {
  runId: string;
  format: ImportFormat;
  /** Data rows read (blank lines are not rows). */
  rows: number;
  imported: number;
  alreadyPresent: number;
  rejected: number;
  elapsedMs: number;
  rowsPerSecond: number;
  /** Events appended by this run (one per imported row). */
  eventsAppended: number;
  /** The rejects file written, when rows were rejected. */
  rejectsFile?: string;
  /** CSV header labels that name no field (ignored). */
  ignoredColumns: string[];
  /** Rejected rows per reason code. */
  rejectCodes: Record<string, number>;
}

/** A row as read from the source, before it is decided. */
interface SourceRow {
  row: number;
  line: number;
  data?: Record<string, unknown>;
  error?: { code: string; message: string };
  /** Original fields, for the rejects file. */
  original: string[];
}

/** The outcome of deciding an inventory record: the append request, or a domain error (thrown). */
export interface InventoryRequest {
  applicationNumber: string;
  institutionId: string;
  fingerprint: string;
  event: PatentInventoried;
  request: AppendRequest;
}

export const importCommandId = (applicationNumber: string): string => `import:${applicationNumber}`;

/**
 * Decides an inventory record with the patent decider against an empty state and builds its append
 * request (command id `import:<applicationNumber>`, `no_stream`, deterministic event id). Throws the
 * decider's DomainError for an invalid record. Shared by the importer and the generator.
 */
export function buildInventoryRequest(
  data: InventoryData | Record<string, unknown>,
  ctx: { now: string; recordedAt?: string; actor: Actor; correlationId: string },
): InventoryRequest {
  const command = { type: 'InventoryPatent', data, now: ctx.now } as InventoryPatent;
  const [event] = patentDecider.decide(command, patentDecider.initialState()) as [PatentInventoried];
  const { applicationNumber, institutionId } = event.data;
  const commandId = importCommandId(applicationNumber);
  const fingerprint = fingerprintOf({ type: event.type, data: event.data });
  const recordedAt = ctx.recordedAt ?? ctx.now;
  return {
    applicationNumber,
    institutionId,
    fingerprint,
    event,
    request: {
      streamName: patentStream(applicationNumber),
      events: [
        {
          type: event.type,
          data: event.data as unknown as JsonObject,
          metadata: {
            eventId: deterministicEventId(commandId, 0),
            commandId,
            correlationId: ctx.correlationId,
            causationId: commandId,
            actor: ctx.actor,
            recordedAt,
            schemaVersion: PATENT_EVENT_SCHEMA_VERSIONS.PatentInventoried,
          },
        },
      ],
      options: { expectedVersion: 'no_stream', command: { commandId, fingerprint, recordedAt } },
    },
  };
}

/** The format a file name implies, if any. */
export function formatOfPath(path: string): ImportFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return undefined;
}

function checkOptions(options: ImportOptions): void {
  const { batchSize } = options;
  if (
    batchSize !== undefined &&
    (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE)
  ) {
    throw new ImportError(`batch size must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
}

/**
 * Imports a CSV or JSON Lines file (a path) or a source of lines. Rows that fail are written to the
 * rejects file and counted; the import goes on. Throws ImportError when the source cannot be read as
 * a whole (missing file, unusable header) and passes on errors of the store.
 */
export async function importInventory(
  store: EventStore,
  source: string | AsyncIterable<string> | Iterable<string>,
  options: FileImportOptions = {},
): Promise<ImportSummary> {
  checkOptions(options);
  let lines: AsyncIterable<string[]>;
  let format = options.format;
  let rejectsPath: string | undefined;
  let bytesRead = 0;
  let totalBytes = options.totalBytes;
  if (typeof source === 'string') {
    format ??= formatOfPath(source);
    if (!format) {
      throw new ImportError(
        `cannot tell the format of ${source} from its extension; give the format (csv or jsonl)`,
      );
    }
    let size: number;
    try {
      const st = statSync(source);
      if (!st.isFile()) throw new ImportError(`${source} is not a file`);
      size = st.size;
    } catch (err) {
      if (err instanceof ImportError) throw err;
      throw new ImportError(
        `cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    totalBytes = size;
    lines = readFileLineBatches(source, {
      ...(options.encoding ? { encoding: options.encoding } : {}),
      onBytes: (n) => (bytesRead = n),
    });
    rejectsPath =
      options.rejectsFile === false ? undefined : (options.rejectsFile ?? `${source}.rejects.csv`);
  } else {
    if (!format) throw new ImportError('give the format (csv or jsonl) of a line source');
    lines = normalizeLines(source);
    rejectsPath = options.rejectsFile === false ? undefined : options.rejectsFile;
  }
  if (!IMPORT_FORMATS.includes(format)) {
    throw new ImportError(`unknown format "${String(format)}"; use csv or jsonl`);
  }
  const rejects = rejectsPath ? new RejectsFile(rejectsPath) : undefined;
  try {
    const summary = await runImport(store, format, lines, options, options.onResult, rejects, () =>
      totalBytes ? Math.min(1, bytesRead / totalBytes) : undefined,
    );
    const written = rejects?.close();
    if (!written && rejectsPath && existsSync(rejectsPath)) unlinkSync(rejectsPath); // stale, from an earlier run
    return written ? { ...summary, rejectsFile: written } : summary;
  } catch (err) {
    rejects?.close();
    throw err;
  }
}

/**
 * Imports lines (e.g. an NDJSON request body of `POST /patents/batch`), reporting each row's outcome
 * as soon as its batch is committed, in row order. Same core and outcomes as `importInventory`.
 */
export async function importLines(
  store: EventStore,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportOptions & { format?: ImportFormat },
  onResult: (result: RowResult) => void,
): Promise<ImportSummary> {
  checkOptions(options);
  const format = options.format ?? 'jsonl';
  if (!IMPORT_FORMATS.includes(format)) {
    throw new ImportError(`unknown format "${String(format)}"; use csv or jsonl`);
  }
  return runImport(store, format, normalizeLines(lines), options, onResult, undefined, () => undefined);
}

// ---------------------------------------------------------------------------------------------
// reading rows

interface RowReader {
  /** Rows in batches (those of one chunk of the source): one await per chunk, not per row. */
  rows: AsyncGenerator<SourceRow[]>;
  /** Header of the rejects file (known once the source's header is read). */
  rejectsHeader: () => string[];
  ignoredColumns: () => string[];
}

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof DomainError) return { code: err.code, message: err.message };
  const code = (err as { code?: unknown }).code;
  return {
    code: typeof code === 'string' ? code : 'ROW.INVALID',
    message: (err as Error).message ?? String(err),
  };
}

function csvReader(batches: AsyncIterable<string[]>): RowReader {
  let header: string[] = [];
  let map: HeaderMap | undefined;
  const reader = new CsvRecordReader();
  let lineNumber = 0;
  let row = 0;

  /** The row a record makes, if any (the header and blank records make none). */
  const rowOf = (record: CsvRecord): SourceRow | undefined => {
    if (!map) {
      if (record.error !== undefined)
        throw new ImportError(`cannot read the header (line ${record.line}): ${record.error}`);
      if (record.fields.every((f) => f.trim() === '')) return undefined;
      header = record.fields.map((f) => f.trim());
      if (header.some((h) => h.includes('\uFFFD'))) {
        throw new ImportError(
          'the header is not UTF-8 text; a file saved by Excel as GBK needs the encoding gb18030 (or save it as "CSV UTF-8")',
        );
      }
      try {
        map = mapHeader(header);
      } catch (err) {
        throw new ImportError((err as Error).message);
      }
      return undefined;
    }
    row++;
    if (record.error !== undefined) {
      return {
        row,
        line: record.line,
        error: { code: 'CSV.MALFORMED', message: record.error },
        original: [],
      };
    }
    const cells = record.fields;
    if (cells.every((c) => c.trim() === '')) return undefined;
    if (cells.length > header.length && cells.slice(header.length).some((c) => c.trim() !== '')) {
      return {
        row,
        line: record.line,
        error: {
          code: 'CSV.TOO_MANY_FIELDS',
          message: `the row has ${cells.length} fields but the header ${header.length} (an unquoted comma?)`,
        },
        original: cells,
      };
    }
    try {
      return { row, line: record.line, data: dataFromCells(map, cells), original: cells };
    } catch (err) {
      return { row, line: record.line, error: errorOf(err), original: cells };
    }
  };

  async function* rows(): AsyncGenerator<SourceRow[]> {
    for await (const lines of batches) {
      const out: SourceRow[] = [];
      for (const line of lines) {
        const record = reader.push(line, ++lineNumber);
        const r = record && rowOf(record);
        if (r) out.push(r);
      }
      if (out.length > 0) yield out;
    }
    const last = reader.end();
    const r = last && rowOf(last);
    if (r) yield [r];
    if (!map) throw new ImportError('the file is empty: it has no header line');
  }
  return {
    rows: rows(),
    rejectsHeader: () => ['row', 'code', 'message', ...header],
    ignoredColumns: () => map?.ignored ?? [],
  };
}

function jsonlRow(line: string, lineNumber: number): SourceRow | undefined {
  if (line.trim() === '') return undefined;
  const base = { row: lineNumber, line: lineNumber, original: [line] };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ...base, error: { code: 'JSONL.INVALID_JSON', message: `not JSON: ${(err as Error).message}` } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ...base, error: { code: 'JSONL.NOT_AN_OBJECT', message: 'each line must be a JSON object' } };
  }
  try {
    return { ...base, data: dataFromJson(value as Record<string, unknown>) };
  } catch (err) {
    return { ...base, error: errorOf(err) };
  }
}

function jsonlReader(batches: AsyncIterable<string[]>): RowReader {
  async function* rows(): AsyncGenerator<SourceRow[]> {
    let lineNumber = 0;
    for await (const lines of batches) {
      const out: SourceRow[] = [];
      for (const line of lines) {
        const r = jsonlRow(line, ++lineNumber);
        if (r) out.push(r);
      }
      if (out.length > 0) yield out;
    }
  }
  return { rows: rows(), rejectsHeader: () => ['line', 'code', 'message', 'json'], ignoredColumns: () => [] };
}

// ---------------------------------------------------------------------------------------------
// the core

interface Pending {
  source: SourceRow;
  result?: RowResult;
  /** Index of its request in the batch. */
  requestIndex?: number;
  /** An earlier row of the batch with the same data: this row shares its outcome. */
  twin?: Pending;
  applicationNumber?: string;
}

async function runImport(
  store: EventStore,
  format: ImportFormat,
  lines: AsyncIterable<string[]>,
  options: ImportOptions,
  onResult: ((r: RowResult) => void) | undefined,
  rejects: RejectsFile | undefined,
  fraction: () => number | undefined,
): Promise<ImportSummary> {
  const started = performance.now();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const actor = options.actor ?? DEFAULT_IMPORT_ACTOR;
  const runId = options.runId ?? `import-${newId()}`;
  const clock = options.clock ?? (() => new Date().toISOString());
  const reader = format === 'csv' ? csvReader(lines) : jsonlReader(lines);
  const institutions = new Map<string, boolean>();
  const counts = { rows: 0, imported: 0, alreadyPresent: 0, rejected: 0 };
  const rejectCodes: Record<string, number> = {};

  let pending: Pending[] = [];
  let requests: AppendRequest[] = [];
  /** Application numbers of the batch → the pending row and fingerprint that asked for them. */
  let inBatch = new Map<string, { row: number; fingerprint: string; pending: Pending }>();
  let now = '';

  const isRegistered = async (institutionId: string): Promise<boolean> => {
    let known = institutions.get(institutionId);
    if (known === undefined) {
      known = (await store.streamVersion(institutionStream(institutionId))) > 0;
      institutions.set(institutionId, known);
    }
    return known;
  };

  const reject = (p: Pending, code: string, message: string): void => {
    p.result = {
      row: p.source.row,
      line: p.source.line,
      status: 'rejected',
      ...(p.applicationNumber !== undefined ? { applicationNumber: p.applicationNumber } : {}),
      code,
      message,
    };
  };

  const settle = async (p: Pending, outcome: AppendManyResult): Promise<void> => {
    const an = p.applicationNumber!;
    const base = { row: p.source.row, line: p.source.line, applicationNumber: an };
    if (outcome.ok) {
      p.result = { ...base, status: outcome.result.duplicate ? 'already-present' : 'imported' };
      return;
    }
    const code = (outcome.error as { code?: unknown }).code;
    if (code === 'STREAM.WRONG_EXPECTED_VERSION') {
      p.result = { ...base, status: 'already-present', message: 'the patent is already inventoried' };
    } else if (code === 'IDEMPOTENCY.KEY_REUSED') {
      const [first] = await store.readStream(patentStream(an), { limit: 1 });
      if (first?.metadata.correlationId === runId) {
        reject(
          p,
          'IMPORT.DUPLICATE_ROW',
          `application number ${an} appears in an earlier row of this file with different data`,
        );
      } else {
        const by = first ? ` (by ${first.metadata.correlationId} at ${first.metadata.recordedAt})` : '';
        reject(
          p,
          'IMPORT.CONFLICT',
          `application number ${an} was already imported with different data${by}`,
        );
      }
    } else {
      reject(p, typeof code === 'string' ? code : 'STORE.REJECTED', outcome.error.message);
    }
  };

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    if (requests.length > 0) {
      const recordedAt = clock();
      for (const r of requests) {
        for (const e of r.events) e.metadata.recordedAt = recordedAt;
        r.options.command!.recordedAt = recordedAt;
      }
      const results = await store.appendMany(requests);
      for (const p of pending) {
        if (p.requestIndex !== undefined) await settle(p, results[p.requestIndex]!);
      }
    }
    for (const p of pending) {
      const twin = p.twin?.result;
      if (!twin) continue;
      if (twin.status === 'rejected') reject(p, twin.code!, `same as row ${twin.row}: ${twin.message!}`);
      else
        p.result = {
          ...twin,
          row: p.source.row,
          line: p.source.line,
          status: 'already-present',
          message: `same as row ${twin.row}`,
        };
    }
    const rejectedRows: string[][] = [];
    for (const p of pending) {
      const r = p.result!;
      if (r.status === 'imported') counts.imported++;
      else if (r.status === 'already-present') counts.alreadyPresent++;
      else {
        counts.rejected++;
        rejectCodes[r.code!] = (rejectCodes[r.code!] ?? 0) + 1;
        rejectedRows.push([String(r.row), r.code!, r.message!, ...p.source.original]);
      }
      onResult?.(r);
    }
    if (rejects && rejectedRows.length > 0) rejects.write(reader.rejectsHeader(), rejectedRows);
    pending = [];
    requests = [];
    inBatch = new Map();
    const f = fraction();
    options.onProgress?.({
      ...counts,
      elapsedMs: performance.now() - started,
      ...(f !== undefined ? { fraction: f } : {}),
    });
  };

  for await (const batch of reader.rows) {
    for (const source of batch) {
      counts.rows++;
      if (pending.length === 0) now = clock();
      const p: Pending = { source };
      pending.push(p);
      if (source.error) {
        reject(p, source.error.code, source.error.message);
      } else {
        let built: InventoryRequest | undefined;
        try {
          built = buildInventoryRequest(source.data!, { now, actor, correlationId: runId });
        } catch (err) {
          const e = errorOf(err);
          const an = source.data?.['applicationNumber'];
          if (typeof an === 'string') p.applicationNumber = an;
          reject(p, e.code, e.message);
        }
        if (built) {
          p.applicationNumber = built.applicationNumber;
          const twin = inBatch.get(built.applicationNumber);
          const registered =
            institutions.get(built.institutionId) ?? (await isRegistered(built.institutionId));
          if (!registered) {
            reject(
              p,
              'INSTITUTION.NOT_REGISTERED',
              `institution ${built.institutionId} is not registered; register it (PUT /institutions/${built.institutionId}) first`,
            );
          } else if (twin && twin.fingerprint !== built.fingerprint) {
            reject(
              p,
              'IMPORT.DUPLICATE_ROW',
              `application number ${built.applicationNumber} appears in row ${twin.row} with different data`,
            );
          } else if (twin) {
            p.twin = twin.pending; // settled with it
          } else {
            inBatch.set(built.applicationNumber, {
              row: source.row,
              fingerprint: built.fingerprint,
              pending: p,
            });
            p.requestIndex = requests.length;
            requests.push(built.request);
          }
        }
      }
      if (pending.length >= batchSize) await flush();
    }
  }
  await flush();

  const elapsedMs = performance.now() - started;
  return {
    runId,
    format,
    ...counts,
    elapsedMs,
    rowsPerSecond: counts.rows / Math.max(elapsedMs / 1000, 0.001),
    eventsAppended: counts.imported,
    ignoredColumns: reader.ignoredColumns(),
    rejectCodes,
  };
}
