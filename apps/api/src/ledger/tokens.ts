/** Injection token of the EventStore port. */
export const EVENT_STORE = Symbol('EVENT_STORE');
/** Injection token of the validated configuration. */
export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');

/** The clock: the only source of "now" (tests replace it). */
export abstract class Clock {
  abstract now(): string;
}

export class SystemClock extends Clock {
  now(): string {
    return new Date().toISOString();
  }
}
