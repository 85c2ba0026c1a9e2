import { invalid } from './errors';

export type PatentKind = 'invention' | 'utility-model' | 'design';
export const PATENT_KINDS: readonly PatentKind[] = ['invention', 'utility-model', 'design'];

/** Type digit of a CNIPA application number → kind (1/8 invention, 2/9 utility model, 3 design). */
const TYPE_DIGIT_KIND: Record<string, PatentKind> = {
  '1': 'invention',
  '8': 'invention',
  '2': 'utility-model',
  '9': 'utility-model',
  '3': 'design',
};

export interface ApplicationNumber {
  /** Normalized form, e.g. `201710601862.3`. */
  value: string;
  /** Filing year encoded in the number. */
  year: number;
  typeDigit: string;
  kind: PatentKind;
  /** True for PCT national-phase numbers (type 8 or 9). */
  pct: boolean;
}

/** Check digit over the digits before the dot: Σ(d_i × w_i) mod 11 with weights 2..9,2..; 10 is `X`. */
export function checkDigit(digits: string): string {
  const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[i]) * weights[i]!;
  const c = sum % 11;
  return c === 10 ? 'X' : String(c);
}

/**
 * Parses and validates a CNIPA application number (申请号). Normalises what people write: spaces
 * anywhere (also full-width), an optional `ZL` (granted patent number) or `CN` prefix, an optional
 * dot before the check digit and a lower-case `x`. Throws `PATENT.INVALID_APPLICATION_NUMBER`.
 */
export function parseApplicationNumber(input: unknown, field = 'applicationNumber'): ApplicationNumber {
  if (typeof input !== 'string') {
    throw invalid(
      'PATENT.INVALID_APPLICATION_NUMBER',
      `${field} must be a string like 201710601862.3`,
      field,
    );
  }
  const raw = input
    .replace(/[\s\u3000]+/g, '')
    .toUpperCase()
    .replace(/^(ZL|CN)/, '');
  const m = /^(\d{12}|\d{8})\.?([0-9X])$/.exec(raw);
  if (!m) {
    throw invalid(
      'PATENT.INVALID_APPLICATION_NUMBER',
      `${field} "${input}" is not a CNIPA application number (12 digits, a dot and a check digit, e.g. 201710601862.3; or 8 digits for filings before 2003-10-01)`,
      field,
    );
  }
  const digits = m[1]!;
  const check = m[2]!;
  const expected = checkDigit(digits);
  if (check !== expected) {
    throw invalid(
      'PATENT.INVALID_CHECK_DIGIT',
      `${field} "${input}" has check digit ${check}, but its digits give ${expected}`,
      field,
    );
  }
  const long = digits.length === 12;
  const yy = long ? Number(digits.slice(0, 4)) : Number(digits.slice(0, 2));
  const year = long ? yy : yy >= 85 ? 1900 + yy : 2000 + yy;
  const typeDigit = long ? digits[4]! : digits[2]!;
  const kind = TYPE_DIGIT_KIND[typeDigit];
  if (!kind) {
    throw invalid(
      'PATENT.INVALID_APPLICATION_NUMBER',
      `${field} "${input}" has unknown type digit ${typeDigit}`,
      field,
    );
  }
  if (long && year < 2003) {
    throw invalid(
      'PATENT.INVALID_APPLICATION_NUMBER',
      `${field} "${input}": 12-digit numbers start in 2003`,
      field,
    );
  }
  if (!long && year > 2003) {
    throw invalid(
      'PATENT.INVALID_APPLICATION_NUMBER',
      `${field} "${input}": 8-digit numbers end in 2003`,
      field,
    );
  }
  return { value: `${digits}.${check}`, year, typeDigit, kind, pct: typeDigit === '8' || typeDigit === '9' };
}

/** Stream name of a patent. */
export const patentStream = (applicationNumber: string): string => `patent-${applicationNumber}`;
/** Stream name of an institution. */
export const institutionStream = (institutionId: string): string => `institution-${institutionId}`;

/** From this day CNIPA numbers applications with 12 digits; 8-digit numbers belong to earlier filings. */
export const TWELVE_DIGIT_NUMBERS_FROM = '2003-10-01';

/**
 * Checks an application number against the filing date of the dossier:
 * - an ordinary number's year is its filing year;
 * - a divisional application (细则 r.48–49) keeps its parent's filing date and gets a number of the
 *   year it was filed, so its year may be later than the filing date — when `divisionalOf` names the
 *   parent, whose number must be valid, of the same kind (审查指南 Part I ch. 1 §5.1.1: a divisional
 *   may not change the type of the application) and not of a later year than the divisional's;
 * - a PCT national-phase number (type 8/9) has the year of national entry, after the international
 *   filing date: the filing date may not be later than the number's year (nor may any other's);
 * - 8-digit (9 with the check digit) numbers only for filings before 2003-10-01; 12-digit numbers
 *   from then on, except a divisional or PCT number whose kept filing date is earlier.
 * Throws `PATENT.FILING_YEAR_MISMATCH`, `PATENT.NUMBER_SCHEME_MISMATCH` or `PATENT.INVALID_DIVISIONAL`.
 */
export function checkNumberAgainstFiling(
  number: ApplicationNumber,
  filingDate: string,
  divisionalOf?: ApplicationNumber,
): void {
  const filingYear = Number(filingDate.slice(0, 4));
  const long = number.value.length === 14;
  if (divisionalOf) {
    if (divisionalOf.value === number.value) {
      throw invalid(
        'PATENT.INVALID_DIVISIONAL',
        `a divisional application cannot be its own parent`,
        'divisionalOf',
      );
    }
    if (divisionalOf.kind !== number.kind) {
      throw invalid(
        'PATENT.INVALID_DIVISIONAL',
        `divisional ${number.value} (${number.kind}) may not change the kind of its parent ${divisionalOf.value} (${divisionalOf.kind})`,
        'divisionalOf',
      );
    }
    if (divisionalOf.year > number.year) {
      throw invalid(
        'PATENT.INVALID_DIVISIONAL',
        `parent ${divisionalOf.value} (${divisionalOf.year}) cannot be younger than its divisional ${number.value} (${number.year})`,
        'divisionalOf',
      );
    }
    if (filingYear > divisionalOf.year) {
      throw invalid(
        'PATENT.FILING_YEAR_MISMATCH',
        `a divisional keeps its parent's filing date: ${filingDate} is after the year of parent ${divisionalOf.value} (${divisionalOf.year})`,
        'filingDate',
      );
    }
  }
  const keepsEarlierDate = number.pct || divisionalOf !== undefined;
  if (keepsEarlierDate ? filingYear > number.year : filingYear !== number.year) {
    throw invalid(
      'PATENT.FILING_YEAR_MISMATCH',
      keepsEarlierDate
        ? `the filing date ${filingDate} is later than the year of application number ${number.value} (${number.year})`
        : `application number ${number.value} was filed in ${number.year}, but filingDate is ${filingDate} (a divisional application keeps its parent's date: give divisionalOf)`,
      'filingDate',
    );
  }
  if (!long && filingDate >= TWELVE_DIGIT_NUMBERS_FROM) {
    throw invalid(
      'PATENT.NUMBER_SCHEME_MISMATCH',
      `${number.value} is an 8-digit number, which CNIPA gave only to applications filed before ${TWELVE_DIGIT_NUMBERS_FROM}; filingDate is ${filingDate}`,
      'filingDate',
    );
  }
  if (long && !keepsEarlierDate && filingDate < TWELVE_DIGIT_NUMBERS_FROM) {
    throw invalid(
      'PATENT.NUMBER_SCHEME_MISMATCH',
      `${number.value} is a 12-digit number, given from ${TWELVE_DIGIT_NUMBERS_FROM}; an application filed on ${filingDate} has an 8-digit number`,
      'filingDate',
    );
  }
}
