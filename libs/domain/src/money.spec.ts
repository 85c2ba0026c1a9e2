import { moneyToFen, normalizeMoney } from './money';
import { domainErrorOf } from './testing/fixtures';

describe('normalizeMoney', () => {
  it.each([
    ['1250000', '1250000.00'],
    ['1250000.5', '1250000.50'],
    ['1250000.50', '1250000.50'],
    ['1250000.05', '1250000.05'],
    ['0', '0.00'],
    ['0.5', '0.50'],
    ['0.01', '0.01'],
    ['999999999999999.99', '999999999999999.99'],
  ])('accepts the decimal string %p as %p', (input, expected) => {
    expect(normalizeMoney(input, 'price')).toBe(expected);
  });

  it.each([
    [125000000, '1250000.00'],
    [125000050, '1250000.50'],
    [5, '0.05'],
    [99, '0.99'],
    [100, '1.00'],
    [0, '0.00'],
  ])('accepts the integer number of fen %p as %p', (input, expected) => {
    expect(normalizeMoney(input, 'price')).toBe(expected);
  });

  it.each([
    [-1],
    [-100],
    [1.5],
    [0.1],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [Number.MAX_SAFE_INTEGER + 2],
    ['-1'],
    ['-0.50'],
    ['1.234'],
    ['1.'],
    ['.5'],
    ['01'],
    ['1,000'],
    ['1 000'],
    ['1e6'],
    ['¥100'],
    ['100 CNY'],
    [' 100'],
    ['abc'],
    [''],
    ['1234567890123456'],
    [null],
    [undefined],
    [true],
    [{ amount: 1 }],
  ])('rejects %p with MONEY.INVALID on the field', (input) => {
    const e = domainErrorOf(() => normalizeMoney(input, 'royalty'));
    expect(e.code).toBe('MONEY.INVALID');
    expect(e.kind).toBe('invalid');
    expect(e.field).toBe('royalty');
  });
});

describe('moneyToFen', () => {
  it.each([
    ['1250000.00', 125000000],
    ['1250000.50', 125000050],
    ['0.05', 5],
    ['0.00', 0],
  ])('%p is %p fen', (m, fen) => {
    expect(moneyToFen(m)).toBe(fen);
  });

  it('round-trips with normalizeMoney', () => {
    for (const fen of [0, 1, 99, 100, 12345678]) expect(moneyToFen(normalizeMoney(fen, 'x'))).toBe(fen);
  });
});
