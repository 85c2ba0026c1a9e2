/**
 * What kind of failure a domain error is. Not an HTTP status: the API maps it.
 * - invalid: the command is malformed or self-contradictory (bad number, dates out of order)
 * - not-found: the aggregate or a referenced part of it does not exist
 * - rule: the command is well-formed but the current state forbids it
 * - forbidden: the caller may not do this (the access policy)
 */
export type DomainErrorKind = 'invalid' | 'not-found' | 'rule' | 'forbidden';

/** A rule violation with a stable code, e.g. `PATENT.NOT_IN_POOL`. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: DomainErrorKind = 'rule',
    /** Field of the command the error is about, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (code: string, message: string, field?: string): DomainError =>
  new DomainError(code, message, 'invalid', field);
export const notFound = (code: string, message: string, field?: string): DomainError =>
  new DomainError(code, message, 'not-found', field);
export const rule = (code: string, message: string, field?: string): DomainError =>
  new DomainError(code, message, 'rule', field);
