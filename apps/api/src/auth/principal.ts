import { SetMetadata } from '@nestjs/common';
import { isAdmin, type Principal } from '@patent-ledger/access';
import type { Request } from 'express';

/** Where the guard leaves the verified principal on the request. */
export const REQUEST_PRINCIPAL = Symbol('principal');

/** Where the guard leaves the credential's expiry (ms since the epoch). */
export const REQUEST_CREDENTIAL_EXPIRY = Symbol('credentialExpiry');

export type AuthenticatedRequest = Request & {
  [REQUEST_PRINCIPAL]?: Principal;
  [REQUEST_CREDENTIAL_EXPIRY]?: number;
};

/** When the credential of a request stops being valid (ms since the epoch); undefined on public routes. */
export const credentialExpiryOf = (req: Request): number | undefined =>
  (req as AuthenticatedRequest)[REQUEST_CREDENTIAL_EXPIRY];

/** The caller of a request that passed the auth guard. */
export function principalOf(req: Request): Principal {
  const p = (req as AuthenticatedRequest)[REQUEST_PRINCIPAL];
  if (!p) throw new Error('no principal on the request: the route is public or the guard did not run');
  return p;
}

export const IS_PUBLIC = 'patent-ledger:public';
/** A route that needs no credential (health, sign-in, the public key set). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

export const SESSION_COOKIE = 'ledger_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Whether the caller may see internal error text (an ip-office admin; the policy's `error-details`). */
export function seesErrorDetails(req: Request): boolean {
  const p = (req as AuthenticatedRequest)[REQUEST_PRINCIPAL];
  return p !== undefined && isAdmin(p);
}
