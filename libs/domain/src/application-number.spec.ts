import { checkDigit, institutionStream, parseApplicationNumber, patentStream } from './application-number';
import type { DomainError } from './errors';
import { domainErrorOf } from './testing/fixtures';

const parseError = (input: unknown): DomainError => domainErrorOf(() => parseApplicationNumber(input));

describe('checkDigit', () => {
  it('weights the 12 digits 2,3,4,5,6,7,8,9,2,3,4,5 (201710601862 → 157 mod 11 = 3)', () => {
    // 2·2 + 0·3 + 1·4 + 7·5 + 1·6 + 0·7 + 6·8 + 0·9 + 1·2 + 8·3 + 6·4 + 2·5 = 157 = 14·11 + 3
    expect(checkDigit('201710601862')).toBe('3');
  });

  it('writes a remainder of 10 as X (201710601852 → 153 = 13·11 + 10)', () => {
    // 4 + 0 + 4 + 35 + 6 + 0 + 48 + 0 + 2 + 24 + 5·4 + 10 = 153
    expect(checkDigit('201710601852')).toBe('X');
  });

  it('weights pre-2004 8-digit numbers 2..9 (98100001 → 9·2 + 8·3 + 1·4 + 1·9 = 55 → 0)', () => {
    expect(checkDigit('98100001')).toBe('0');
    // 9·2 + 8·3 + 1·4 + 7·9 = 109 = 9·11 + 10
    expect(checkDigit('98100007')).toBe('X');
  });
});

describe('parseApplicationNumber', () => {
  it('accepts the example 201710601862.3', () => {
    expect(parseApplicationNumber('201710601862.3')).toEqual({
      value: '201710601862.3',
      year: 2017,
      typeDigit: '1',
      kind: 'invention',
      pct: false,
    });
  });

  it('accepts an X check digit', () => {
    expect(parseApplicationNumber('201710601852.X').value).toBe('201710601852.X');
  });

  it.each([
    ['ZL201710601862.3', '201710601862.3'],
    ['zl201710601862.3', '201710601862.3'],
    ['CN201710601862.3', '201710601862.3'],
    ['2017106018623', '201710601862.3'],
    ['ZL2017106018623', '201710601862.3'],
    ['201710601852.x', '201710601852.X'],
    ['201710601852x', '201710601852.X'],
    ['  201710601862.3  ', '201710601862.3'],
    // spaces anywhere, as numbers are often written, and a ZL prefix with a space: normalised, not refused
    ['2017 10601862.3', '201710601862.3'],
    ['ZL 2017 1060 1862.3', '201710601862.3'],
    ['ZL\u30002017106018623', '201710601862.3'],
    ['98 100001.0', '98100001.0'],
  ])('normalizes %p to %p', (input, value) => {
    expect(parseApplicationNumber(input).value).toBe(value);
  });

  it.each([['201710601862.4'], ['201710601862.X'], ['201710601852.3'], ['ZL201710601862.0'], ['98100001.1']])(
    'rejects the wrong check digit in %p',
    (input) => {
      const e = parseError(input);
      expect(e.code).toBe('PATENT.INVALID_CHECK_DIGIT');
      expect(e.kind).toBe('invalid');
      expect(e.field).toBe('applicationNumber');
    },
  );

  it('names the expected check digit in the message', () => {
    expect(parseError('201710601862.4').message).toContain('give 3');
  });

  it.each([
    [''],
    ['2017106018.3'],
    ['20171060186.3'],
    ['2017106018623.3'],
    ['201710601862.'],
    ['201710601862.33'],
    ['201710601862-3'],
    ['AB201710601862.3'],
    ['201710601862.Y'],
    ['abc'],
    [201710601862],
    [null],
    [undefined],
  ])('rejects the malformed %p', (input) => {
    const e = parseError(input);
    expect(e.code).toBe('PATENT.INVALID_APPLICATION_NUMBER');
    expect(e.kind).toBe('invalid');
  });

  it('uses the given field name', () => {
    expect(domainErrorOf(() => parseApplicationNumber('nope', 'patent')).field).toBe('patent');
  });

  it.each([
    // 12-digit numbers: type digit is the 5th digit
    ['201710601862.3', '1', 'invention', false],
    ['201720601862.9', '2', 'utility-model', false],
    ['201730601862.4', '3', 'design', false],
    ['201780601862.1', '8', 'invention', true],
    ['201790601862.7', '9', 'utility-model', true],
  ])('maps %p (type digit %p) to %p, pct %p', (input, typeDigit, kind, pct) => {
    expect(parseApplicationNumber(input)).toMatchObject({ typeDigit, kind, pct, year: 2017 });
  });

  it('rejects an unknown type digit (201750601862.5: sum 181, check 5, type 5)', () => {
    const e = parseError('201750601862.5');
    expect(e.code).toBe('PATENT.INVALID_APPLICATION_NUMBER');
    expect(e.message).toContain('type digit 5');
  });

  describe('pre-2004 8-digit numbers', () => {
    it('parses a 1998 invention number', () => {
      expect(parseApplicationNumber('98100001.0')).toEqual({
        value: '98100001.0',
        year: 1998,
        typeDigit: '1',
        kind: 'invention',
        pct: false,
      });
    });

    it('parses an X check digit and no dot', () => {
      expect(parseApplicationNumber('98100007x').value).toBe('98100007.X');
    });

    it('reads the type digit from the 3rd position (02200001 → 2·3 + 2·4 + 1·9 = 23 → 1: 2002 utility model)', () => {
      expect(parseApplicationNumber('02200001.1')).toMatchObject({
        year: 2002,
        typeDigit: '2',
        kind: 'utility-model',
      });
    });

    it('accepts 2003 (03300001 → 3·3 + 3·4 + 1·9 = 30 → 8: design)', () => {
      expect(parseApplicationNumber('03300001.8')).toMatchObject({ year: 2003, kind: 'design' });
    });

    it('rejects an 8-digit number from after 2003 (04100001 → 4·3 + 1·4 + 1·9 = 25 → 3)', () => {
      expect(checkDigit('04100001')).toBe('3');
      expect(parseError('04100001.3').code).toBe('PATENT.INVALID_APPLICATION_NUMBER');
    });
  });

  it('rejects a 12-digit number before 2003', () => {
    // 2002 1 0601862: 2·2 + 0 + 0 + 2·5 + 1·6 + 0 + 6·8 + 0 + 1·2 + 8·3 + 6·4 + 2·5 = 128 → 7
    expect(checkDigit('200210601862')).toBe('7');
    expect(parseError('200210601862.7').code).toBe('PATENT.INVALID_APPLICATION_NUMBER');
  });
});

describe('stream names', () => {
  it('names streams', () => {
    expect(patentStream('201710601862.3')).toBe('patent-201710601862.3');
    expect(institutionStream('tyut')).toBe('institution-tyut');
  });
});
