/** Password hashes (scrypt): what verifies, what does not, and which passwords are accepted at all. */
import {
  decoyHash,
  hashPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordProblem,
  verifyPassword,
} from './passwords';

const PASSWORD = 'correct horse battery staple';

describe('hashPassword and verifyPassword', () => {
  let hash: string;
  beforeAll(async () => {
    hash = await hashPassword(PASSWORD);
  });

  it('hashes into scrypt$N$r$p$salt$hash with a fresh salt, never containing the password', async () => {
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain(PASSWORD);
    const again = await hashPassword(PASSWORD);
    expect(again).not.toBe(hash);
    expect(again.split('$')[4]).not.toBe(hash.split('$')[4]);
  });

  it('verifies the right password, and only it', async () => {
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    for (const wrong of [
      'correct horse battery stapl',
      'Correct horse battery staple',
      `${PASSWORD} `,
      '',
      PASSWORD.repeat(2),
    ]) {
      expect({ wrong, ok: await verifyPassword(wrong, hash) }).toEqual({ wrong, ok: false });
    }
  });

  it('refuses a tampered hash (salt, hash, parameters, format) without throwing', async () => {
    const parts = hash.split('$');
    const flip = (s: string): string => `${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
    const at = (i: number, v: string): string => parts.map((p, j) => (j === i ? v : p)).join('$');
    const tampered: Record<string, string> = {
      salt: at(4, flip(parts[4]!)),
      hash: at(5, flip(parts[5]!)),
      'shorter hash': at(5, parts[5]!.slice(0, 22)),
      'empty hash': at(5, ''),
      'empty salt': at(4, ''),
      'another N': at(1, '16384'),
      'N not a power of two': at(1, '1000'),
      'N too large': at(1, String(2 ** 21)),
      'p too large': at(3, '100000'),
      'r not a number': at(2, 'x'),
      'zero p': at(3, '0'),
      'another algorithm': at(0, 'bcrypt'),
      'a part missing': parts.slice(0, 5).join('$'),
      'a part too many': `${hash}$x`,
      empty: '',
    };
    for (const [what, h] of Object.entries(tampered)) {
      expect({ what, ok: await verifyPassword(PASSWORD, h) }).toEqual({ what, ok: false });
    }
  });

  it('normalises to NFC: the same password typed composed or decomposed verifies', async () => {
    const composed = 'caf\u00e9 au lait, s\u2019il vous pla\u00eet';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const h = await hashPassword(decomposed);
    expect(await verifyPassword(composed, h)).toBe(true);
    expect(await verifyPassword(decomposed, h)).toBe(true);
    expect(await verifyPassword(composed.replace('\u00e9', 'e'), h)).toBe(false);
  });

  it('makes an unknown account cost a verification too (decoy hash)', async () => {
    const d = await decoyHash();
    expect(d).toMatch(/^scrypt\$32768\$/);
    expect(await decoyHash()).toBe(d);
    expect(await verifyPassword(PASSWORD, d)).toBe(false);
  });
});

describe('passwordProblem', () => {
  it('wants at least 12 characters (counted as code points, after NFC) and at most 1024', () => {
    expect(PASSWORD_MIN_LENGTH).toBe(12);
    expect(passwordProblem('a'.repeat(11))).toBe('a password needs at least 12 characters');
    expect(passwordProblem('a'.repeat(12))).toBeUndefined();
    expect(passwordProblem('口令'.repeat(6))).toBeUndefined();
    // Characters outside the BMP count once each.
    expect(passwordProblem('😀'.repeat(11))).toBe('a password needs at least 12 characters');
    expect(passwordProblem('😀'.repeat(12))).toBeUndefined();
    // Six "é" typed decomposed are six characters, not twelve.
    expect(passwordProblem('\u00e9'.normalize('NFD').repeat(6))).toBe(
      'a password needs at least 12 characters',
    );
    expect(passwordProblem('a'.repeat(PASSWORD_MAX_LENGTH))).toBeUndefined();
    expect(passwordProblem('a'.repeat(PASSWORD_MAX_LENGTH + 1))).toBe(
      'a password has at most 1024 characters',
    );
    expect(passwordProblem(undefined)).toBe('a password is required');
    expect(passwordProblem(123456789012)).toBe('a password is required');
    expect(passwordProblem('')).toBe('a password needs at least 12 characters');
  });
});
