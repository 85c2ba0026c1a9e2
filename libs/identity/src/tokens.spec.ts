/** The ledger's own bearer tokens: what is accepted, what is refused, and the key they are signed with. */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, exportSPKI, SignJWT, type JWTPayload } from 'jose';
import {
  CredentialVerifier,
  InvalidCredentialError,
  LedgerTokens,
  loadOrCreateTokenKey,
  OidcVerifier,
} from './tokens';

const SETTINGS = { issuer: 'patent-ledger', audience: 'patent-ledger' };
const WANG = { role: 'institution', orgId: 'tyut', userId: 'tto-wang', admin: false } as const;

const ed25519 = (): KeyObject => generateKeyPairSync('ed25519').privateKey;
const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const nowS = (): number => Math.floor(Date.now() / 1000);

/** Claims of a well-formed ledger token (valid for an hour), with `over` replacing or removing some. */
function claims(over: Record<string, unknown> = {}): JWTPayload {
  const now = nowS();
  const base: Record<string, unknown> = {
    iss: SETTINGS.issuer,
    aud: SETTINGS.audience,
    sub: 'tto-wang',
    org: 'tyut',
    role: 'institution',
    src: 'ledger',
    iat: now,
    nbf: now,
    exp: now + 3600,
    ...over,
  };
  for (const [k, v] of Object.entries(base)) if (v === undefined) delete base[k];
  return base as JWTPayload;
}

/** Signs any claims with the key, as the ledger would (EdDSA), bypassing issue()'s checks. */
const signed = (key: KeyObject, payload: JWTPayload, kid?: string): Promise<string> =>
  new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', ...(kid ? { kid } : {}) }).sign(key);

/** The reason verify() refuses the token with (fails the test when it is accepted or fails otherwise). */
async function refusal(tokens: LedgerTokens, token: string): Promise<string> {
  const err = await tokens.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidCredentialError);
  return (err as InvalidCredentialError).reason;
}

describe('LedgerTokens', () => {
  let key: KeyObject;
  let tokens: LedgerTokens;

  beforeAll(async () => {
    key = ed25519();
    tokens = await LedgerTokens.fromKey(key, SETTINGS);
  });

  it('verifies what it issues: principal, expiry, token id, kid of its public key', async () => {
    const issued = await tokens.issue(WANG, { ttlSeconds: 600 });
    const header = decodeProtectedHeader(issued.token);
    expect(header).toEqual({ alg: 'EdDSA', kid: tokens.kid, typ: 'JWT' });
    expect(tokens.jwks().keys).toEqual([
      expect.objectContaining({ kid: tokens.kid, alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519' }),
    ]);
    expect(tokens.jwks().keys[0]).not.toHaveProperty('d');

    const v = await tokens.verify(issued.token);
    expect(v.principal).toEqual({ ...WANG, source: 'ledger' });
    expect(v.exp - v.iat).toBe(600);
    expect(new Date(v.exp * 1000).toISOString()).toBe(issued.expiresAt);
    expect(v.jti).toBe(issued.jti);
    expect(v.csrf).toBeUndefined();
    expect(v.pwv).toBeUndefined();
  });

  it('carries the csrf secret and the password version of a sign-in token', async () => {
    const issued = await tokens.issue(WANG, {
      ttlSeconds: 60,
      source: 'account',
      csrf: 's3cret',
      passwordVersion: 3,
    });
    const v = await tokens.verify(issued.token);
    expect(v).toEqual(expect.objectContaining({ csrf: 's3cret', pwv: 3 }));
    expect(v.principal.source).toBe('account');
  });

  it('refuses an expired token', async () => {
    const old = await tokens.issue(WANG, { ttlSeconds: 60, nowMs: Date.now() - 3_600_000 });
    expect(await refusal(tokens, old.token)).toBe('the token has expired');
    // ...and honours the clock it is given.
    const fresh = await tokens.issue(WANG, { ttlSeconds: 60 });
    expect(await refusalOf(() => tokens.verify(fresh.token, Date.now() + 120_000))).toBe(
      'the token has expired',
    );
    await expect(tokens.verify(old.token, Date.now() - 3_600_000 + 30_000)).resolves.toBeDefined();
  });

  it('refuses a token that is not valid yet (nbf)', async () => {
    const later = await tokens.issue(WANG, { ttlSeconds: 7200, notBeforeSeconds: 3600 });
    expect(await refusal(tokens, later.token)).toBe('the token is not valid yet');
    // A token without nbf at all is not one of the ledger's.
    expect(await refusal(tokens, await signed(key, claims({ nbf: undefined })))).toBe(
      'the token has no nbf claim',
    );
  });

  it('refuses a token of another audience or another issuer, signed with the same key', async () => {
    const otherAudience = await LedgerTokens.fromKey(key, { ...SETTINGS, audience: 'another-service' });
    const otherIssuer = await LedgerTokens.fromKey(key, { ...SETTINGS, issuer: 'someone-else' });
    const a = await otherAudience.issue(WANG, { ttlSeconds: 60 });
    const i = await otherIssuer.issue(WANG, { ttlSeconds: 60 });
    expect(await refusal(tokens, a.token)).toBe('the token has an unacceptable aud claim');
    expect(await refusal(tokens, i.token)).toBe('the token has an unacceptable iss claim');
  });

  it('refuses a token signed with another key (even one naming its kid)', async () => {
    const other = await LedgerTokens.fromKey(ed25519(), SETTINGS);
    expect(await refusal(tokens, (await other.issue(WANG, { ttlSeconds: 60 })).token)).toBe(
      'the token signature is invalid',
    );
    expect(await refusal(tokens, await signed(ed25519(), claims(), tokens.kid))).toBe(
      'the token signature is invalid',
    );
  });

  it('refuses a token whose signature or payload was altered', async () => {
    const { token } = await tokens.issue(WANG, { ttlSeconds: 60 });
    const [h, p, s] = token.split('.') as [string, string, string];
    const promoted = b64({
      ...(JSON.parse(Buffer.from(p, 'base64url').toString()) as object),
      role: 'ip-office',
      adm: true,
    });
    expect(await refusal(tokens, `${h}.${promoted}.${s}`)).toBe('the token signature is invalid');
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    expect(await refusal(tokens, `${h}.${p}.${flipped}`)).toBe('the token signature is invalid');
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims({ role: 'ip-office', adm: true }))}.`;
    expect(await refusal(tokens, none)).toBe('the token is signed with an algorithm that is not accepted');
    // The same with the kid of the ledger's key, and with a signature part that is not empty.
    const noneKid = `${b64({ alg: 'none', kid: tokens.kid })}.${b64(claims())}.AAAA`;
    expect(await refusal(tokens, noneKid)).toBe('the token is signed with an algorithm that is not accepted');
  });

  it('refuses an HS256 token whose secret is the public key (algorithm confusion)', async () => {
    const pem = await exportSPKI(createPublicKey(key));
    const x = Buffer.from(tokens.publicJwk.x!, 'base64url');
    for (const secret of [
      new TextEncoder().encode(pem),
      new Uint8Array(x),
      new TextEncoder().encode(JSON.stringify(tokens.publicJwk)),
    ]) {
      const hs = await new SignJWT(claims({ role: 'ip-office', adm: true }))
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: tokens.kid })
        .sign(secret);
      expect(await refusal(tokens, hs)).toBe('the token is signed with an algorithm that is not accepted');
    }
  });

  it('refuses garbage', async () => {
    for (const t of ['', 'abc', 'a.b.c', `${b64({ alg: 'EdDSA' })}.${b64(claims())}`]) {
      expect(await refusal(tokens, t)).toMatch(/^the token/);
    }
  });

  it('refuses a well-signed token whose role, organisation or user is not valid', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ role: 'root' }, /no valid ledger role/],
      [{ role: undefined }, /no valid ledger role/],
      [{ role: ['institution'] }, /no valid ledger role/],
      [{ org: undefined }, /no valid organisation/],
      [{ org: 'tyut university' }, /no valid organisation/],
      [{ org: 42 }, /no valid organisation/],
      [{ org: 'x'.repeat(129) }, /no valid organisation/],
      [{ sub: '-leading-dash' }, /no valid user/],
      [{ sub: 'a/b' }, /no valid user/],
      [{ sub: undefined }, /sub/],
      [{ exp: undefined }, /exp/],
      [{ iat: undefined }, /iat/],
    ];
    for (const [over, reason] of cases) {
      expect({ over, reason: await refusal(tokens, await signed(key, claims(over), tokens.kid)) }).toEqual({
        over,
        reason: expect.stringMatching(reason),
      });
    }
    // The control: the same claims unaltered are accepted.
    await expect(tokens.verify(await signed(key, claims(), tokens.kid))).resolves.toBeDefined();
  });

  it('refuses to issue a token with a bad role, organisation or user', async () => {
    await expect(tokens.issue({ ...WANG, role: 'root' as never }, { ttlSeconds: 60 })).rejects.toThrow(
      /unknown role "root"/,
    );
    await expect(tokens.issue({ ...WANG, orgId: 'has space' }, { ttlSeconds: 60 })).rejects.toThrow(
      /^org "has space" is invalid/,
    );
    await expect(tokens.issue({ ...WANG, userId: '' }, { ttlSeconds: 60 })).rejects.toThrow(
      /^user "" is invalid/,
    );
  });

  it('makes only an ip-office principal an admin', async () => {
    await expect(tokens.issue({ ...WANG, admin: true }, { ttlSeconds: 60 })).rejects.toThrow(
      'only an ip-office principal can be an admin',
    );
    const office = { role: 'ip-office', orgId: 'sx-cnipa', userId: 'officer-1', admin: true } as const;
    expect(
      (await tokens.verify((await tokens.issue(office, { ttlSeconds: 60 })).token)).principal.admin,
    ).toBe(true);
    const notAdmin = await tokens.issue({ ...office, admin: false }, { ttlSeconds: 60 });
    expect((await tokens.verify(notAdmin.token)).principal.admin).toBe(false);
    // A signed token claiming adm for another role does not make it an admin.
    const forged = await signed(key, claims({ adm: true }), tokens.kid);
    expect((await tokens.verify(forged)).principal).toEqual({ ...WANG, admin: false, source: 'ledger' });
    // Only `adm: true` counts.
    const stringy = await signed(
      key,
      claims({ role: 'ip-office', org: 'sx-cnipa', adm: 'true' }),
      tokens.kid,
    );
    expect((await tokens.verify(stringy)).principal.admin).toBe(false);
  });
});

/** As refusal(), for any verification. */
async function refusalOf(run: () => Promise<unknown>): Promise<string> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidCredentialError);
  return (err as InvalidCredentialError).reason;
}

describe('the token key file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-token-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created mode 0600 in a folder of mode 0700, says so once, and is reused', async () => {
    const file = join(dir, 'keys', 'nested', 'token-key.pem');
    const log: string[] = [];
    const first = await LedgerTokens.open(file, SETTINGS, (l) => log.push(l));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys', 'nested')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(log).toEqual([
      expect.stringContaining(`created a new token-signing key at ${file} (LEDGER_TOKEN_KEY_FILE)`),
    ]);

    const second = await LedgerTokens.open(file, SETTINGS, (l) => log.push(l));
    expect(log).toHaveLength(1);
    expect(second.kid).toBe(first.kid);
    const { token } = await first.issue(WANG, { ttlSeconds: 60 });
    await expect(second.verify(token)).resolves.toEqual(
      expect.objectContaining({ principal: { ...WANG, source: 'ledger' } }),
    );
  });

  it('is created once when several processes start together, and each uses that one', async () => {
    for (let round = 0; round < 20; round++) {
      const file = join(dir, `round-${round}`, 'token-key.pem');
      const log: string[] = [];
      const keys = await Promise.all(
        Array.from({ length: 6 }, () => loadOrCreateTokenKey(file, (l) => log.push(l))),
      );
      const pems = new Set(keys.map((k) => k.export({ type: 'pkcs8', format: 'pem' })));
      expect({ round, pems: pems.size, created: log.length }).toEqual({ round, pems: 1, created: 1 });
      expect(String([...pems][0]).trim()).toBe(readFileSync(file, 'utf8').trim());
      // No staging file is left behind.
      expect(readdirSync(join(dir, `round-${round}`))).toEqual(['token-key.pem']);
    }
  });

  it('is not replaced when it cannot be read', async () => {
    const file = join(dir, 'token-key.pem');
    writeFileSync(file, 'not a key\n', { mode: 0o600 });
    await expect(loadOrCreateTokenKey(file, () => {})).rejects.toThrow(`cannot read the token key ${file}`);
    expect(readFileSync(file, 'utf8')).toBe('not a key\n');
  });
});

describe('CredentialVerifier', () => {
  let tokens: LedgerTokens;
  beforeAll(async () => {
    tokens = await LedgerTokens.fromKey(ed25519(), SETTINGS);
  });

  it('routes by issuer: an unknown issuer is refused, an unreachable provider is a refusal, not a crash', async () => {
    const oidc = new OidcVerifier({
      issuer: 'http://127.0.0.1:9/sso',
      jwksUrl: 'http://127.0.0.1:9/jwks',
      audience: 'patent-ledger-api',
      roleClaim: 'ledger_role',
      orgClaim: 'ledger_org',
      userClaim: 'sub',
    });
    const v = new CredentialVerifier(tokens, oidc);
    const stranger = await LedgerTokens.fromKey(ed25519(), { ...SETTINGS, issuer: 'stranger' });
    const s = (await stranger.issue(WANG, { ttlSeconds: 60 })).token;
    expect(await refusalOf(() => v.verify(s))).toBe('tokens of issuer "stranger" are not accepted');
    expect(await refusalOf(() => v.verify('not-a-jwt'))).toBe('the bearer token is not a JWT');
    const sso = await LedgerTokens.fromKey(ed25519(), { ...SETTINGS, issuer: 'http://127.0.0.1:9/sso' });
    const t = (await sso.issue(WANG, { ttlSeconds: 60 })).token;
    expect(await refusalOf(() => v.verify(t))).toMatch(/^the sign-on provider cannot be reached: /);
    // Without a provider, the provider's issuer is just another stranger.
    expect(await refusalOf(() => new CredentialVerifier(tokens).verify(t))).toBe(
      'tokens of issuer "http://127.0.0.1:9/sso" are not accepted',
    );
  });

  it('refuses (does not crash) when the provider cannot be discovered', async () => {
    const oidc = new OidcVerifier({
      issuer: 'http://127.0.0.1:9/sso',
      audience: 'patent-ledger-api',
      roleClaim: 'ledger_role',
      orgClaim: 'ledger_org',
      userClaim: 'sub',
    });
    const sso = await LedgerTokens.fromKey(ed25519(), { ...SETTINGS, issuer: 'http://127.0.0.1:9/sso' });
    const t = (await sso.issue(WANG, { ttlSeconds: 60 })).token;
    expect(await refusalOf(() => new CredentialVerifier(tokens, oidc).verify(t))).toMatch(
      /^the sign-on provider cannot be reached: /,
    );
  });

  it('does not keep honouring a cached token once it has expired', async () => {
    const v = new CredentialVerifier(tokens);
    const { token } = await tokens.issue(WANG, { ttlSeconds: 60 });
    await v.verify(token);
    await v.verify(token); // from the cache
    expect(await refusalOf(() => v.verify(token, Date.now() + 120_000))).toBe('the token has expired');
  });

  it('does not cache a refusal', async () => {
    const v = new CredentialVerifier(tokens);
    const later = await tokens.issue(WANG, { ttlSeconds: 7200, notBeforeSeconds: 600 });
    expect(await refusalOf(() => v.verify(later.token))).toBe('the token is not valid yet');
    await expect(v.verify(later.token, Date.now() + 700_000)).resolves.toBeDefined();
  });
});
