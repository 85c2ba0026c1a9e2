import { runInNewContext } from 'node:vm';
import { storeOutage } from './store-outage';

describe('storeOutage', () => {
  it('given a refused connection, when classified, then it is an outage (the store cannot be reached)', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(storeOutage(err)).toEqual({ kind: 'unavailable', reason: 'the store cannot be reached' });
  });

  it('given a refused connection whose Error comes from another realm (a vm context), when classified, then it is still an outage', () => {
    const err: unknown = runInNewContext(
      "Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })",
    );
    expect(err instanceof Error).toBe(false);
    expect(storeOutage(err)?.kind).toBe('unavailable');
  });

  it('given a server shutting down (SQLSTATE 57P01) or a connection exception (08006), when classified, then it is an outage', () => {
    expect(storeOutage(Object.assign(new Error('terminating'), { code: '57P01' }))?.kind).toBe('unavailable');
    expect(storeOutage(Object.assign(new Error('lost'), { code: '08006' }))?.kind).toBe('unavailable');
  });

  it('given a full disk (SQLITE_FULL, ENOSPC, 53100), when classified, then it is disk-full', () => {
    for (const code of ['SQLITE_FULL', 'ENOSPC', '53100'])
      expect(storeOutage(Object.assign(new Error('full'), { code }))?.kind).toBe('disk-full');
  });

  it("given pg's message for an ended connection, or one wrapped as a cause, when classified, then it is an outage", () => {
    expect(storeOutage(new Error('Connection terminated unexpectedly'))?.kind).toBe('unavailable');
    const wrapped = new Error('append failed', { cause: new Error('Connection terminated unexpectedly') });
    expect(storeOutage(wrapped)?.kind).toBe('unavailable');
  });

  it('given a rule violation, a unique-key error or a non-object, when classified, then it is not an outage', () => {
    expect(storeOutage(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBeUndefined();
    expect(storeOutage(new Error('PATENT.NOT_IN_POOL'))).toBeUndefined();
    expect(storeOutage('ECONNREFUSED')).toBeUndefined();
    expect(storeOutage(null)).toBeUndefined();
  });
});
