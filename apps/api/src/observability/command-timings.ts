/**
 * Where a command's time goes — each decide and each append, as epoch milliseconds (comparable across
 * threads) — for the metrics and the traces. The ledger executor's store and deciders are wrapped
 * (`timedAppends`, `timedDecides`); they record into the timings of the command under way, which
 * `withTimings` opens around one execution (in the ledger thread or the request thread). Outside it
 * they only delegate.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventStore } from '@patent-ledger/eventsourcing';

export interface Span {
  start: number;
  end: number;
}

export interface CommandTimings {
  decide: Span[];
  append: Span[];
}

const current = new AsyncLocalStorage<CommandTimings>();

export const epochMs = (): number => performance.timeOrigin + performance.now();

/** Runs one command execution and returns its result with its timings. */
export async function withTimings<T>(run: () => Promise<T>): Promise<{ value: T; timings: CommandTimings }> {
  const timings: CommandTimings = { decide: [], append: [] };
  const value = await current.run(timings, run);
  return { value, timings };
}

/** The store, its appends timed into the current command's timings. */
export function timedAppends(store: EventStore): EventStore {
  const append = store.append.bind(store);
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return async (...args: Parameters<EventStore['append']>) => {
          const timings = current.getStore();
          if (!timings) return append(...args);
          const start = epochMs();
          try {
            return await append(...args);
          } finally {
            timings.append.push({ start, end: epochMs() });
          }
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The decider, each decide timed into the current command's timings. */
export function timedDecides<D extends { decide(...args: never[]): unknown }>(decider: D): D {
  const decide = decider.decide.bind(decider) as (...a: unknown[]) => unknown;
  return {
    ...decider,
    decide: (...args: unknown[]) => {
      const timings = current.getStore();
      if (!timings) return decide(...args);
      const start = epochMs();
      try {
        return decide(...args);
      } finally {
        timings.decide.push({ start, end: epochMs() });
      }
    },
  } as D;
}
