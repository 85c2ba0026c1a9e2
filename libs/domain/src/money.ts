import { invalid } from './errors';

/**
 * Money is CNY. Accepted as a decimal string of yuan ("1250000", "1250000.5", "1250000.50") or as an
 * integer number of fen (125000000). Stored normalized as a decimal string of yuan with two decimals.
 */
export type Money = string;

const DECIMAL_RE = /^(0|[1-9]\d{0,14})(\.\d{1,2})?$/;

export function normalizeMoney(value: unknown, field: string): Money {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalid(
        'MONEY.INVALID',
        `${field} must be a non-negative integer number of fen or a decimal string of yuan`,
        field,
      );
    }
    const yuan = Math.floor(value / 100);
    const fen = value % 100;
    return `${yuan}.${String(fen).padStart(2, '0')}`;
  }
  if (typeof value === 'string' && DECIMAL_RE.test(value)) {
    const [int, frac = ''] = value.split('.');
    return `${int}.${frac.replace('.', '').padEnd(2, '0')}`;
  }
  throw invalid(
    'MONEY.INVALID',
    `${field} must be a decimal string of yuan (e.g. "1250000.00") or an integer number of fen`,
    field,
  );
}

/** Money as integer fen, for arithmetic in read models. */
export function moneyToFen(m: Money): number {
  const [int, frac = '00'] = m.split('.');
  return Number(int) * 100 + Number(frac.padEnd(2, '0'));
}
