import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { LedgerConfig } from '../config';
import { ProblemException } from '../common/problem';
import { REQUEST_PRINCIPAL, type AuthenticatedRequest } from './principal';

const isLogin = (ctx: ExecutionContext): boolean => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  return req.method === 'POST' && (req.path === '/auth/login' || req.route?.path === '/auth/login');
};

/**
 * Per-principal rate limits (`LEDGER_RATE_LIMIT` requests a minute for each organisation + user;
 * sign-ins `LEDGER_LOGIN_RATE_LIMIT` a minute per client address). 0 switches a limit off.
 */
export function throttlerOptions(config: Pick<LedgerConfig, 'rateLimit'>): ThrottlerModuleOptions {
  const { perMinute, loginPerMinute } = config.rateLimit;
  return {
    throttlers: [
      { name: 'principal', ttl: 60_000, limit: perMinute, skipIf: (ctx) => perMinute === 0 || isLogin(ctx) },
      {
        name: 'login',
        ttl: 60_000,
        limit: loginPerMinute,
        skipIf: (ctx) => loginPerMinute === 0 || !isLogin(ctx),
      },
    ],
    getTracker: (req) => {
      const p = (req as AuthenticatedRequest)[REQUEST_PRINCIPAL];
      return p ? `principal:${p.orgId}/${p.userId}` : `ip:${String(req['ip'])}`;
    },
  };
}

/** The throttler, answering 429 problem+json with Retry-After (runs after the auth guard: it knows the principal). */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToExpire));
    throw ProblemException.of(
      429,
      'RATE.LIMITED',
      `too many requests: at most ${detail.limit} a minute; try again in ${seconds} s`,
      {},
      { 'Retry-After': String(seconds) },
    );
  }
}
