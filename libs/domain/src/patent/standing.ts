/**
 * Whether a patent is in force on a date, derived from its dates and facts — no command is needed
 * for a patent to expire or to lapse for an unpaid annuity:
 * - expired: the date is after the last day of protection (专利法 Art. 42);
 * - lapsed: a recorded PatentLapsed took effect, or an annuity the ledger tracks was not paid by the
 *   end of its grace period, so the right ended with the last paid year (细则 r.98–100).
 */
import { addDays, type IsoDate } from '../dates';
import { nonPaymentLapse } from './annuity';
import type { LapseReason } from './events';
import type { Patent } from './state';

export interface Termination {
  reason: LapseReason;
  /** The first day the patent is not in force (CNIPA's 终止日). */
  effectiveOn: IsoDate;
  /** The last day it was in force: for non-payment, the end of the last paid year. */
  lastDayInForce: IsoDate;
  /** Derived from an unpaid annuity rather than recorded. */
  derived: boolean;
  /** For non-payment: the year whose annuity was not paid, and the end of its grace period. */
  annuityYear?: number;
  graceEnd?: IsoDate;
}

export type Standing =
  | { status: 'in-force'; lastDayOfProtection: IsoDate }
  | { status: 'expired'; lastDayOfProtection: IsoDate }
  | ({ status: 'lapsed' } & Termination);

/**
 * The termination known on `date`: a recorded lapse in effect by then, or a lapse for non-payment
 * once the grace period of the unpaid annuity has passed (the earlier of the two).
 */
export function terminationOf(p: Patent, date: IsoDate, strict = true): Termination | undefined {
  const recorded: Termination | undefined =
    p.lapse && p.lapse.effectiveOn <= date
      ? {
          reason: p.lapse.reason,
          effectiveOn: p.lapse.effectiveOn,
          lastDayInForce: addDays(p.lapse.effectiveOn, -1),
          derived: false,
        }
      : undefined;
  const unpaid = nonPaymentLapse(p, date, strict);
  const derived: Termination | undefined = unpaid
    ? {
        reason: 'non-payment',
        effectiveOn: unpaid.effectiveOn,
        lastDayInForce: unpaid.lastDayInForce,
        derived: true,
        annuityYear: unpaid.year,
        graceEnd: unpaid.graceEnd,
      }
    : undefined;
  if (recorded && derived) return recorded.effectiveOn <= derived.effectiveOn ? recorded : derived;
  return recorded ?? derived;
}

/**
 * The patent's standing on `date`: in force, expired, or lapsed (with how and since when). `strict`
 * false: a grace period ending in a year the holiday calendar does not cover ends on its nominal day.
 */
export function standingOn(p: Patent, date: IsoDate, strict = true): Standing {
  const t = terminationOf(p, date, strict);
  if (t && t.effectiveOn <= p.expiryDate) return { status: 'lapsed', ...t };
  if (date > p.expiryDate) return { status: 'expired', lastDayOfProtection: p.expiryDate };
  return { status: 'in-force', lastDayOfProtection: p.expiryDate };
}
