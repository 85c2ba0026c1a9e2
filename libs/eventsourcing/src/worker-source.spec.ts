import {
  ConcurrencyRetriesExhaustedError,
  EventSourcingError,
  IdempotencyKeyReusedError,
  InvalidAppendError,
  WrongExpectedVersionError,
} from './errors';
import { deserializeError, serializeError } from './worker-source';

/** What the other side of a thread boundary sees: the error through postMessage's structured clone. */
const across = (err: unknown): Error => deserializeError(structuredClone(serializeError(err)));

describe('errors across the ledger thread', () => {
  it('a concurrency conflict stays a ConcurrencyRetriesExhaustedError (409), not a plain Error (500)', () => {
    const err = across(new ConcurrencyRetriesExhaustedError('patent-201710601862.3', 10));
    expect(err).toBeInstanceOf(ConcurrencyRetriesExhaustedError);
    expect(err).toBeInstanceOf(EventSourcingError);
    expect(err).toMatchObject({
      code: 'STREAM.CONCURRENCY_RETRIES_EXHAUSTED',
      streamName: 'patent-201710601862.3',
      attempts: 10,
      message: 'stream patent-201710601862.3 kept changing under 10 attempts',
    });
  });

  it('the other event-sourcing errors keep their classes and fields', () => {
    expect(across(new WrongExpectedVersionError('s-1', 3, 4))).toBeInstanceOf(WrongExpectedVersionError);
    expect(across(new WrongExpectedVersionError('s-1', 3, 4))).toMatchObject({
      streamName: 's-1',
      expected: 3,
      actual: 4,
    });
    expect(across(new IdempotencyKeyReusedError('c-1'))).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(across(new InvalidAppendError('bad'))).toBeInstanceOf(InvalidAppendError);
  });

  it('any other error keeps its name, message and fields (a driver code, say)', () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    full.name = 'SqliteError';
    expect(across(full)).toMatchObject({
      name: 'SqliteError',
      message: 'database or disk is full',
      code: 'SQLITE_FULL',
    });
  });
});
