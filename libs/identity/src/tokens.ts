/**
 * Bearer tokens: those the ledger issues itself (EdDSA JWTs signed with the token key, which lives
 * outside the data folder and is never the chain-signing key) and those of an external OpenID
 * Connect provider (verified against its JWKS, discovered from the issuer). All signing and
 * verification is done by `jose`.
 */
import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeJwt,
  errors as joseErrors,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ID_PATTERN, isRole, type Principal, type Role } from '@patent-ledger/access';
import { trimOldest } from '@patent-ledger/eventsourcing';

/** A credential that does not prove who is calling. `reason` is safe to show to the caller. */
export class InvalidCredentialError extends Error {
  constructor(
    readonly reason: string,
    /** RFC 6750 error code for WWW-Authenticate. */
    readonly oauthError: 'invalid_token' | 'invalid_request' = 'invalid_token',
  ) {
    super(reason);
    this.name = 'InvalidCredentialError';
  }
}

/** A verified principal and what its token says about itself. */
export interface VerifiedToken {
  principal: Principal;
  /** Expiry (seconds since the epoch). */
  exp: number;
  /** Issued at (seconds since the epoch). */
  iat: number;
  /** Token id. */
  jti?: string;
  /** The CSRF secret of a browser session (a sign-in token); absent on other tokens. */
  csrf?: string;
  /** The password version of the account the token was issued for (sign-in tokens). */
  pwv?: number;
}

export interface LedgerTokenSettings {
  issuer: string;
  audience: string;
  /** Clock skew tolerated on exp/nbf, seconds. */
  clockToleranceSeconds?: number;
}

/** Loads the Ed25519 token key, or creates it (mode 0600 in a 0700 folder) and says so through `log`. */
export async function loadOrCreateTokenKey(file: string, log: (line: string) => void): Promise<KeyObject> {
  try {
    return createPrivateKey(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`cannot read the token key ${file}: ${(err as Error).message}`);
    }
  }
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const pem = await exportPKCS8(privateKey);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Written whole under a name of its own, then linked into place: another process starting at the
  // same time never reads a half-written key, and the first link wins.
  const staging = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(staging, pem, { mode: 0o600, flag: 'wx' });
    await chmod(staging, 0o600);
    try {
      await link(staging, file);
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return createPrivateKey(await readFile(file, 'utf8'));
    }
  } finally {
    await unlink(staging).catch(() => undefined);
  }
  log(
    `created a new token-signing key at ${file} (LEDGER_TOKEN_KEY_FILE): it signs the bearer tokens of this ledger; keep it secret and outside the data folder`,
  );
  return createPrivateKey(pem);
}

export interface IssueOptions {
  ttlSeconds: number;
  source?: 'ledger' | 'account';
  csrf?: string;
  passwordVersion?: number;
  /** Clock (ms since the epoch); tests move it. */
  nowMs?: number;
  notBeforeSeconds?: number;
}

/** Issues and verifies the ledger's own tokens. */
export class LedgerTokens {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
    readonly kid: string,
    readonly publicJwk: JWK,
    private readonly settings: LedgerTokenSettings,
  ) {}

  static async fromKey(privateKey: KeyObject, settings: LedgerTokenSettings): Promise<LedgerTokens> {
    const publicKey = createPublicKey(privateKey);
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    return new LedgerTokens(privateKey, publicKey, kid, { ...jwk, kid, alg: 'EdDSA', use: 'sig' }, settings);
  }

  static async open(
    file: string,
    settings: LedgerTokenSettings,
    log: (line: string) => void,
  ): Promise<LedgerTokens> {
    return LedgerTokens.fromKey(await loadOrCreateTokenKey(file, log), settings);
  }

  get issuer(): string {
    return this.settings.issuer;
  }

  /** The public key set other services can verify the ledger's tokens with. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  async issue(
    p: Pick<Principal, 'role' | 'orgId' | 'userId' | 'admin'>,
    options: IssueOptions,
  ): Promise<{ token: string; expiresAt: string; jti: string }> {
    if (!isRole(p.role)) throw new Error(`unknown role ${JSON.stringify(p.role)}`);
    for (const [name, v] of [
      ['org', p.orgId],
      ['user', p.userId],
    ] as const) {
      if (!ID_PATTERN.test(v)) {
        throw new Error(`${name} ${JSON.stringify(v)} is invalid: 1-128 letters, digits or . _ : @ -`);
      }
    }
    if (p.admin && p.role !== 'ip-office') throw new Error('only an ip-office principal can be an admin');
    const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
    const jti = randomUUID();
    const claims: JWTPayload = {
      org: p.orgId,
      role: p.role,
      src: options.source ?? 'ledger',
      ...(p.admin ? { adm: true } : {}),
      ...(options.csrf ? { csrf: options.csrf } : {}),
      ...(options.passwordVersion !== undefined ? { pwv: options.passwordVersion } : {}),
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid, typ: 'JWT' })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(p.userId)
      .setIssuedAt(now)
      .setNotBefore(now + (options.notBeforeSeconds ?? 0))
      .setExpirationTime(now + options.ttlSeconds)
      .setJti(jti)
      .sign(this.privateKey);
    return { token, expiresAt: new Date((now + options.ttlSeconds) * 1000).toISOString(), jti };
  }

  async verify(token: string, nowMs?: number): Promise<VerifiedToken> {
    const { payload } = await verifying(() =>
      jwtVerify(token, this.publicKey, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['EdDSA'],
        requiredClaims: ['exp', 'iat', 'nbf', 'sub'],
        clockTolerance: this.settings.clockToleranceSeconds ?? 5,
        ...(nowMs !== undefined ? { currentDate: new Date(nowMs) } : {}),
      }),
    );
    const source = payload['src'] === 'account' ? 'account' : 'ledger';
    const principal = principalFrom(payload, {
      role: payload['role'],
      org: payload['org'],
      user: payload.sub,
      admin: payload['adm'] === true,
      source,
    });
    return {
      principal,
      exp: payload.exp!,
      iat: payload.iat!,
      ...(payload.jti ? { jti: payload.jti } : {}),
      ...(typeof payload['csrf'] === 'string' ? { csrf: payload['csrf'] } : {}),
      ...(typeof payload['pwv'] === 'number' ? { pwv: payload['pwv'] } : {}),
    };
  }
}

export interface OidcSettings {
  issuer: string;
  /** The provider's JWKS URL; discovered from `<issuer>/.well-known/openid-configuration` when absent. */
  jwksUrl?: string;
  audience: string;
  /** Claim (a dotted path for nested claims) that carries the ledger role. */
  roleClaim: string;
  /** Claim that carries the organisation id. */
  orgClaim: string;
  /** Claim that carries the user id (default `sub`). */
  userClaim: string;
  /** Claim whose value `true` makes an ip-office user an admin (optional). */
  adminClaim?: string;
  clockToleranceSeconds?: number;
}

/** Verifies tokens of an external OpenID Connect provider (JWKS fetched, cached and refreshed on rotation by jose). */
export class OidcVerifier {
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(readonly settings: OidcSettings) {}

  get issuer(): string {
    return this.settings.issuer;
  }

  private keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.jwks) return Promise.resolve(this.jwks);
    this.discovering ??= (async () => {
      let url = this.settings.jwksUrl;
      if (!url) {
        const base = this.settings.issuer.replace(/\/$/, '');
        const res = await fetch(`${base}/.well-known/openid-configuration`, {
          signal: AbortSignal.timeout(5000),
        });
        if (!res.ok) throw new Error(`OIDC discovery at ${base} answered ${res.status}`);
        const doc = (await res.json()) as { issuer?: string; jwks_uri?: string };
        if (doc.issuer !== this.settings.issuer) {
          throw new Error(`OIDC discovery names issuer ${String(doc.issuer)}, not ${this.settings.issuer}`);
        }
        if (typeof doc.jwks_uri !== 'string') throw new Error('OIDC discovery has no jwks_uri');
        url = doc.jwks_uri;
      }
      this.jwks = createRemoteJWKSet(new URL(url), { cooldownDuration: 1000, timeoutDuration: 5000 });
      return this.jwks;
    })().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  async verify(token: string): Promise<VerifiedToken> {
    let keys: ReturnType<typeof createRemoteJWKSet>;
    try {
      keys = await this.keySet();
    } catch (err) {
      throw new InvalidCredentialError(`the sign-on provider cannot be reached: ${(err as Error).message}`);
    }
    const s = this.settings;
    // A provider that cannot be reached (fetch failed, timeout, not 200) is a refusal, not a crash.
    const keyOf: JWTVerifyGetKey = async (header, t) => {
      try {
        return await keys(header, t);
      } catch (err) {
        if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys)
          throw err;
        throw new InvalidCredentialError(`the sign-on provider cannot be reached: ${(err as Error).message}`);
      }
    };
    const { payload } = await verifying(() =>
      jwtVerify(token, keyOf, {
        issuer: s.issuer,
        audience: s.audience,
        algorithms: [
          'RS256',
          'RS384',
          'RS512',
          'PS256',
          'PS384',
          'PS512',
          'ES256',
          'ES384',
          'ES512',
          'EdDSA',
        ],
        requiredClaims: ['exp', 'iat'],
        clockTolerance: s.clockToleranceSeconds ?? 5,
      }),
    );
    const principal = principalFrom(payload, {
      role: pick(claim(payload, s.roleClaim)),
      org: claim(payload, s.orgClaim),
      user: claim(payload, s.userClaim),
      admin: s.adminClaim !== undefined && claim(payload, s.adminClaim) === true,
      source: 'oidc',
    });
    return { principal, exp: payload.exp!, iat: payload.iat!, ...(payload.jti ? { jti: payload.jti } : {}) };
  }
}

/** Verifies a bearer token with whichever issuer it names: the ledger, or the configured SSO provider. */
export class CredentialVerifier {
  private readonly cache = new Map<string, VerifiedToken>();

  constructor(
    readonly ledger: LedgerTokens,
    readonly oidc?: OidcVerifier,
    private readonly maxCached = 10_000,
  ) {}

  async verify(token: string, nowMs = Date.now()): Promise<VerifiedToken> {
    const hit = this.cache.get(token);
    if (hit && hit.exp * 1000 > nowMs) return hit;
    if (hit) this.cache.delete(token);
    let iss: string | undefined;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new InvalidCredentialError('the bearer token is not a JWT');
    }
    let verified: VerifiedToken;
    if (iss === this.ledger.issuer) verified = await this.ledger.verify(token, nowMs);
    else if (this.oidc && iss === this.oidc.issuer) verified = await this.oidc.verify(token);
    else throw new InvalidCredentialError(`tokens of issuer ${JSON.stringify(iss ?? null)} are not accepted`);
    trimOldest(this.cache, this.maxCached - 1);
    this.cache.set(token, verified);
    return verified;
  }
}

function claim(payload: JWTPayload, path: string): unknown {
  let v: unknown = payload;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A role claim may be a list: exactly one of its values must be a ledger role. */
function pick(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const roles = value.filter(isRole);
  return roles.length === 1 ? roles[0] : undefined;
}

function principalFrom(
  _payload: JWTPayload,
  c: { role: unknown; org: unknown; user: unknown; admin: boolean; source: Principal['source'] },
): Principal {
  if (!isRole(c.role)) throw new InvalidCredentialError('the token carries no valid ledger role');
  if (typeof c.org !== 'string' || !ID_PATTERN.test(c.org)) {
    throw new InvalidCredentialError('the token carries no valid organisation');
  }
  if (typeof c.user !== 'string' || !ID_PATTERN.test(c.user)) {
    throw new InvalidCredentialError('the token carries no valid user');
  }
  const role: Role = c.role;
  return { role, orgId: c.org, userId: c.user, admin: c.admin && role === 'ip-office', source: c.source };
}

async function verifying<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof InvalidCredentialError) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new InvalidCredentialError('the token has expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed) {
      if (err.reason === 'missing') throw new InvalidCredentialError(`the token has no ${err.claim} claim`);
      const what = err.claim === 'nbf' ? 'is not valid yet' : `has an unacceptable ${err.claim} claim`;
      throw new InvalidCredentialError(`the token ${what}`);
    }
    if (err instanceof joseErrors.JOSEAlgNotAllowed) {
      throw new InvalidCredentialError('the token is signed with an algorithm that is not accepted');
    }
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
      throw new InvalidCredentialError('the token signature is invalid');
    }
    if (err instanceof joseErrors.JWKSNoMatchingKey) {
      throw new InvalidCredentialError('the token is signed with an unknown key');
    }
    if (err instanceof joseErrors.JOSEError)
      throw new InvalidCredentialError(`the token is invalid (${err.code})`);
    throw err;
  }
}
