import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What every log line of a unit of work carries: its correlation id. */
export interface WorkContext {
  correlationId: string;
}

const storage = new AsyncLocalStorage<WorkContext>();

/** The correlation id of the request (or background task) under way, if any. */
export const currentCorrelationId = (): string | undefined => storage.getStore()?.correlationId;

/** Runs `fn` (and everything it starts) under `correlationId`. */
export function withCorrelationId<T>(correlationId: string, fn: () => T): T {
  return storage.run({ correlationId }, fn);
}

/** A correlation id for work no request started (a publisher, the reminders): `task-<uuid>`. */
export const taskCorrelationId = (task: string): string => `${task}-${randomUUID()}`;

/** The correlation id a request brought (X-Correlation-Id: 1-128 visible characters), else a new one. */
export function correlationIdOf(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  return typeof v === 'string' && /^[\x21-\x7e]{1,128}$/.test(v) ? v : `req-${randomUUID()}`;
}
