import {
  addDays,
  addMonths,
  addYears,
  dateOf,
  daysInMonth,
  isIsoDate,
  isLeapYear,
  rangesOverlap,
  within,
} from './dates';
import { DomainError } from './errors';
import { domainErrorOf } from './testing/fixtures';

describe('addMonths (CNIPA Implementing Rules r.5)', () => {
  it.each([
    // the examples of domain.md §5
    ['2024-11-30', 3, '2025-02-28'],
    ['2024-01-31', 1, '2024-02-29'],
    // common year: no 29 Feb
    ['2023-01-31', 1, '2023-02-28'],
    // 29 Feb + 12 months lands on 28 Feb of a common year
    ['2024-02-29', 12, '2025-02-28'],
    ['2024-02-29', 48, '2028-02-29'],
    // same day-of-month when it exists
    ['2024-01-15', 1, '2024-02-15'],
    ['2024-02-29', 1, '2024-03-29'],
    ['2024-03-31', 1, '2024-04-30'],
    ['2024-05-31', 1, '2024-06-30'],
    ['2024-08-31', 1, '2024-09-30'],
    ['2024-01-30', 1, '2024-02-29'],
    ['2100-01-31', 1, '2100-02-28'],
    ['2000-01-31', 1, '2000-02-29'],
    // zero months
    ['2024-01-31', 0, '2024-01-31'],
    ['2024-02-29', 0, '2024-02-29'],
    // crossing years
    ['2024-12-31', 1, '2025-01-31'],
    ['2024-10-31', 4, '2025-02-28'],
    ['2024-09-01', 3, '2024-12-01'],
    ['2024-10-01', 3, '2025-01-01'],
    ['2023-12-31', 2, '2024-02-29'],
    ['2024-06-15', 27, '2026-09-15'],
    // negative months
    ['2024-03-31', -1, '2024-02-29'],
    ['2025-01-15', -2, '2024-11-15'],
  ])('%s + %i months = %s', (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });

  it('rejects a malformed date', () => {
    expect(() => addMonths('2024/01/31', 1)).toThrow(DomainError);
    const e = domainErrorOf(() => addMonths('31.01.2024', 1));
    expect(e.code).toBe('DATE.INVALID');
    expect(e.kind).toBe('invalid');
  });
});

describe('addYears', () => {
  it.each([
    ['2017-07-21', 20, '2037-07-21'],
    ['2016-02-29', 10, '2026-02-28'],
    ['2016-02-29', 20, '2036-02-29'],
    ['2010-12-31', 15, '2025-12-31'],
  ])('%s + %i years = %s', (date, years, expected) => {
    expect(addYears(date, years)).toBe(expected);
  });
});

describe('addDays', () => {
  it.each([
    ['2024-09-01', 30, '2024-10-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2023-02-28', 1, '2023-03-01'],
    ['2024-12-31', 1, '2025-01-01'],
    ['2025-01-01', -1, '2024-12-31'],
    ['2024-03-01', -1, '2024-02-29'],
    ['2024-01-01', 366, '2025-01-01'],
    ['2024-06-15', 0, '2024-06-15'],
  ])('%s + %i days = %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it('rejects a malformed date', () => {
    expect(() => addDays('2024-1-1', 1)).toThrow(DomainError);
  });
});

describe('isIsoDate', () => {
  it.each(['2024-02-29', '2000-02-29', '2023-12-31', '2023-01-01', '1900-01-01', '2024-04-30'])(
    'accepts %s',
    (s) => {
      expect(isIsoDate(s)).toBe(true);
    },
  );

  it.each([
    '2023-02-29',
    '1900-02-29',
    '2100-02-29',
    '2024-02-30',
    '2024-04-31',
    '2024-13-01',
    '2024-00-10',
    '2024-01-00',
    '2024-1-01',
    '24-01-01',
    '2024-01-01T00:00:00Z',
    ' 2024-01-01',
    '1899-12-31',
    '',
  ])('rejects %p', (s) => {
    expect(isIsoDate(s)).toBe(false);
  });

  it.each([20240101, null, undefined, new Date('2024-01-01'), {}])('rejects the non-string %p', (v) => {
    expect(isIsoDate(v)).toBe(false);
  });
});

describe('calendar helpers', () => {
  it('knows leap years', () => {
    expect([2024, 2000, 2023, 1900, 2100].map(isLeapYear)).toEqual([true, true, false, false, false]);
  });

  it('knows days in month', () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2023, 2)).toBe(28);
    expect(daysInMonth(2023, 4)).toBe(30);
    expect(daysInMonth(2023, 12)).toBe(31);
  });

  it('takes the UTC date of an instant', () => {
    expect(dateOf('2024-02-29T16:30:00Z')).toBe('2024-02-29');
  });
});

describe('rangesOverlap (inclusive)', () => {
  it.each([
    // [aFrom, aTo, bFrom, bTo, overlaps]
    ['2024-01-01', '2024-12-31', '2024-06-01', '2025-06-01', true],
    ['2024-01-01', '2024-12-31', '2024-12-31', '2025-06-01', true], // touching on one day counts
    ['2024-12-31', '2025-06-01', '2024-01-01', '2024-12-31', true], // and symmetrically
    ['2024-01-01', '2024-12-31', '2025-01-01', '2025-06-01', false], // adjacent days do not
    ['2025-01-01', '2025-06-01', '2024-01-01', '2024-12-31', false],
    ['2024-01-01', '2024-12-31', '2024-03-01', '2024-03-31', true], // containment
    ['2024-03-01', '2024-03-31', '2024-01-01', '2024-12-31', true],
    ['2024-05-05', '2024-05-05', '2024-05-05', '2024-05-05', true], // single-day ranges
    ['2024-05-05', '2024-05-05', '2024-05-06', '2024-05-06', false],
    ['2024-01-01', undefined, '2030-01-01', '2030-12-31', true], // open-ended
    ['2024-01-01', '2024-12-31', '2024-12-31', undefined, true],
    ['2024-01-01', '2024-12-31', '2025-01-01', undefined, false],
    ['2025-01-01', undefined, '2024-01-01', '2024-12-31', false],
    ['2025-01-01', undefined, '2024-01-01', undefined, true],
  ])('%s..%s vs %s..%s → %p', (aFrom, aTo, bFrom, bTo, expected) => {
    expect(rangesOverlap(aFrom!, aTo, bFrom!, bTo)).toBe(expected);
  });
});

describe('within (inclusive)', () => {
  it.each([
    ['2024-01-01', true],
    ['2024-12-31', true],
    ['2024-06-30', true],
    ['2023-12-31', false],
    ['2025-01-01', false],
  ])('%s within 2024-01-01..2024-12-31 → %p', (d, expected) => {
    expect(within(d, '2024-01-01', '2024-12-31')).toBe(expected);
  });

  it('treats a missing end as open-ended', () => {
    expect(within('2099-01-01', '2024-01-01', undefined)).toBe(true);
    expect(within('2023-01-01', '2024-01-01', undefined)).toBe(false);
  });
});
