/**
 * The importer's side of its worker thread (import-worker.ts): starts it, takes its messages in
 * order as batches of decided rows, and returns a credit for each, so that the worker reads and
 * decides ahead while this thread writes to the store, at most a bounded number of rows ahead.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImportWorkerCredit, ImportWorkerData, ImportWorkerMessage } from './import-worker';
import type { PreparedRow } from './prepare';
import { ImportError } from './row-source';

/** Rows per message of the worker. */
const ROWS_PER_MESSAGE = 250;

/** The compiled worker script next to this module, when there is one (not when run from sources). */
export function defaultWorkerFile(): string | undefined {
  const file = join(__dirname, 'import-worker.js');
  return existsSync(file) ? file : undefined;
}

export interface WorkerRowsOptions {
  path: string;
  format: 'csv' | 'jsonl' | 'national';
  encoding?: string;
  /** File size, for the fraction read. */
  size: number;
  /** Rows per commit of the importer: the worker may be about one such batch ahead. */
  batchSize: number;
  clock: () => string;
}

export function workerRows(workerFile: string, options: WorkerRowsOptions) {
  // Enough credit for the worker to decide the next batch while this thread commits one.
  const credits = Math.ceil(options.batchSize / ROWS_PER_MESSAGE) + 1;
  const data: ImportWorkerData = {
    path: options.path,
    format: options.format,
    ...(options.encoding ? { encoding: options.encoding } : {}),
    rowsPerMessage: ROWS_PER_MESSAGE,
    credits,
    now: options.clock(),
  };
  let bytesRead = 0;
  let rejectsHeader: string[] = [];
  let ignoredColumns: string[] = [];

  async function* rows(): AsyncGenerator<PreparedRow[]> {
    const worker = new Worker(workerFile, {
      workerData: data,
      // Its live data is a chunk of the file and the rows queued for this thread: a small young
      // generation keeps its share of the process's memory small (the default is sized for servers).
      resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 256 },
    });
    const queue: ImportWorkerMessage[] = [];
    let failure: Error | undefined;
    let exited = false;
    let wake: (() => void) | undefined;
    worker.on('message', (m: ImportWorkerMessage) => {
      queue.push(m);
      wake?.();
    });
    worker.on('error', (err) => {
      failure ??= err;
      wake?.();
    });
    worker.on('exit', (code) => {
      exited = true;
      if (code !== 0) failure ??= new Error(`the import worker stopped (exit code ${code})`);
      wake?.();
    });
    try {
      for (;;) {
        while (queue.length === 0) {
          if (failure) throw failure;
          if (exited) throw new Error('the import worker ended before the end of the file');
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        const m = queue.shift()!;
        if (m.type === 'error') throw m.importError ? new ImportError(m.message) : new Error(m.message);
        bytesRead = m.bytesRead;
        rejectsHeader = m.rejectsHeader;
        if (m.type === 'end') {
          ignoredColumns = m.ignoredColumns;
          return;
        }
        const credit: ImportWorkerCredit = { now: options.clock() };
        worker.postMessage(credit);
        yield m.rows;
      }
    } finally {
      await worker.terminate();
    }
  }

  return {
    rows: rows(),
    rejectsHeader: () => rejectsHeader,
    ignoredColumns: () => ignoredColumns,
    /** The bytes up to the end of the last row done, not those the worker read ahead. */
    fraction: (last: PreparedRow | undefined) =>
      options.size ? Math.min(1, (last?.end ?? bytesRead) / options.size) : undefined,
  };
}
