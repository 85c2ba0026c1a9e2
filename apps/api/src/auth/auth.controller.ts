import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { parse as parseCookies, serialize } from 'cookie';
import type { Request, Response } from 'express';
import type { LedgerConfig } from '../config';
import { ProblemException } from '../common/problem';
import { LEDGER_CONFIG } from '../ledger/tokens';
import { IdentityService } from './identity.service';
import { principalOf, Public, SESSION_COOKIE } from './principal';

const USER_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(
    private readonly identity: IdentityService,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with an account: a short-lived bearer token, and a session cookie for a browser',
    description:
      'The cookie is HttpOnly and SameSite=Strict; a write authenticated by it must carry the returned csrfToken as X-CSRF-Token. Five failed sign-ins in a row slow the account down (429 with Retry-After).',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['user', 'password'],
      properties: { user: { type: 'string' }, password: { type: 'string' } },
    },
    examples: {
      example: { summary: 'sign in', value: { user: 'tto-wang', password: 'a long passphrase here' } },
    },
  })
  @ApiResponse({
    status: 200,
    description: 'Signed in: { token, tokenType, expiresAt, csrfToken, principal }',
  })
  @ApiResponse({ status: 401, description: 'Wrong user or password, or the account is disabled' })
  @ApiResponse({ status: 429, description: 'Too many failed sign-ins in a row' })
  async login(@Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const b = (body ?? {}) as Record<string, unknown>;
    const errors: { field: string; message: string }[] = [];
    if (typeof b['user'] !== 'string' || !USER_RE.test(b['user']))
      errors.push({ field: 'user', message: 'user is required: an account id' });
    if (typeof b['password'] !== 'string' || b['password'] === '' || b['password'].length > 1024) {
      errors.push({ field: 'password', message: 'password is required' });
    }
    const unknown = Object.keys(b).filter((k) => k !== 'user' && k !== 'password');
    for (const k of unknown) errors.push({ field: k, message: `property ${k} should not exist` });
    if (errors.length > 0) {
      throw ProblemException.of(400, 'VALIDATION.FAILED', 'the sign-in request is invalid', { errors });
    }
    const result = await this.identity.login(b['user'] as string, b['password'] as string);
    res.setHeader(
      'Set-Cookie',
      serialize(SESSION_COOKIE, result.token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: this.config.auth.cookieSecure,
        path: '/',
        maxAge: this.config.auth.loginTtlSeconds,
      }),
    );
    res.setHeader('Cache-Control', 'no-store');
    return result;
  }

  @Post('auth/logout')
  @Public()
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Sign out: the sign-in token (session cookie or bearer) is no longer honoured, and the cookie is cleared',
  })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const bearer = /^bearer (\S+)$/i.exec(req.headers['authorization'] ?? '')?.[1];
    const cookie = req.headers.cookie ? parseCookies(req.headers.cookie)[SESSION_COOKIE] : undefined;
    for (const token of new Set([bearer, cookie])) {
      if (token) await this.identity.signOut(token);
    }
    res.setHeader(
      'Set-Cookie',
      serialize(SESSION_COOKIE, '', {
        httpOnly: true,
        sameSite: 'strict',
        secure: this.config.auth.cookieSecure,
        path: '/',
        maxAge: 0,
      }),
    );
  }

  @Get('auth/config')
  @Public()
  @ApiOperation({
    summary:
      'How to sign in: with an account (POST /auth/login) and, when configured, single sign-on at an OpenID Connect provider (the issuer, the console client id, the audience to ask for)',
  })
  @ApiResponse({
    status: 200,
    description: '{ password: true, oidc: { issuer, clientId, audience, scope } | null }',
  })
  signInConfig(@Res({ passthrough: true }) res: Response) {
    const oidc = this.config.auth.oidc;
    const clientId = this.config.auth.oidcConsoleClientId;
    res.setHeader('Cache-Control', 'no-cache');
    return {
      password: true,
      oidc:
        oidc && clientId ? { issuer: oidc.issuer, clientId, audience: oidc.audience, scope: 'openid' } : null,
    };
  }

  @Get('auth/me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Who the credential of this request proves you are' })
  me(@Req() req: Request) {
    return { principal: principalOf(req) };
  }

  @Get('.well-known/jwks.json')
  @Public()
  @ApiOperation({
    summary: 'The public key set of the tokens this ledger issues (for services that verify them)',
  })
  jwks() {
    return this.identity.tokens.jwks();
  }
}
