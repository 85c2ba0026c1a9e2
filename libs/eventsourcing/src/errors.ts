import type { ExpectedVersion } from './types';

/** Base class of infrastructure errors raised by the event-sourcing layer. Each has a stable code. */
export abstract class EventSourcingError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The stream was not at the version the writer expected. */
export class WrongExpectedVersionError extends EventSourcingError {
  readonly code = 'STREAM.WRONG_EXPECTED_VERSION';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`stream ${streamName} is at version ${actual}, expected ${String(expected)}`);
  }
}

/** A command id was re-used for a different request. */
export class IdempotencyKeyReusedError extends EventSourcingError {
  readonly code = 'IDEMPOTENCY.KEY_REUSED';
  constructor(readonly commandId: string) {
    super(`command id ${commandId} was already used for a different request`);
  }
}

/** Retries on concurrent writers were exhausted. */
export class ConcurrencyRetriesExhaustedError extends EventSourcingError {
  readonly code = 'STREAM.CONCURRENCY_RETRIES_EXHAUSTED';
  constructor(
    readonly streamName: string,
    readonly attempts: number,
  ) {
    super(`stream ${streamName} kept changing under ${attempts} attempts`);
  }
}

/** Invalid arguments given to a store (a bug in the caller, not a business rule). */
export class InvalidAppendError extends EventSourcingError {
  readonly code = 'STREAM.INVALID_APPEND';
}

/** Checks an expected version against the current one; shared by all adapters. */
export function checkExpectedVersion(streamName: string, expected: ExpectedVersion, current: number): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === 0) ||
    (expected === 'stream_exists' && current > 0) ||
    (typeof expected === 'number' && expected === current);
  if (!ok) throw new WrongExpectedVersionError(streamName, expected, current);
}

/** Validates an append's arguments; shared by all adapters. */
export function validateAppend(streamName: string, expected: ExpectedVersion): void {
  if (typeof streamName !== 'string' || streamName.length === 0 || streamName.length > 200) {
    throw new InvalidAppendError(`invalid stream name: ${JSON.stringify(streamName)}`);
  }
  if (typeof expected === 'number' && (!Number.isSafeInteger(expected) || expected < 0)) {
    throw new InvalidAppendError(`invalid expected version: ${expected}`);
  }
}
