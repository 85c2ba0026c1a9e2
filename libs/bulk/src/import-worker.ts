/**
 * The import's worker thread: reads the file, parses and converts its rows and decides them
 * (prepare.ts), and sends them to the importer's thread in messages of up to `rowsPerMessage` rows, in
 * order. It may be at most `credits` messages ahead: the importer returns a credit (with the clock's
 * `now` for the next rows) for each message it takes, so the queue between the threads is bounded and
 * memory stays constant whatever the size of the file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readFileLineBatches } from './lines';
import { prepareRow, type PreparedRow } from './prepare';
import { ImportError, readerOf } from './row-source';

export interface ImportWorkerData {
  path: string;
  format: 'csv' | 'jsonl' | 'national';
  encoding?: string;
  rowsPerMessage: number;
  credits: number;
  now: string;
}

/** The importer's thread → the worker: one more message may be sent, its rows decided at `now`. */
export interface ImportWorkerCredit {
  now: string;
}

export type ImportWorkerMessage =
  | { type: 'rows'; rows: PreparedRow[]; bytesRead: number; rejectsHeader: string[] }
  | { type: 'end'; bytesRead: number; rejectsHeader: string[]; ignoredColumns: string[] }
  | { type: 'error'; message: string; importError: boolean };

async function run(port: NonNullable<typeof parentPort>, data: ImportWorkerData): Promise<void> {
  let credits = data.credits;
  let now = data.now;
  let wake: (() => void) | undefined;
  port.on('message', (m: ImportWorkerCredit) => {
    credits++;
    now = m.now;
    wake?.();
  });
  let bytesRead = 0;
  const lines = readFileLineBatches(data.path, {
    ...(data.encoding ? { encoding: data.encoding } : {}),
    onBytes: (n) => (bytesRead = n),
  });
  const reader = readerOf(data.format, lines);
  let out: PreparedRow[] = [];
  const send = async (): Promise<void> => {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    credits--;
    const message: ImportWorkerMessage = {
      type: 'rows',
      rows: out,
      bytesRead,
      rejectsHeader: reader.rejectsHeader(),
    };
    port.postMessage(message);
    out = [];
  };
  for await (const batch of reader.rows) {
    for (const source of batch) {
      out.push(prepareRow(source, now, true));
      if (out.length >= data.rowsPerMessage) await send();
    }
  }
  if (out.length > 0) await send();
  const end: ImportWorkerMessage = {
    type: 'end',
    bytesRead,
    rejectsHeader: reader.rejectsHeader(),
    ignoredColumns: reader.ignoredColumns(),
  };
  port.postMessage(end);
  port.close();
}

if (parentPort) {
  const port = parentPort;
  run(port, workerData as ImportWorkerData).catch((err: unknown) => {
    const message: ImportWorkerMessage = {
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
      importError: err instanceof ImportError,
    };
    port.postMessage(message);
    port.close();
  });
}
