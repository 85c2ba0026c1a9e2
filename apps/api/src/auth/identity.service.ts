import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Principal } from '@patent-ledger/access';
import {
  loginRetryAfterSeconds,
  type Account,
  type AccountCommand,
  type AccountState,
} from '@patent-ledger/domain';
import type { CommandOutcome, EventStore } from '@patent-ledger/eventsourcing';
import { trimOldest } from '@patent-ledger/eventsourcing';
import {
  CredentialVerifier,
  decoyHash,
  InvalidCredentialError,
  LedgerTokens,
  loadAccount,
  runAccountCommand,
  OidcVerifier,
  verifyPassword,
  type VerifiedToken,
} from '@patent-ledger/identity';
import { randomBytes } from 'node:crypto';
import type { LedgerConfig } from '../config';
import { ProblemException } from '../common/problem';
import { Clock, EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';

/** The actor of events no credential stands behind (a failed sign-in). */
const ANONYMOUS = { role: 'anonymous', orgId: 'unauthenticated', userId: 'anonymous' };

/** How long the guard trusts an account's state it read (a disabled account stops within this). */
const ACCOUNT_CACHE_MS = 2000;

export interface LoginResult {
  token: string;
  tokenType: 'Bearer';
  expiresAt: string;
  /** Send it as X-CSRF-Token with every write authenticated by the session cookie. */
  csrfToken: string;
  principal: Principal;
}

/**
 * Who is calling: verifies bearer tokens (the ledger's own and SSO), keeps accounts (user streams),
 * signs people in and slows down an account after five failed sign-ins in a row.
 */
@Injectable()
export class IdentityService implements OnModuleInit {
  private readonly logger = new Logger('Identity');
  private tokensValue: LedgerTokens | undefined;
  private verifierValue: CredentialVerifier | undefined;
  /** The sign-in in progress (or queued last) of each account. */
  private readonly signIns = new Map<string, Promise<void>>();
  private readonly accounts = new Map<
    string,
    { state: AccountState; version: number; disabledAt?: string; at: number }
  >();

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    const a = this.config.auth;
    this.tokensValue = await LedgerTokens.open(
      a.tokenKeyFile,
      { issuer: a.tokenIssuer, audience: a.tokenAudience },
      (line) => this.logger.warn(line),
    );
    this.verifierValue = new CredentialVerifier(
      this.tokensValue,
      a.oidc ? new OidcVerifier(a.oidc) : undefined,
    );
  }

  get tokens(): LedgerTokens {
    if (!this.tokensValue) throw new Error('identity is not initialised');
    return this.tokensValue;
  }

  /** Verifies a bearer token; a sign-in token also needs its account active and its password unchanged. */
  async authenticate(token: string): Promise<VerifiedToken> {
    if (!this.verifierValue) throw new Error('identity is not initialised');
    const verified = await this.verifierValue.verify(token, Date.parse(this.clock.now()));
    if (verified.principal.source === 'account') {
      const { state, disabledAt } = await this.account(verified.principal.userId, true);
      if (state.status !== 'active') throw new InvalidCredentialError('the account is disabled or gone');
      // Enabling an account again does not revive the tokens of before its disabling (iat: whole seconds).
      if (disabledAt !== undefined && verified.iat <= Math.floor(Date.parse(disabledAt) / 1000)) {
        throw new InvalidCredentialError(
          'the account was disabled since the token was issued; sign in again',
        );
      }
      if (state.orgId !== verified.principal.orgId || state.role !== verified.principal.role) {
        throw new InvalidCredentialError('the account changed since the token was issued; sign in again');
      }
      if (verified.pwv !== state.passwordVersion) {
        throw new InvalidCredentialError('the password changed since the token was issued; sign in again');
      }
      if (verified.jti !== undefined && state.signedOut[verified.jti] !== undefined) {
        throw new InvalidCredentialError('this session was signed out; sign in again');
      }
    }
    return verified;
  }

  /**
   * Ends a sign-in session: its token is no longer honoured anywhere (recorded as SignedOut in the
   * account's stream). Other tokens, and tokens that are not sign-in tokens, are left as they are.
   */
  async signOut(token: string): Promise<boolean> {
    let verified: VerifiedToken;
    try {
      verified = await this.authenticate(token);
    } catch {
      return false; // an invalid or already ended session: nothing to end
    }
    const p = verified.principal;
    if (p.source !== 'account' || verified.jti === undefined) return false;
    await this.accountCommand(
      p.userId,
      {
        type: 'RecordSignOut',
        data: { userId: p.userId, jti: verified.jti, until: new Date(verified.exp * 1000).toISOString() },
      },
      p,
    );
    return true;
  }

  /** An account's state (from its stream; `cached` accepts a read up to 2 s old). */
  async account(
    userId: string,
    cached = false,
  ): Promise<{ state: AccountState; version: number; disabledAt?: string }> {
    const now = Date.now();
    const hit = this.accounts.get(userId);
    if (cached && hit && now - hit.at < ACCOUNT_CACHE_MS) return hit;
    const entry = { ...(await loadAccount(this.store, userId)), at: now };
    this.accounts.set(userId, entry);
    trimOldest(this.accounts, 10_000);
    return entry;
  }

  /** Runs an account command as `actor` (an admin, or the user signing in). */
  async accountCommand(
    userId: string,
    command: AccountCommand,
    actor: { role: string; orgId: string; userId: string },
    commandId?: string,
    fingerprint?: string,
  ): Promise<CommandOutcome> {
    try {
      return await runAccountCommand(this.store, command, actor, this.clock.now(), {
        ...(commandId !== undefined ? { commandId } : {}),
        ...(fingerprint !== undefined ? { fingerprint } : {}),
      });
    } finally {
      this.accounts.delete(userId);
    }
  }

  /**
   * Signs a person in: a short-lived token (and the CSRF secret of its cookie session). The sign-ins
   * of one account run one at a time, so that a burst of guesses sent together cannot all pass the
   * check of failures in a row before any of them is recorded.
   */
  async login(userId: string, password: string): Promise<LoginResult> {
    const run = (this.signIns.get(userId) ?? Promise.resolve()).then(() => this.signIn(userId, password));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.signIns.set(userId, settled);
    try {
      return await run;
    } finally {
      if (this.signIns.get(userId) === settled) this.signIns.delete(userId);
    }
  }

  private async signIn(userId: string, password: string): Promise<LoginResult> {
    const failed = (): ProblemException =>
      ProblemException.of(
        401,
        'AUTH.LOGIN_FAILED',
        'the user or the password is wrong, or the account is disabled',
        {},
        {
          'WWW-Authenticate': 'Bearer realm="patent-ledger"',
        },
      );
    const { state } = await this.account(userId);
    if (state.status === 'none' || state.passwordHash === undefined) {
      await verifyPassword(password, await decoyHash());
      throw failed();
    }
    const now = this.clock.now();
    const wait = loginRetryAfterSeconds(state, now);
    if (wait > 0) {
      throw ProblemException.of(
        429,
        'AUTH.LOGIN_THROTTLED',
        `too many failed sign-ins for this account: try again in ${wait} s`,
        {},
        { 'Retry-After': String(wait) },
      );
    }
    const ok = await verifyPassword(password, state.passwordHash);
    if (!ok || state.status !== 'active') {
      if (!ok) {
        await this.accountCommand(
          userId,
          { type: 'RecordLoginFailure', data: { userId, at: now } },
          ANONYMOUS,
        );
      }
      throw failed();
    }
    const account: Account = state;
    const principal: Principal = {
      role: account.role,
      orgId: account.orgId,
      userId: account.userId,
      admin: account.admin,
      source: 'account',
    };
    if (account.failedInARow > 0) {
      await this.accountCommand(userId, { type: 'RecordLoginSuccess', data: { userId, at: now } }, principal);
    }
    const csrfToken = randomBytes(24).toString('base64url');
    const { token, expiresAt } = await this.tokens.issue(principal, {
      ttlSeconds: this.config.auth.loginTtlSeconds,
      source: 'account',
      csrf: csrfToken,
      passwordVersion: account.passwordVersion,
      nowMs: Date.parse(now),
    });
    return { token, tokenType: 'Bearer', expiresAt, csrfToken, principal };
  }
}
