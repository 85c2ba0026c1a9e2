import { parseTtl } from './ttl';

describe('parseTtl', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(parseTtl('90s')).toBe(90);
    expect(parseTtl('15m')).toBe(900);
    expect(parseTtl('8h')).toBe(28_800);
    expect(parseTtl('30d')).toBe(2_592_000);
    expect(parseTtl(' 1h ')).toBe(3600);
    expect(parseTtl('1s')).toBe(1);
  });

  it('allows up to 366 days by default, or the maximum it is given', () => {
    expect(parseTtl('366d')).toBe(366 * 86_400);
    expect(() => parseTtl('367d')).toThrow('invalid lifetime "367d": from 1s to 366d');
    expect(() => parseTtl('8785h')).toThrow('from 1s to 366d');
    expect(parseTtl('24h', 24 * 3600)).toBe(86_400);
    expect(() => parseTtl('25h', 24 * 3600)).toThrow('invalid lifetime "25h": from 1s to 1d');
  });

  it('refuses zero, no unit, other units, signs, fractions, spaces inside and absurd lengths, in one line', () => {
    for (const bad of [
      '0s',
      '0d',
      '8',
      'h',
      '',
      '8 h',
      '8H',
      '1w',
      '-5m',
      '+5m',
      '1.5h',
      '8hours',
      '1e3s',
      '12345678s',
      'Infinity',
    ]) {
      let message: string | undefined;
      try {
        parseTtl(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect({ bad, message }).toEqual({
        bad,
        message: expect.stringMatching(/^invalid lifetime "[^\n]*": [^\n]+$/),
      });
    }
  });
});
