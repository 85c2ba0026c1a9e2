import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateSigningKey, loadSigningKey, type SigningKey } from '@patent-ledger/eventsourcing';
import { ConfigError } from '../config';

/** Loads the chain-head signing key, creating it (mode 0600) when `create` and the file is missing. */
export function loadOrCreateSigningKey(file: string, create: boolean): { key: SigningKey; created: boolean } {
  if (!existsSync(file)) {
    if (!create)
      throw new ConfigError(`signing key ${file} does not exist; create one with "patent-ledger keygen"`);
    mkdirSync(dirname(file), { recursive: true });
    const { privateKeyPem } = generateSigningKey();
    writeFileSync(file, privateKeyPem, { mode: 0o600, flag: 'wx' });
    return { key: loadSigningKey(privateKeyPem), created: true };
  }
  try {
    return { key: loadSigningKey(readFileSync(file, 'utf8')), created: false };
  } catch (err) {
    throw new ConfigError(`LEDGER_SIGNING_KEY_FILE ${file}: ${(err as Error).message}`);
  }
}
