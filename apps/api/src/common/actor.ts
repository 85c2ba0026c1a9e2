import { actorOf, type Principal } from '@patent-ledger/access';
import type { Actor } from '@patent-ledger/eventsourcing';
import type { Request } from 'express';
import { principalOf } from '../auth/principal';

/** The actor recorded in event metadata: taken from the verified credential only (never a header). */
export function resolveActor(req: Request): Actor & Pick<Principal, 'role'> {
  return actorOf(principalOf(req));
}

export function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}
