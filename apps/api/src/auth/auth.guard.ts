import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InvalidCredentialError } from '@patent-ledger/identity';
import { parse as parseCookies } from 'cookie';
import { timingSafeEqual } from 'node:crypto';
import { ProblemException } from '../common/problem';
import { IdentityService } from './identity.service';
import {
  CSRF_HEADER,
  IS_PUBLIC,
  REQUEST_CREDENTIAL_EXPIRY,
  REQUEST_PRINCIPAL,
  SESSION_COOKIE,
  type AuthenticatedRequest,
} from './principal';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function unauthorized(code: string, detail: string, invalidToken: boolean): ProblemException {
  return ProblemException.of(
    401,
    code,
    detail,
    {},
    {
      'WWW-Authenticate': invalidToken
        ? `Bearer realm="patent-ledger", error="invalid_token", error_description="${detail.replace(/["\\]/g, '')}"`
        : 'Bearer realm="patent-ledger"',
    },
  );
}

/**
 * Every request proves who it is: `Authorization: Bearer <token>`, or the session cookie of a
 * browser sign-in (whose writes must also carry the session's X-CSRF-Token). Routes marked @Public
 * need nothing. The verified principal is left on the request for the policy.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly identity: IdentityService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) {
      // A public route needs no credential; a valid bearer token still says who asks (an admin may
      // see more, e.g. the error text of /health).
      const bearer = /^bearer (\S+)$/i.exec(req.headers['authorization'] ?? '')?.[1];
      if (bearer) {
        await this.identity.authenticate(bearer).then(
          (v) => (req[REQUEST_PRINCIPAL] = v.principal),
          () => undefined,
        );
      }
      return true;
    }
    const header = req.headers['authorization'];
    let token: string | undefined;
    let viaCookie = false;
    if (header !== undefined) {
      const m = /^bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
      if (!m) throw unauthorized('AUTH.INVALID_TOKEN', 'Authorization must be "Bearer <token>"', true);
      token = m[1];
    } else if (req.headers.cookie) {
      token = parseCookies(req.headers.cookie)[SESSION_COOKIE];
      viaCookie = token !== undefined;
    }
    if (!token) {
      throw unauthorized(
        'AUTH.REQUIRED',
        'this request needs a credential: Authorization: Bearer <token>',
        false,
      );
    }
    let verified;
    try {
      verified = await this.identity.authenticate(token);
    } catch (err) {
      if (err instanceof InvalidCredentialError) throw unauthorized('AUTH.INVALID_TOKEN', err.reason, true);
      throw err;
    }
    if (viaCookie && !SAFE_METHODS.has(req.method)) {
      const sent = req.headers[CSRF_HEADER];
      const expected = verified.csrf;
      if (typeof sent !== 'string' || !expected || !sameSecret(sent, expected)) {
        throw ProblemException.of(
          403,
          'AUTH.CSRF',
          'a write with the session cookie needs the X-CSRF-Token the sign-in returned',
        );
      }
    }
    req[REQUEST_PRINCIPAL] = verified.principal;
    req[REQUEST_CREDENTIAL_EXPIRY] = verified.exp * 1000;
    return true;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
