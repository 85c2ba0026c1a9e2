import { domainErrorOf } from './testing/fixtures';
import {
  intIn,
  oneOf,
  optionalText,
  requireBoolean,
  requireDate,
  requireId,
  requireOrder,
  requirePastDate,
  requireText,
  textList,
  todayInChina,
} from './validate';

describe('todayInChina (UTC+8)', () => {
  it.each([
    ['2024-02-29T16:30:00Z', '2024-03-01'],
    ['2024-02-29T15:59:59Z', '2024-02-29'],
    ['2024-02-29T16:00:00Z', '2024-03-01'],
    ['2024-12-31T16:00:00.000Z', '2025-01-01'],
    ['2025-06-01T04:00:00Z', '2025-06-01'],
    ['2024-03-01T00:30:00+08:00', '2024-03-01'],
    ['2024-02-29T23:30:00-02:00', '2024-03-01'],
  ])('%s is %s in China', (now, today) => {
    expect(todayInChina(now)).toBe(today);
  });

  it('answers each instant on its own when asked again and in turns (it remembers the last one)', () => {
    for (let i = 0; i < 3; i++) {
      expect(todayInChina('2024-02-29T15:59:59Z')).toBe('2024-02-29');
      expect(todayInChina('2024-02-29T15:59:59Z')).toBe('2024-02-29');
      expect(todayInChina('2024-02-29T16:00:00Z')).toBe('2024-03-01');
    }
    expect(() => todayInChina('yesterday')).toThrow();
    expect(todayInChina('2024-02-29T16:00:00Z')).toBe('2024-03-01');
  });

  it('rejects a clock that is not an instant', () => {
    todayInChina('2024-02-29T16:00:00Z');
    const e = domainErrorOf(() => todayInChina('yesterday'));
    expect(e.code).toBe('COMMAND.INVALID_CLOCK');
    expect(e.kind).toBe('invalid');
  });
});

describe('requirePastDate', () => {
  it('accepts 2024-03-01 at 2024-02-29T16:30:00Z: it is already 1 March in China', () => {
    expect(requirePastDate('2024-03-01', 'occurredOn', '2024-02-29T16:30:00Z')).toBe('2024-03-01');
  });

  it('rejects 2024-03-01 at 2024-02-29T15:59:59Z: still 29 February in China', () => {
    const e = domainErrorOf(() => requirePastDate('2024-03-01', 'occurredOn', '2024-02-29T15:59:59Z'));
    expect(e.code).toBe('DATE.IN_FUTURE');
    expect(e.kind).toBe('invalid');
    expect(e.field).toBe('occurredOn');
  });

  it('rejects 2024-03-02 at 2024-02-29T16:30:00Z', () => {
    expect(
      domainErrorOf(() => requirePastDate('2024-03-02', 'occurredOn', '2024-02-29T16:30:00Z')).code,
    ).toBe('DATE.IN_FUTURE');
  });

  it('rejects a non-date before comparing', () => {
    expect(domainErrorOf(() => requirePastDate('2023-02-29', 'd', '2025-06-01T04:00:00Z')).code).toBe(
      'DATE.INVALID',
    );
  });
});

describe('requireDate', () => {
  it('accepts a calendar date', () => {
    expect(requireDate('2024-02-29', 'd')).toBe('2024-02-29');
  });

  it.each(['2023-02-29', '2024-2-1', 20240101, undefined])('rejects %p with DATE.INVALID', (v) => {
    const e = domainErrorOf(() => requireDate(v, 'effectiveDate'));
    expect([e.code, e.kind, e.field]).toEqual(['DATE.INVALID', 'invalid', 'effectiveDate']);
  });
});

describe('requireOrder', () => {
  it('accepts equal and later dates', () => {
    expect(() => requireOrder('2024-01-01', 'a', '2024-01-01', 'b')).not.toThrow();
    expect(() => requireOrder('2024-01-01', 'a', '2024-01-02', 'b')).not.toThrow();
  });

  it('rejects an earlier "later" date on the later field', () => {
    const e = domainErrorOf(() => requireOrder('2024-01-02', 'filingDate', '2024-01-01', 'grantDate'));
    expect([e.code, e.kind, e.field]).toEqual(['DATE.ORDER', 'invalid', 'grantDate']);
  });
});

describe('text, ids, enums, numbers, lists', () => {
  it('requireText trims and rejects empty / non-string / too long', () => {
    expect(requireText('  x  ', 'f')).toBe('x');
    expect(domainErrorOf(() => requireText('   ', 'f')).code).toBe('FIELD.REQUIRED');
    expect(domainErrorOf(() => requireText(1, 'f')).code).toBe('FIELD.REQUIRED');
    expect(domainErrorOf(() => requireText(undefined, 'f')).code).toBe('FIELD.REQUIRED');
    expect(requireText('a'.repeat(10), 'f', 10)).toBe('a'.repeat(10));
    expect(domainErrorOf(() => requireText('a'.repeat(11), 'f', 10)).code).toBe('FIELD.TOO_LONG');
  });

  it('optionalText maps null / blank to undefined and rejects non-strings', () => {
    expect(optionalText(undefined, 'f')).toBeUndefined();
    expect(optionalText(null, 'f')).toBeUndefined();
    expect(optionalText('  ', 'f')).toBeUndefined();
    expect(optionalText(' a ', 'f')).toBe('a');
    expect(domainErrorOf(() => optionalText(5, 'f')).code).toBe('FIELD.INVALID');
    expect(domainErrorOf(() => optionalText('abc', 'f', 2)).code).toBe('FIELD.TOO_LONG');
  });

  it('requireId accepts URL-safe ids of 1-128 characters', () => {
    for (const ok of ['a', 'deal-1', 'A.b_c:d-9', '9', 'x'.repeat(128)]) expect(requireId(ok, 'id')).toBe(ok);
    for (const bad of ['', '-a', '.a', 'a b', 'a/b', 'x'.repeat(129), '中文', 5, undefined]) {
      const e = domainErrorOf(() => requireId(bad, 'dealId'));
      expect([e.code, e.field]).toEqual(['FIELD.INVALID_ID', 'dealId']);
    }
  });

  it('oneOf accepts only the listed values', () => {
    expect(oneOf('b', ['a', 'b'] as const, 'f')).toBe('b');
    expect(domainErrorOf(() => oneOf('c', ['a', 'b'] as const, 'f')).code).toBe('FIELD.NOT_ALLOWED');
    expect(domainErrorOf(() => oneOf(undefined, ['a'] as const, 'f')).code).toBe('FIELD.NOT_ALLOWED');
  });

  it('intIn accepts integers in range only', () => {
    expect(intIn(1, 1, 9, 'f')).toBe(1);
    expect(intIn(9, 1, 9, 'f')).toBe(9);
    for (const bad of [0, 10, 2.5, '5', Number.NaN, undefined]) {
      expect(domainErrorOf(() => intIn(bad, 1, 9, 'f')).code).toBe('FIELD.OUT_OF_RANGE');
    }
  });

  it('requireBoolean accepts booleans only', () => {
    expect(requireBoolean(false, 'f')).toBe(false);
    expect(domainErrorOf(() => requireBoolean('true', 'f')).code).toBe('FIELD.INVALID');
  });

  it('textList validates arrays of strings', () => {
    expect(textList(undefined, 'f')).toEqual([]);
    expect(textList([' a ', 'b'], 'f')).toEqual(['a', 'b']);
    expect(domainErrorOf(() => textList(undefined, 'f', { min: 1 })).code).toBe('FIELD.INVALID');
    expect(domainErrorOf(() => textList('a', 'f')).code).toBe('FIELD.INVALID');
    expect(domainErrorOf(() => textList([], 'f', { min: 1 })).code).toBe('FIELD.REQUIRED');
    expect(domainErrorOf(() => textList(['a', 'b', 'c'], 'f', { max: 2 })).code).toBe('FIELD.TOO_LONG');
    const e = domainErrorOf(() => textList(['a', ''], 'inventors'));
    expect([e.code, e.field]).toEqual(['FIELD.REQUIRED', 'inventors[1]']);
  });
});
