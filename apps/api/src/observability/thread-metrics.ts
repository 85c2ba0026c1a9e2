/**
 * Measurements that happen in the api's other threads and end up in the request thread's metrics:
 * the ledger thread times each command it executes (answered with the outcome when asked) and
 * forwards the SQLite store's group-commit timings over a BroadcastChannel, in batches.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { BroadcastChannel } from 'node:worker_threads';
import type { CommandOutcome } from '@patent-ledger/eventsourcing';
import { SQLITE_COMMIT_CHANNEL, type SqliteCommitTiming } from '@patent-ledger/store-sqlite';
import type { LedgerCommand, LedgerExecutor } from '../ledger/execute';
import { withTimings, type CommandTimings } from './command-timings';

/** The BroadcastChannel the threads' measurements travel on. */
export const METRICS_CHANNEL = 'patent-ledger:metrics';

/** A ledger command whose answer should carry its timings. */
export type ObservedCommand = LedgerCommand & { timed?: boolean };

export interface TimedOutcome {
  outcome: CommandOutcome;
  timings: CommandTimings;
}

export const isTimedOutcome = (v: unknown): v is TimedOutcome =>
  typeof v === 'object' && v !== null && 'timings' in v && 'outcome' in v;

/** Executes a command, with its timings when it asks for them (`timed`). */
export async function executeObserved(
  executor: Pick<LedgerExecutor, 'execute'>,
  c: ObservedCommand,
): Promise<CommandOutcome | TimedOutcome> {
  if (!c.timed) return executor.execute(c);
  const { value, timings } = await withTimings(() => executor.execute(c));
  return { outcome: value, timings };
}

interface CommitBatch {
  type: 'commits';
  timings: SqliteCommitTiming[];
}

let forwarding = false;

/** In the ledger thread: sends the store's commit timings to the request thread, every 250 ms at most. */
export function forwardCommitTimings(): void {
  if (forwarding) return;
  forwarding = true;
  const channel = new BroadcastChannel(METRICS_CHANNEL);
  channel.unref();
  let pending: SqliteCommitTiming[] = [];
  let timer: NodeJS.Timeout | undefined;
  subscribe(SQLITE_COMMIT_CHANNEL, (message) => {
    pending.push(message as SqliteCommitTiming);
    if (pending.length >= 1000) flush();
    else timer ??= setTimeout(flush, 250).unref();
  });
  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const timings = pending;
    pending = [];
    if (timings.length > 0) channel.postMessage({ type: 'commits', timings } satisfies CommitBatch);
  }
}

/**
 * In the request thread: calls `onCommit` with every group commit of the SQLite file `file`, from
 * the ledger thread (BroadcastChannel) or from a store in this thread (the diagnostics channel).
 * Returns a function that stops listening.
 */
export function listenCommitTimings(file: string, onCommit: (t: SqliteCommitTiming) => void): () => void {
  const local = (message: unknown): void => {
    const t = message as SqliteCommitTiming;
    if (t.file === file) onCommit(t);
  };
  subscribe(SQLITE_COMMIT_CHANNEL, local);
  const channel = new BroadcastChannel(METRICS_CHANNEL);
  channel.unref();
  channel.onmessage = (event) => {
    const m = (event as { data?: CommitBatch }).data;
    if (m?.type === 'commits') for (const t of m.timings) if (t.file === file) onCommit(t);
  };
  return () => {
    channel.close();
    unsubscribe(SQLITE_COMMIT_CHANNEL, local);
  };
}
