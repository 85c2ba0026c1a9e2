import { dateOf, isIsoDate, type IsoDate } from './dates';
import { invalid } from './errors';

/** Offset of China Standard Time: "today" for the programme is the date in Beijing. */
const CST_OFFSET_MS = 8 * 3_600_000;

/** The last instant todayInChina was asked about and its answer (a command checks several dates against one `now`). */
let lastNow: string | undefined;
let lastToday: IsoDate | undefined;

/** The calendar date in China (UTC+8) at an ISO instant. */
export function todayInChina(now: string): IsoDate {
  if (now === lastNow && lastToday !== undefined) return lastToday;
  const t = Date.parse(now);
  if (Number.isNaN(t)) throw invalid('COMMAND.INVALID_CLOCK', `not an ISO instant: ${now}`);
  const today = dateOf(new Date(t + CST_OFFSET_MS).toISOString());
  lastNow = now;
  lastToday = today;
  return today;
}

export function requireDate(value: unknown, field: string): IsoDate {
  if (!isIsoDate(value)) throw invalid('DATE.INVALID', `${field} must be a calendar date YYYY-MM-DD`, field);
  return value;
}

/** A business date that has already happened (not after today in China). */
export function requirePastDate(value: unknown, field: string, now: string): IsoDate {
  const d = requireDate(value, field);
  const today = todayInChina(now);
  if (d > today) throw invalid('DATE.IN_FUTURE', `${field} ${d} is after today (${today})`, field);
  return d;
}

export function requireOrder(
  earlier: IsoDate,
  earlierField: string,
  later: IsoDate,
  laterField: string,
): void {
  if (later < earlier) {
    throw invalid(
      'DATE.ORDER',
      `${laterField} (${later}) is before ${earlierField} (${earlier})`,
      laterField,
    );
  }
}

export function requireText(value: unknown, field: string, max = 500): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw invalid('FIELD.REQUIRED', `${field} must be a non-empty string`, field);
  }
  if (value.length > max) throw invalid('FIELD.TOO_LONG', `${field} is longer than ${max} characters`, field);
  return value.trim();
}

export function optionalText(value: unknown, field: string, max = 2000): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid('FIELD.INVALID', `${field} must be a string`, field);
  if (value.length > max) throw invalid('FIELD.TOO_LONG', `${field} is longer than ${max} characters`, field);
  const t = value.trim();
  return t.length === 0 ? undefined : t;
}

/** An identifier usable in URLs and stream names. */
export function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(value)) {
    throw invalid(
      'FIELD.INVALID_ID',
      `${field} must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit`,
      field,
    );
  }
  return value;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid('FIELD.NOT_ALLOWED', `${field} must be one of ${allowed.join(', ')}`, field);
  }
  return value as T;
}

export function intIn(value: unknown, min: number, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid('FIELD.OUT_OF_RANGE', `${field} must be an integer from ${min} to ${max}`, field);
  }
  return value;
}

export function requireBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw invalid('FIELD.INVALID', `${field} must be true or false`, field);
  return value;
}

export function textList(value: unknown, field: string, opts: { min?: number; max?: number } = {}): string[] {
  const { min = 0, max = 200 } = opts;
  if (value === undefined && min === 0) return [];
  if (!Array.isArray(value)) throw invalid('FIELD.INVALID', `${field} must be an array of strings`, field);
  if (value.length < min) throw invalid('FIELD.REQUIRED', `${field} needs at least ${min} item(s)`, field);
  if (value.length > max) throw invalid('FIELD.TOO_LONG', `${field} has more than ${max} items`, field);
  return value.map((v, i) => requireText(v, `${field}[${i}]`));
}
