import { canonicalJson, deterministicEventId, fingerprintOf } from './ids';

describe('canonicalJson (RFC 8785 for JSON values)', () => {
  it('sorts keys by UTF-16 code units at every depth and writes no whitespace', () => {
    expect(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: '专利' }, '\u20ac': 0, '\r': 1, '1': 2 }),
    ).toBe('{"\\r":1,"1":2,"a":{"c":"专利","d":[3,{"y":2,"z":1}]},"b":1,"€":0}');
  });

  it('writes numbers and strings as JSON.stringify does', () => {
    expect(canonicalJson([0, -0, 1.5, 1e21, 1e-7, 333333333.3333333, 'a"b\\c\n', true, false, null])).toBe(
      '[0,0,1.5,1e+21,1e-7,333333333.3333333,"a\\"b\\\\c\\n",true,false,null]',
    );
  });

  it('drops undefined members and turns undefined array elements and non-finite numbers into null, like JSON', () => {
    const value = { a: undefined, b: [undefined, NaN, Infinity], c: 1 };
    expect(canonicalJson(value)).toBe('{"b":[null,null,null],"c":1}');
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('fingerprints do not depend on key order; event ids are stable UUIDs per command and index', () => {
    expect(fingerprintOf({ a: 1, b: 2 })).toBe(fingerprintOf({ b: 2, a: 1 }));
    expect(fingerprintOf({ a: 1 })).not.toBe(fingerprintOf({ a: 2 }));
    expect(deterministicEventId('cmd-1', 0)).toBe(deterministicEventId('cmd-1', 0));
    expect(deterministicEventId('cmd-1', 0)).not.toBe(deterministicEventId('cmd-1', 1));
    expect(deterministicEventId('cmd-1', 0)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
