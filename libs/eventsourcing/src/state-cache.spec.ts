import type { Decider } from './decider';
import { handleCommand, StateCache, type CommandContext } from './handle-command';
import { MemoryEventStore } from './memory-event-store';

type Ev = { type: 'Added'; data: { n: number } };
type Cmd = { type: 'Add'; n: number };
const counter: Decider<Cmd, Ev, { total: number }> = {
  initialState: () => ({ total: 0 }),
  evolve: (s, e) => ({ total: s.total + e.data.n }),
  decide: (c, s) => {
    if (s.total + c.n > 10) throw new Error(`over the limit: ${s.total} + ${c.n}`);
    return [{ type: 'Added', data: { n: c.n } }];
  },
};
let k = 0;
const ctx = (): CommandContext => ({
  commandId: `c-${++k}`,
  fingerprint: `f-${k}`,
  actor: { role: 'system', orgId: 'local', userId: 'test' },
  now: '2025-01-01T00:00:00.000Z',
});

describe('handleCommand with a StateCache', () => {
  it('given a cached state at the current version, when a command comes, then the stream is not read again', async () => {
    const store = new MemoryEventStore();
    const cache = new StateCache<unknown>();
    await handleCommand(store, counter, 'counter-1', { type: 'Add', n: 3 }, ctx(), { cache });
    expect(cache.get('counter-1')).toEqual({ version: 1, state: { total: 3 } });
    const reads = jest.spyOn(store, 'readStream');
    await handleCommand(store, counter, 'counter-1', { type: 'Add', n: 4 }, ctx(), { cache });
    expect(reads).not.toHaveBeenCalled();
    expect(cache.get('counter-1')).toEqual({ version: 2, state: { total: 7 } });
  });

  it('given another writer moved the stream on, then the cached state is ignored and the rules see the real state', async () => {
    const store = new MemoryEventStore();
    const cache = new StateCache<unknown>();
    await handleCommand(store, counter, 'counter-1', { type: 'Add', n: 3 }, ctx(), { cache });
    // Another process (no shared cache) adds 6: the real total is 9.
    await handleCommand(store, counter, 'counter-1', { type: 'Add', n: 6 }, ctx());
    await expect(
      handleCommand(store, counter, 'counter-1', { type: 'Add', n: 4 }, ctx(), { cache }),
    ).rejects.toThrow('over the limit: 9 + 4');
    await handleCommand(store, counter, 'counter-1', { type: 'Add', n: 1 }, ctx(), { cache });
    expect(cache.get('counter-1')).toEqual({ version: 3, state: { total: 10 } });
  });

  it('keeps at most maxEntries streams, dropping the least recently used', () => {
    const cache = new StateCache<number>(2);
    cache.set('a', 1, 1);
    cache.set('b', 1, 2);
    cache.get('a');
    cache.set('c', 1, 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual({ version: 1, state: 1 });
    expect(cache.size).toBe(2);
  });
});
