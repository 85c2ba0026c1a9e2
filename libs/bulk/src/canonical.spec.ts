import { patentDecider, type InventoryPatent, type PatentInventoried } from '@patent-ledger/domain';
import { canonicalJson, fingerprintOf } from '@patent-ledger/eventsourcing';
import { canonicalCopy } from './canonical';
import { generateProvince } from './generator';
import { decideInventory } from './prepare';

describe('canonicalCopy', () => {
  it('writes, through JSON.stringify, exactly the canonical JSON of the value', () => {
    const values: Record<string, unknown>[] = [
      { b: 1, a: { y: [3, { q: 'x', p: null }], x: '申请号' }, c: undefined, B: true },
      { 申请号: '1', applicationNumber: '2', é: 'e', '': 0, z_1: -0, n: 1e21 },
      { list: [], nested: { deeper: { deepest: ['\u2028', '\ud800', 'quote"'] } } },
    ];
    for (const v of values) {
      const copy = canonicalCopy(v);
      expect(JSON.parse(JSON.stringify(copy))).toEqual(JSON.parse(JSON.stringify(v)));
      expect(JSON.stringify(copy)).toBe(canonicalJson(v));
    }
  });

  it('declines what is not plain JSON, or whose key order the engine would change', () => {
    expect(canonicalCopy({ 10: 'a', 9: 'b' })).toBeUndefined();
    expect(canonicalCopy({ a: [undefined] })).toBeUndefined();
    expect(canonicalCopy({ a: new Date(0) })).toBeUndefined();
    expect(canonicalCopy({ a: () => 1 })).toBeUndefined();
    expect(canonicalCopy({ a: BigInt(1) })).toBeUndefined();
    expect(canonicalCopy({ toJSON: 'x' })).toBeUndefined();
  });
});

describe('decideInventory', () => {
  it('gives the decider’s event with the same values, and the fingerprint of its data', () => {
    const province = generateProvince({ patents: 200, institutions: 5, seed: 'canonical' });
    const now = '2025-12-31T04:00:00.000Z';
    for (const patent of province.patents()) {
      const data = patent.inventory.data;
      const [expected] = patentDecider.decide(
        { type: 'InventoryPatent', data, now } as InventoryPatent,
        patentDecider.initialState(),
      ) as [PatentInventoried];
      const decided = decideInventory(data, now);
      expect(decided.event).toEqual(expected);
      expect(decided.fingerprint).toBe(fingerprintOf({ type: expected.type, data: expected.data }));
      expect(decided.dataJson).toBe(canonicalJson(expected.data));
    }
  });
});
