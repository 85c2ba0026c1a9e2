import { trimOldest } from './bounded-map';

describe('trimOldest (a Map as a bounded cache)', () => {
  it('given a map within its capacity, when trimmed, then nothing is deleted', () => {
    const map = new Map([...Array(8).keys()].map((k) => [k, k]));
    trimOldest(map, 8);
    expect([...map.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('given a map over its capacity, when trimmed, then the oldest entries go, down to seven eighths', () => {
    const map = new Map<number, number>();
    for (let k = 0; k < 17; k++) map.set(k, k);
    // A re-inserted key counts as new.
    map.delete(0);
    map.set(0, 0);
    trimOldest(map, 16);
    expect([...map.keys()]).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0]);
  });

  it('given a cache fed many more keys than it holds, when trimmed after each insert, then it never exceeds its capacity and keeps the newest', () => {
    const map = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      map.set(`k${i}`, i);
      trimOldest(map, 1000);
      expect(map.size).toBeLessThanOrEqual(1000);
    }
    expect(map.has('k49999')).toBe(true);
    expect(map.has('k48999')).toBe(false);
    expect(map.size).toBeGreaterThanOrEqual(875);
  });
});
