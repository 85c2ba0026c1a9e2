/**
 * The settings of the signing key, the verification key and the witnesses: defaults outside the
 * data folder, and the values that stop the start with one line naming the setting.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey } from '@patent-ledger/eventsourcing';
import { ConfigError, loadConfig } from '../config';
import { verificationKey } from './signing-key';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'patent-ledger-config-'));
  mkdirSync(join(root, 'data'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  LEDGER_DB: join(root, 'data', 'ledger.db'),
  ...extra,
});

describe('transparency settings', () => {
  it('by default the key sits in keys/ beside the data folder, the witness in witness/<data folder>/', () => {
    const c = loadConfig(env());
    expect(c.dataDir).toBe(join(root, 'data'));
    expect(c.signingKeyFile).toBe(join(root, 'keys', 'signing-key.pem'));
    expect(c.publicKeyFile).toBe(join(root, 'keys', 'signing-key.pem.pub'));
    expect(c.witnessDir).toBe(join(root, 'witness', 'data'));
    expect(c.witnessNats).toBeUndefined();
  });

  it('NATS: URL, subject and stream', () => {
    expect(loadConfig(env({ LEDGER_WITNESS_NATS_URL: 'nats://127.0.0.1:4222' })).witnessNats).toEqual({
      url: 'nats://127.0.0.1:4222',
      subject: 'patent-ledger.heads',
      stream: 'PATENT_LEDGER_HEADS',
    });
  });

  it.each([
    [{ LEDGER_WITNESS_DIR: '__data__' }, /^LEDGER_WITNESS_DIR=.* is invalid: the witness copy/],
    [{ LEDGER_WITNESS_DIR: '__data__/witness' }, /^LEDGER_WITNESS_DIR=.* is invalid/],
    [{ LEDGER_WITNESS_DIR: '__root__' }, /^LEDGER_WITNESS_DIR=.* is invalid/],
    [
      { LEDGER_PUBLIC_KEY_FILE: '__data__/k.pub' },
      /^LEDGER_PUBLIC_KEY_FILE=.* is invalid: verification must not take its key from the data folder/,
    ],
    [{ LEDGER_WITNESS_NATS_URL: 'http://x' }, /^LEDGER_WITNESS_NATS_URL=http:\/\/x is invalid/],
    [
      { LEDGER_WITNESS_NATS_URL: 'nats://x', LEDGER_WITNESS_NATS_SUBJECT: 'a.*' },
      /^LEDGER_WITNESS_NATS_SUBJECT=a\.\* is invalid/,
    ],
    [{ LEDGER_WITNESS_NATS_STREAM: 'a b' }, /^LEDGER_WITNESS_NATS_STREAM=a b is invalid/],
  ])('%j stops the start, naming the setting', (extra, message) => {
    const resolved = Object.fromEntries(
      Object.entries(extra).map(([k, v]) => [
        k,
        v.replace('__data__', join(root, 'data')).replace('__root__', root),
      ]),
    );
    expect(() => loadConfig(env(resolved))).toThrow(ConfigError);
    expect(() => loadConfig(env(resolved))).toThrow(message);
  });

  it('a key left at the old default inside the data folder stops the start and says where to move it', () => {
    writeFileSync(join(root, 'data', 'signing-key.pem'), generateSigningKey().privateKeyPem);
    expect(() => loadConfig(env())).toThrow(
      `a signing key is in the data folder (${join(root, 'data', 'signing-key.pem')}), where an insider who can rewrite the database can use it: move it (and its .pub) to ${join(root, 'keys', 'signing-key.pem')}, or set LEDGER_SIGNING_KEY_FILE`,
    );
    // Set explicitly, it is the operator's choice (the api warns); verify still will not use it.
    const c = loadConfig(env({ LEDGER_SIGNING_KEY_FILE: join(root, 'data', 'signing-key.pem') }));
    expect(c.signingKeyFile).toBe(join(root, 'data', 'signing-key.pem'));
    expect(() => verificationKey(c)).toThrow(
      /inside the data folder .*: verification never takes a key from there/,
    );
  });

  it('verification takes --key, else the configured public key, never one in the data folder', () => {
    const { privateKeyPem, publicKeyPem } = generateSigningKey();
    mkdirSync(join(root, 'keys'));
    writeFileSync(join(root, 'keys', 'signing-key.pem'), privateKeyPem);
    const c = loadConfig(env());
    // No .pub yet: the public half of the private key.
    expect(verificationKey(c)?.file).toBe(join(root, 'keys', 'signing-key.pem'));
    writeFileSync(join(root, 'keys', 'signing-key.pem.pub'), publicKeyPem);
    expect(verificationKey(c)?.file).toBe(join(root, 'keys', 'signing-key.pem.pub'));
    writeFileSync(join(root, 'data', 'planted.pub'), publicKeyPem);
    expect(() => verificationKey(c, join(root, 'data', 'planted.pub'))).toThrow(
      /--key .* is inside the data folder/,
    );
    expect(verificationKey(loadConfig(env({ LEDGER_SIGNING_KEY_FILE: 'off' })))).toBeUndefined();
  });
});
