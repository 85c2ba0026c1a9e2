/**
 * Annuities (年费): 专利法 Art. 43 (the patentee pays an annual fee from the year of grant), Art. 44 ¶1(1)
 * (the right ends early when it is not paid as prescribed), 细则 r.98–100 (as amended; 2023 numbering
 * r.115–116 ff.): the annuity of the year of grant is paid with the registration of the grant; each
 * later one is due before the previous year of protection ends — on the anniversary of the filing date
 * (申请日对应日) —, may be paid within 6 months after that with a surcharge of 5 % of the full annuity
 * for each month late beyond the first (0 %, 5 %, … 25 %), and when it is still unpaid the right
 * ends from the due date, i.e. with the last paid year.
 *
 * Deadlines are periods under 细则 r.5: the due date, each month of the grace period and its end move
 * to the next working day when they fall on a weekend or public holiday (审查指南 Part V ch. 7 §2.3).
 * While an open-licence declaration is in effect the annuity is reduced (专利法 Art. 51 ¶2; NDRC and
 * MOF's fee notice: 15 %, not cumulative with other reductions).
 */
import { deadlineOf, workingDayOnOrAfter, type Deadline } from '../calendar';
import { addDays, addMonths, type IsoDate } from '../dates';
import { invalid, rule } from '../errors';
import { normalizeMoney } from '../money';
import { intIn, optionalText, requirePastDate, requireOrder } from '../validate';
import type { PayAnnuity } from './commands';
import type { AnnuityPaid, PatentEvent } from './events';
import { requireInventoried, requireNotExpiredOn } from './guards';
import { declarationWindow, type Patent, type PatentState } from './state';
import { anniversaryOf, protectionYear, protectionYearOf } from './terms';

export const ANNUITY_GRACE_MONTHS = 6;
export const ANNUITY_SURCHARGE_PERCENT_PER_MONTH = 5;
/** The open-licence reduction of the annuity, in percent (Art. 51 ¶2). */
export const OPEN_LICENSE_ANNUITY_REDUCTION_PERCENT = 15;

/** The year of protection in which the patent was granted: its annuity is paid with the registration. */
export const grantYearOf = (p: Pick<Patent, 'filingDate' | 'grantDate'>): number =>
  protectionYearOf(p.filingDate, p.grantDate);

/**
 * The last year with an annuity: the term in years, plus the whole years of term compensation (the
 * compensation period's annuity is charged per whole year; a part year is not).
 */
export const lastAnnuityYearOf = (p: Pick<Patent, 'termYears' | 'termAdjustmentDays'>): number =>
  p.termYears + Math.floor(p.termAdjustmentDays / 365);

/** The deadlines of year `year`'s annuity. */
export interface AnnuityDeadlines {
  year: number;
  /** The anniversary the annuity falls due on (申请日对应日), before moving off a non-working day. */
  nominalDue: IsoDate;
  due: Deadline;
  /** The last day of each month of the grace period (the 6th is its end). */
  months: Deadline[];
  graceEnd: Deadline;
}

export function annuityDeadlines(filingDate: IsoDate, year: number): AnnuityDeadlines {
  const nominalDue = anniversaryOf(filingDate, year - 1);
  const months = Array.from({ length: ANNUITY_GRACE_MONTHS }, (_, i) =>
    deadlineOf(addMonths(nominalDue, i + 1)),
  );
  return { year, nominalDue, due: deadlineOf(nominalDue), months, graceEnd: months[months.length - 1]! };
}

/**
 * The surcharge on year `year`'s annuity paid on `paidOn`, in percent of the full annuity: 0 up to
 * the due date and in the first month after it, then 5 for each further month begun; undefined when
 * `paidOn` is after the grace period. Throws CALENDAR.YEAR_NOT_COVERED when a deadline it needs is
 * in a year the holiday calendar does not cover.
 */
export function surchargePercentOf(filingDate: IsoDate, year: number, paidOn: IsoDate): number | undefined {
  const nominalDue = anniversaryOf(filingDate, year - 1);
  if (paidOn <= nominalDue || paidOn <= workingDayOnOrAfter(nominalDue)) return 0;
  for (let m = 1; m <= ANNUITY_GRACE_MONTHS; m++) {
    if (paidOn <= workingDayOnOrAfter(addMonths(nominalDue, m))) {
      return (m - 1) * ANNUITY_SURCHARGE_PERCENT_PER_MONTH;
    }
  }
  return undefined;
}

/** The first year whose annuity the ledger knows is unpaid, or undefined (none tracked, or all paid). */
export function nextUnpaidAnnuityYear(p: Patent): number | undefined {
  const paid = p.annuities.paidThrough;
  if (paid === undefined) return undefined;
  return paid + 1 <= lastAnnuityYearOf(p) ? paid + 1 : undefined;
}

/**
 * The lapse for non-payment known on `date`: the next unpaid annuity's grace period has ended by
 * then. The right ended from its due date (the anniversary), so the last day in force is the end of
 * the last paid year. `strict`: the grace end in a year the calendar does not cover throws
 * (CALENDAR.YEAR_NOT_COVERED) rather than being taken as its nominal day.
 */
export function nonPaymentLapse(
  p: Patent,
  date: IsoDate,
  strict = true,
): { year: number; effectiveOn: IsoDate; lastDayInForce: IsoDate; graceEnd: IsoDate } | undefined {
  const year = nextUnpaidAnnuityYear(p);
  if (year === undefined) return undefined;
  const nominalDue = anniversaryOf(p.filingDate, year - 1);
  const nominalGraceEnd = addMonths(nominalDue, ANNUITY_GRACE_MONTHS);
  if (date <= nominalGraceEnd) return undefined;
  // A month past the nominal end no holiday can have moved it that far: no need for the calendar then
  // (a long-past year it may not cover). Closer, a strict caller needs the exact working day.
  const graceEnd =
    strict && date <= addDays(nominalGraceEnd, 31)
      ? workingDayOnOrAfter(nominalGraceEnd)
      : deadlineOf(nominalGraceEnd).date;
  if (date <= graceEnd) return undefined;
  return { year, effectiveOn: nominalDue, lastDayInForce: addDays(nominalDue, -1), graceEnd };
}

/** An open-licence declaration is in effect on `date` (declared, in its term, not withdrawn). */
export function openLicenseInEffectOn(p: Patent, date: IsoDate): boolean {
  return p.openLicenses.some((o) => {
    const w = declarationWindow(o);
    return o.declaredOn <= date && date >= w.from && date <= w.to && (o.withdrawnOn ?? '9999') > date;
  });
}

export type AnnuityStatus = 'paid' | 'due' | 'in-grace' | 'unpaid' | 'not-due' | 'unknown';

export interface AnnuityScheduleItem {
  year: number;
  /** The year of protection the annuity is for. */
  from: IsoDate;
  to: IsoDate;
  dueDate: IsoDate;
  graceEnd: IsoDate;
  /** The holiday calendar does not cover the year yet: the dates are the nominal ones. */
  provisional?: true;
  /**
   * paid; due (the next one, not yet late); in-grace (late, payable with a surcharge); unpaid (grace
   * over: the patent lapsed); not-due (a later year); unknown (the ledger does not track annuities).
   */
  status: AnnuityStatus;
  /** in-grace: the surcharge in percent if paid on asOf. */
  surchargePercent?: number;
  /** An open-licence declaration is in effect on asOf (or was, when paid): 15 % off. */
  openLicenseReduction?: boolean;
  payment?: { paidOn: IsoDate; amount: string; surchargePercent: number; receiptNumber?: string };
}

/** Every year with an annuity after the year of grant, as of `asOf`. */
export function annuityScheduleOf(
  p: Patent,
  asOf: IsoDate,
): { tracked: boolean; paidThrough?: number; items: AnnuityScheduleItem[] } {
  const tracked = p.annuities.paidThrough !== undefined;
  const next = nextUnpaidAnnuityYear(p);
  const items: AnnuityScheduleItem[] = [];
  for (let year = grantYearOf(p) + 1; year <= lastAnnuityYearOf(p); year++) {
    const dl = annuityDeadlines(p.filingDate, year);
    const span = protectionYear(p.filingDate, year);
    const payment = p.annuities.payments.find((x) => x.year === year);
    let status: AnnuityStatus;
    let surchargePercent: number | undefined;
    // Paid: a recorded payment, or a year the inventory reported as paid.
    if (payment || (p.annuities.paidThrough !== undefined && year <= p.annuities.paidThrough))
      status = 'paid';
    else if (!tracked) status = 'unknown';
    else if (year !== next) status = 'not-due';
    else if (asOf <= dl.due.date) status = 'due';
    else if (asOf <= dl.graceEnd.date) {
      status = 'in-grace';
      const m = dl.months.findIndex((x) => asOf <= x.date);
      surchargePercent = Math.max(m, 0) * ANNUITY_SURCHARGE_PERCENT_PER_MONTH;
    } else status = 'unpaid';
    const provisional = dl.due.provisional || dl.graceEnd.provisional;
    items.push({
      year,
      from: span.from,
      to: span.to,
      dueDate: dl.due.date,
      graceEnd: dl.graceEnd.date,
      ...(provisional ? { provisional: true as const } : {}),
      status,
      ...(surchargePercent !== undefined ? { surchargePercent } : {}),
      ...(status === 'due' || status === 'in-grace'
        ? { openLicenseReduction: openLicenseInEffectOn(p, asOf) }
        : payment
          ? { openLicenseReduction: payment.openLicenseReduction }
          : {}),
      ...(payment
        ? {
            payment: {
              paidOn: payment.paidOn,
              amount: payment.amount,
              surchargePercent: payment.surchargePercent,
              ...(payment.receiptNumber !== undefined ? { receiptNumber: payment.receiptNumber } : {}),
            },
          }
        : {}),
    });
  }
  return { tracked, ...(tracked ? { paidThrough: p.annuities.paidThrough! } : {}), items };
}

/** Validates `annuitiesPaidThrough` of an inventory record (a whole year from the year of grant). */
export function requirePaidThrough(p: Patent, value: unknown): number {
  const first = grantYearOf(p);
  const last = lastAnnuityYearOf(p);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalid(
      'FIELD.OUT_OF_RANGE',
      'annuitiesPaidThrough must be a whole year of protection',
      'annuitiesPaidThrough',
    );
  }
  if (value < first || value > last) {
    throw invalid(
      'ANNUITY.PAID_THROUGH_OUT_OF_RANGE',
      `annuitiesPaidThrough must be a year of protection from ${first} (the year of grant, paid with its registration) to ${last}, got ${value}`,
      'annuitiesPaidThrough',
    );
  }
  return value;
}

export function decidePayAnnuity(command: PayAnnuity, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  const d = command.data;
  const year = intIn(d.year, 1, 40, 'year');
  const paidOn = requirePastDate(d.paidOn, 'paidOn', command.now);
  requireOrder(p.grantDate, 'grantDate', paidOn, 'paidOn');
  const amount = normalizeMoney(d.amount, 'amount');
  const receiptNumber = optionalText(d.receiptNumber, 'receiptNumber', 100);
  const grantYear = grantYearOf(p);
  const last = lastAnnuityYearOf(p);
  if (year <= grantYear) {
    throw invalid(
      'ANNUITY.GRANT_YEAR',
      `the annuity of year ${year} is not paid on its own: year ${grantYear} is the year of grant, whose annuity is paid with the registration of the grant`,
      'year',
    );
  }
  if (year > last) {
    throw invalid(
      'ANNUITY.BEYOND_TERM',
      `the term of protection has ${last} years; there is no annuity for year ${year}`,
      'year',
    );
  }
  const paid = p.annuities.paidThrough;
  if (paid !== undefined && year <= paid) {
    throw rule(
      'ANNUITY.ALREADY_PAID',
      `the annuity of year ${year} is already paid (paid through year ${paid})`,
      'year',
    );
  }
  if (paid !== undefined && year > paid + 1) {
    throw rule(
      'ANNUITY.NOT_NEXT_YEAR',
      `pay the annuity of year ${paid + 1} first (paid through year ${paid})`,
      'year',
    );
  }
  // A recorded lapse (abandonment, invalidation) ends the payments it was not preceded by.
  if (p.lapse && paidOn >= p.lapse.effectiveOn) {
    throw rule(
      'PATENT.LAPSED',
      `the patent lapsed on ${p.lapse.effectiveOn} (${p.lapse.reason}); paidOn ${paidOn} is not before that`,
      'paidOn',
    );
  }
  requireNotExpiredOn(p, paidOn, 'paidOn');
  const surchargePercent = surchargePercentOf(p.filingDate, year, paidOn);
  if (surchargePercent === undefined) {
    const dl = annuityDeadlines(p.filingDate, year);
    throw rule(
      'ANNUITY.GRACE_PERIOD_OVER',
      `the annuity of year ${year} was due on ${dl.due.date} and payable with surcharge until ${dl.graceEnd.date}; paid on ${paidOn}, the right had ended with year ${year - 1} (细则 r.98–100; restoration under 细则 r.6 is not recorded by the ledger)`,
      'paidOn',
    );
  }
  const event: AnnuityPaid = {
    type: 'AnnuityPaid',
    data: {
      applicationNumber: p.applicationNumber,
      year,
      paidOn,
      amount,
      surchargePercent,
      openLicenseReduction: openLicenseInEffectOn(p, paidOn),
      ...(receiptNumber !== undefined ? { receiptNumber } : {}),
    },
  };
  return [event];
}

export function evolveAnnuityPaid(p: Patent, e: AnnuityPaid): Patent {
  const { applicationNumber: _a, ...payment } = e.data;
  const through = p.annuities.paidThrough;
  return {
    ...p,
    annuities: {
      paidThrough: through === undefined || payment.year > through ? payment.year : through,
      payments: [...p.annuities.payments, payment],
    },
  };
}
