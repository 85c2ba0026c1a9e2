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
  institutionStream,
  PATENT_EVENT_SCHEMA_VERSIONS,
  patentStream,
  type PatentInventoried,
} from '@patent-ledger/domain';
import {
  deterministicEventId,
  newId,
  type Actor,
  type AppendManyResult,
  type AppendRequest,
  type EventStore,
  type JsonObject,
} from '@patent-ledger/eventsourcing';
import { canonicalCopy } from './canonical';
import { normalizeLines, readFileLineBatches } from './lines';
import { decideInventory, importCommandId, prepareRow, type PreparedRow } from './prepare';
import { RejectsFile } from './rejects';
import { ImportError, readerOf, type RowReader, type SourceRow } from './row-source';
import type { InventoryData } from './rows';
import { defaultWorkerFile, workerRows } from './worker-source';

/** `national`: the national platform's inventory sheet (a CSV with its headers, checked cell by cell). */
export type ImportFormat = 'csv' | 'jsonl' | 'national';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['csv', 'jsonl', 'national'];
export const DEFAULT_BATCH_SIZE = 1000;
export const MAX_BATCH_SIZE = 10_000;
export const DEFAULT_IMPORT_ACTOR: Actor = { role: 'system', orgId: 'local', userId: 'bulk-import' };

export { ImportError } from './row-source';
export { importCommandId } from './prepare';

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
  /**
   * The access policy for each row: why the caller may not inventory into this institution, or
   * undefined when it may. A refused row is rejected on its own (code and message as returned).
   */
  authorize?: (institutionId: string) => { code: string; message: string } | undefined;
  /**
   * Only the rows of this institution (its own inventory, e.g. from a file of a whole province); the
   * rows of other institutions are skipped and counted in `skipped`. A row that names no institution
   * is still rejected.
   */
  institutionId?: string;
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
  /**
   * Read and decide the rows of a file in a worker thread, in parallel with the store's writes on this
   * one (same outcomes, same order; a bounded queue between the two). Default false: measured on a
   * shared 2-core machine it used more CPU in all (messages, a second heap) and was not faster; it may
   * pay where a core is idle. Needs the compiled worker script (the built package) or `workerFile`.
   */
  worker?: boolean;
  /** The worker's script (default: import-worker.js next to this module), e.g. a loader for the sources. */
  workerFile?: string;
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
  /** Data rows read (blank lines are not rows), without those skipped. */
  rows: number;
  /** Rows of other institutions, skipped (see ImportOptions.institutionId). */
  skipped: number;
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

/** The outcome of deciding an inventory record: the append request, or a domain error (thrown). */
export interface InventoryRequest {
  applicationNumber: string;
  institutionId: string;
  fingerprint: string;
  event: PatentInventoried;
  request: AppendRequest;
}

/** Metadata keys in canonical order (see canonicalCopy): the store hashes it from its JSON. */
function inventoryAppendRequest(
  applicationNumber: string,
  data: JsonObject,
  fingerprint: string,
  eventId: string,
  ctx: { recordedAt: string; actor: Actor; correlationId: string },
): AppendRequest {
  const commandId = importCommandId(applicationNumber);
  const { recordedAt } = ctx;
  return {
    streamName: patentStream(applicationNumber),
    events: [
      {
        type: 'PatentInventoried',
        data,
        metadata: {
          actor: ctx.actor,
          causationId: commandId,
          commandId,
          correlationId: ctx.correlationId,
          eventId,
          recordedAt,
          schemaVersion: PATENT_EVENT_SCHEMA_VERSIONS.PatentInventoried,
        },
      },
    ],
    options: { expectedVersion: 'no_stream', command: { commandId, fingerprint, recordedAt } },
  };
}

/**
 * Decides an inventory record with the patent decider against an empty state and builds its append
 * request (command id `import:<applicationNumber>`, `no_stream`, deterministic event id). Throws the
 * decider's DomainError for an invalid record. Shared by the importer and the generator.
 */
export function buildInventoryRequest(
  data: InventoryData | Record<string, unknown>,
  ctx: { now: string; recordedAt?: string; actor: Actor; correlationId: string },
): InventoryRequest {
  const { event, fingerprint } = decideInventory(data, ctx.now);
  const { applicationNumber, institutionId } = event.data;
  return {
    applicationNumber,
    institutionId,
    fingerprint,
    event,
    request: inventoryAppendRequest(
      applicationNumber,
      event.data as unknown as JsonObject,
      fingerprint,
      deterministicEventId(importCommandId(applicationNumber), 0),
      {
        recordedAt: ctx.recordedAt ?? ctx.now,
        actor: canonicalCopy(ctx.actor) ?? ctx.actor,
        correlationId: ctx.correlationId,
      },
    ),
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

/** The rows of a source, decided, in batches. */
interface PreparedSource {
  rows: AsyncIterable<PreparedRow[]>;
  rejectsHeader: () => string[];
  ignoredColumns: () => string[];
  /**
   * Share of the source done (0-1) once the rows up to `last` are, when its size is known: the bytes
   * up to the end of that row, not those read ahead.
   */
  fraction: (last: PreparedRow | undefined) => number | undefined;
}

/** Rows decided at a time on this thread (a chunk of the source holds thousands). */
const PREPARE_AT_ONCE = 256;

/** Decides the rows of a reader on this thread, a few hundred at a time, each group at the clock's `now`. */
function preparedHere(reader: RowReader, clock: () => string, fraction: PreparedSource['fraction']) {
  async function* rows(): AsyncGenerator<PreparedRow[]> {
    for await (const batch of reader.rows) {
      for (let at = 0; at < batch.length; at += PREPARE_AT_ONCE) {
        const now = clock();
        const group = batch.slice(at, at + PREPARE_AT_ONCE);
        for (let i = at; i < at + group.length; i++) batch[i] = undefined as unknown as SourceRow; // let it go
        yield group.map((source) => prepareRow(source, now));
      }
    }
  }
  return {
    rows: rows(),
    rejectsHeader: reader.rejectsHeader,
    ignoredColumns: reader.ignoredColumns,
    fraction,
  };
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
  const clock = options.clock ?? (() => new Date().toISOString());
  let format = options.format;
  let rejectsPath: string | undefined;
  let prepared: PreparedSource;
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
    if (!IMPORT_FORMATS.includes(format)) {
      throw new ImportError(`unknown format "${String(format)}"; use csv, jsonl or national`);
    }
    if (options.worker) {
      const workerFile = options.workerFile ?? defaultWorkerFile();
      if (!workerFile) throw new ImportError('the import worker script is not there (run the built package)');
      prepared = workerRows(workerFile, {
        path: source,
        format,
        ...(options.encoding ? { encoding: options.encoding } : {}),
        size,
        batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
        clock,
      });
    } else {
      let bytesRead = 0;
      const lines = readFileLineBatches(source, {
        ...(options.encoding ? { encoding: options.encoding } : {}),
        onBytes: (n) => (bytesRead = n),
      });
      const reader = readerOf(format, lines);
      prepared = preparedHere(reader, clock, (last) =>
        size ? Math.min(1, (last?.end ?? bytesRead) / size) : undefined,
      );
    }
    rejectsPath =
      options.rejectsFile === false ? undefined : (options.rejectsFile ?? `${source}.rejects.csv`);
  } else {
    if (!format) throw new ImportError('give the format (csv or jsonl) of a line source');
    if (!IMPORT_FORMATS.includes(format)) {
      throw new ImportError(`unknown format "${String(format)}"; use csv, jsonl or national`);
    }
    const lines = normalizeLines(source);
    const reader = readerOf(format, lines);
    const { totalBytes } = options;
    // A line source reports no bytes read: a known size only makes the fraction 0 (as before).
    prepared = preparedHere(reader, clock, () => (totalBytes ? 0 : undefined));
    rejectsPath = options.rejectsFile === false ? undefined : options.rejectsFile;
  }
  const rejects = rejectsPath ? new RejectsFile(rejectsPath) : undefined;
  try {
    const summary = await runImport(store, format, prepared, options, options.onResult, rejects);
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
    throw new ImportError(`unknown format "${String(format)}"; use csv, jsonl or national`);
  }
  const normalized = normalizeLines(lines);
  const reader = readerOf(format, normalized);
  const clock = options.clock ?? (() => new Date().toISOString());
  return runImport(
    store,
    format,
    preparedHere(reader, clock, () => undefined),
    options,
    onResult,
    undefined,
  );
}

// ---------------------------------------------------------------------------------------------
// the core

interface Pending {
  prepared: PreparedRow;
  result?: RowResult;
  /** An earlier row of the batch with the same data: this row shares its outcome. */
  twin?: Pending;
  applicationNumber?: string;
}

async function runImport(
  store: EventStore,
  format: ImportFormat,
  source: PreparedSource,
  options: ImportOptions,
  onResult: ((r: RowResult) => void) | undefined,
  rejects: RejectsFile | undefined,
): Promise<ImportSummary> {
  const started = performance.now();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const givenActor = options.actor ?? DEFAULT_IMPORT_ACTOR;
  const actor = canonicalCopy(givenActor) ?? givenActor;
  const runId = options.runId ?? `import-${newId()}`;
  const clock = options.clock ?? (() => new Date().toISOString());
  const institutions = new Map<string, boolean>();
  const counts = { rows: 0, imported: 0, alreadyPresent: 0, rejected: 0 };
  let skipped = 0;
  const only = options.institutionId;
  const rejectCodes: Record<string, number> = {};

  let pending: Pending[] = [];
  let lastFraction: number | undefined;
  /** The rows of the batch that go to the store, in order. */
  let toStore: Pending[] = [];
  /** Application numbers of the batch → the pending row that asked for them. */
  let inBatch = new Map<string, Pending>();

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
      row: p.prepared.row,
      line: p.prepared.line,
      status: 'rejected',
      ...(p.applicationNumber !== undefined ? { applicationNumber: p.applicationNumber } : {}),
      code,
      message,
    };
  };

  /** The row's outcome from the store's; a read only for a reused command id. */
  const settle = (p: Pending, outcome: AppendManyResult): Promise<void> | undefined => {
    const an = p.applicationNumber!;
    const base = { row: p.prepared.row, line: p.prepared.line, applicationNumber: an };
    if (outcome.ok) {
      p.result = { ...base, status: outcome.result.duplicate ? 'already-present' : 'imported' };
      return undefined;
    }
    const code = (outcome.error as { code?: unknown }).code;
    if (code === 'STREAM.WRONG_EXPECTED_VERSION') {
      p.result = { ...base, status: 'already-present', message: 'the patent is already inventoried' };
    } else if (code === 'IDEMPOTENCY.KEY_REUSED') {
      return store.readStream(patentStream(an), { limit: 1 }).then(([first]) => {
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
      });
    } else {
      reject(p, typeof code === 'string' ? code : 'STORE.REJECTED', outcome.error.message);
    }
    return undefined;
  };

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    if (toStore.length > 0) {
      const ctx = { recordedAt: clock(), actor, correlationId: runId };
      const requests = toStore.map(({ prepared: r }) => {
        const data = r.data ?? (JSON.parse(r.dataJson!) as JsonObject);
        delete r.dataJson; // one copy of the data per row, not two
        return inventoryAppendRequest(r.applicationNumber!, data, r.fingerprint!, r.eventId!, ctx);
      });
      const results = await store.appendMany(requests);
      for (let i = 0; i < toStore.length; i++) {
        const read = settle(toStore[i]!, results[i]!);
        if (read) await read;
      }
    }
    for (const p of pending) {
      const twin = p.twin?.result;
      if (!twin) continue;
      if (twin.status === 'rejected') reject(p, twin.code!, `same as row ${twin.row}: ${twin.message!}`);
      else
        p.result = {
          ...twin,
          row: p.prepared.row,
          line: p.prepared.line,
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
        rejectedRows.push([String(r.row), r.code!, r.message!, ...p.prepared.original]);
      }
      onResult?.(r);
    }
    if (rejects && rejectedRows.length > 0) rejects.write(source.rejectsHeader(), rejectedRows);
    const last = pending[pending.length - 1]!.prepared;
    pending = [];
    toStore = [];
    inBatch = new Map();
    const f = source.fraction(last);
    lastFraction = f;
    options.onProgress?.({
      ...counts,
      elapsedMs: performance.now() - started,
      ...(f !== undefined ? { fraction: f } : {}),
    });
  };

  for await (const batch of source.rows) {
    for (const prepared of batch) {
      if (only !== undefined && prepared.institutionId !== undefined && prepared.institutionId !== only) {
        skipped++;
        continue;
      }
      counts.rows++;
      const p: Pending = { prepared };
      pending.push(p);
      if (prepared.applicationNumber !== undefined) p.applicationNumber = prepared.applicationNumber;
      if (prepared.error) {
        reject(p, prepared.error.code, prepared.error.message);
      } else {
        const an = prepared.applicationNumber!;
        const institutionId = prepared.institutionId!;
        const twin = inBatch.get(an);
        const denied = options.authorize?.(institutionId);
        const registered = denied
          ? true
          : (institutions.get(institutionId) ?? (await isRegistered(institutionId)));
        if (denied) {
          reject(p, denied.code, denied.message);
        } else if (!registered) {
          reject(
            p,
            'INSTITUTION.NOT_REGISTERED',
            `institution ${institutionId} is not registered; register it (PUT /institutions/${institutionId}) first`,
          );
        } else if (twin && twin.prepared.fingerprint !== prepared.fingerprint) {
          reject(
            p,
            'IMPORT.DUPLICATE_ROW',
            `application number ${an} appears in row ${twin.prepared.row} with different data`,
          );
        } else if (twin) {
          p.twin = twin; // settled with it
        } else {
          inBatch.set(an, p);
          toStore.push(p);
        }
      }
      if (pending.length >= batchSize) await flush();
    }
  }
  await flush();
  // Blank lines at the end: the source is done all the same.
  if (lastFraction !== undefined && lastFraction < 1) {
    options.onProgress?.({ ...counts, elapsedMs: performance.now() - started, fraction: 1 });
  }

  const elapsedMs = performance.now() - started;
  return {
    runId,
    format,
    ...counts,
    skipped,
    elapsedMs,
    rowsPerSecond: counts.rows / Math.max(elapsedMs / 1000, 0.001),
    eventsAppended: counts.imported,
    ignoredColumns: source.ignoredColumns(),
    rejectCodes,
  };
}
