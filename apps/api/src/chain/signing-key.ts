import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import {
  generateSigningKey,
  loadPublicKey,
  loadSigningKey,
  publicKeyPem,
  type SigningKey,
} from '@patent-ledger/eventsourcing';
import type { KeyObject } from 'node:crypto';
import { ConfigError } from '../config';

/**
 * Loads the chain-head signing key, creating it when `create` and the file is missing: the private
 * key (mode 0600, in a folder of mode 0700) and its public key beside it (`FILE.pub`, to publish).
 */
export function loadOrCreateSigningKey(file: string, create: boolean): { key: SigningKey; created: boolean } {
  if (!existsSync(file)) {
    if (!create)
      throw new ConfigError(`signing key ${file} does not exist; create one with "patent-ledger keygen"`);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const { privateKeyPem, publicKeyPem: pub } = generateSigningKey();
    writeFileSync(file, privateKeyPem, { mode: 0o600, flag: 'wx' });
    if (!existsSync(`${file}.pub`)) writeFileSync(`${file}.pub`, pub, { mode: 0o644 });
    return { key: loadSigningKey(privateKeyPem), created: true };
  }
  try {
    return { key: loadSigningKey(readFileSync(file, 'utf8')), created: false };
  } catch (err) {
    throw new ConfigError(`LEDGER_SIGNING_KEY_FILE ${file}: ${(err as Error).message}`);
  }
}

export const isInsideDir = (file: string, dir: string): boolean => {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/**
 * The public key that verification trusts: `--key FILE` when given, else the configured public key
 * (LEDGER_PUBLIC_KEY_FILE, default the signing key's `.pub`), else the public half of the configured
 * signing key. Never a key inside the data folder: whoever can rewrite the database could have put
 * it there. Undefined when there is none.
 */
export function verificationKey(
  config: { publicKeyFile: string | undefined; signingKeyFile: string | undefined; dataDir: string },
  explicit?: string,
): { key: KeyObject; file: string } | undefined {
  const refuse = (file: string, what: string) => {
    if (isInsideDir(file, config.dataDir))
      throw new ConfigError(
        `${what} ${file} is inside the data folder ${config.dataDir}: verification never takes a key from there (whoever can rewrite the database could have put it there); use the published public key`,
      );
  };
  const load = (file: string): KeyObject => {
    try {
      return loadPublicKey(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${file}: ${(err as Error).message}`);
    }
  };
  if (explicit !== undefined) {
    refuse(explicit, '--key');
    if (!existsSync(explicit)) throw new ConfigError(`--key ${explicit} does not exist`);
    return { key: load(explicit), file: explicit };
  }
  for (const [file, what] of [
    [config.publicKeyFile, 'LEDGER_PUBLIC_KEY_FILE'],
    [config.signingKeyFile, 'LEDGER_SIGNING_KEY_FILE'],
  ] as const) {
    if (!file || !existsSync(file)) continue;
    refuse(file, what);
    return { key: load(file), file };
  }
  return undefined;
}

export { publicKeyPem };
