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
 * Parses and validates a CNIPA application number (申请号). Accepts an optional `ZL` or `CN` prefix,
 * an optional dot before the check digit and a lower-case `x`. Throws `PATENT.INVALID_APPLICATION_NUMBER`.
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
    .trim()
    .toUpperCase()
    .replace(/^(ZL|CN)/, '');
  const m = /^(\d{12}|\d{8})\.?([0-9X])$/.exec(raw);
  if (!m) {
    throw invalid(
      'PATENT.INVALID_APPLICATION_NUMBER',
      `${field} "${input}" is not a CNIPA application number (12 digits, a dot and a check digit, e.g. 201710601862.3; or 8 digits before 2004)`,
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

/** Term of protection in years from the filing date (Patent Law Art. 42, as of 2021). */
export const TERM_YEARS: Record<PatentKind, number> = { invention: 20, 'utility-model': 10, design: 15 };
