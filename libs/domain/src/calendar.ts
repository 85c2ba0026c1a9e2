/**
 * China's official working-day calendar (State Council holiday arrangements, 调休 make-up working days
 * included), from the maintained `chinese-days` package — data, not a hand-typed list.
 *
 * Used for periods that end on a non-working day (专利法实施细则 r.5; 审查指南 Part V ch. 7 §2.3): when
 * the last day of a period is a public holiday or a weekend, the period ends on the next working day.
 * A make-up working day (a Saturday or Sunday worked in exchange for a holiday) is a working day.
 *
 * The calendar covers only the years the State Council has published (each year's arrangement is
 * announced in the preceding November). A question about a year it does not cover is an error
 * (`CALENDAR.YEAR_NOT_COVERED`), never a guess from weekdays alone.
 */
import calendarData from 'chinese-days/dist/chinese-days.json';
import { addDays, isIsoDate, type IsoDate } from './dates';
import { DomainError } from './errors';

interface CalendarData {
  /** Public holidays, weekends inside a holiday block included: date → "English,中文,days". */
  holidays: Record<string, string>;
  /** Make-up working days (调休上班): date → the holiday they make up for. */
  workdays: Record<string, string>;
}

const DATA = calendarData as unknown as CalendarData;
const HOLIDAYS = new Set(Object.keys(DATA.holidays));
const WORKDAYS = new Set(Object.keys(DATA.workdays));
const YEARS = [...HOLIDAYS].map((d) => Number(d.slice(0, 4)));

/** The first and last year of the official calendar this build knows. */
export const CALENDAR_COVERAGE: { from: number; to: number } = {
  from: Math.min(...YEARS),
  to: Math.max(...YEARS),
};

export const CALENDAR_SOURCE = 'chinese-days (State Council holiday arrangements)';

export function calendarCovers(date: IsoDate): boolean {
  const y = Number(date.slice(0, 4));
  return y >= CALENDAR_COVERAGE.from && y <= CALENDAR_COVERAGE.to;
}

function requireCovered(date: IsoDate): void {
  if (!isIsoDate(date)) throw new DomainError('DATE.INVALID', `not an ISO date: ${date}`, 'invalid');
  if (!calendarCovers(date)) {
    throw new DomainError(
      'CALENDAR.YEAR_NOT_COVERED',
      `China's official holiday calendar known to this build covers ${CALENDAR_COVERAGE.from}–${CALENDAR_COVERAGE.to}; ` +
        `${date.slice(0, 4)} is not covered, so whether ${date} is a working day cannot be told (update the chinese-days package once the State Council publishes that year)`,
      'rule',
    );
  }
}

/** Day of the week, 0 = Sunday … 6 = Saturday. */
function weekday(date: IsoDate): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** Is `date` a working day in China? Throws CALENDAR.YEAR_NOT_COVERED outside the calendar. */
export function isWorkingDay(date: IsoDate): boolean {
  requireCovered(date);
  if (WORKDAYS.has(date)) return true;
  if (HOLIDAYS.has(date)) return false;
  const d = weekday(date);
  return d !== 0 && d !== 6;
}

/**
 * The last day of a period whose nominal last day is `date` (细则 r.5): `date` itself when it is a
 * working day, else the next working day. Throws CALENDAR.YEAR_NOT_COVERED when a day it has to
 * look at is in a year the calendar does not cover.
 */
export function workingDayOnOrAfter(date: IsoDate): IsoDate {
  let d = date;
  while (!isWorkingDay(d)) d = addDays(d, 1);
  return d;
}

/** A period's end moved to a working day, or the nominal end marked provisional when the calendar does not cover it. */
export interface Deadline {
  /** The last day of the period under r.5 (the nominal day, or the next working day). */
  date: IsoDate;
  /** The day the period's arithmetic gives, before moving off a non-working day. */
  nominal: IsoDate;
  /** True when the calendar does not cover the year yet: `date` is the nominal day, to be confirmed. */
  provisional: boolean;
}

/**
 * `workingDayOnOrAfter`, for read models that must not fail on a future year: outside the calendar
 * the nominal day is returned, marked provisional (a newer calendar package rebuilds the ledger).
 */
export function deadlineOf(nominal: IsoDate): Deadline {
  try {
    return { date: workingDayOnOrAfter(nominal), nominal, provisional: false };
  } catch (e) {
    if (e instanceof DomainError && e.code === 'CALENDAR.YEAR_NOT_COVERED') {
      return { date: nominal, nominal, provisional: true };
    }
    throw e;
  }
}
