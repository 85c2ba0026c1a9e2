import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { canonicalJson } from './ids';

/** An Ed25519 key pair that signs chain heads. The private key lives outside the database. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

/** Identifier of a public key: the first 16 hex digits of SHA-256 over its DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function generateSigningKey(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** Loads a private key (PKCS#8 PEM); throws with a one-line reason when it is not an Ed25519 key. */
export function loadSigningKey(privateKeyPem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privateKeyPem);
  } catch {
    throw new Error('the signing key is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the signing key is not an Ed25519 key');
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** Loads a public key (SPKI PEM, or the private key it belongs to). */
export function loadPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error('the verification key is not a PEM public or private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the verification key is not an Ed25519 key');
  return key;
}

export function publicKeyPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** Signs the canonical JSON of a value; base64 signature. */
export function signValue(key: SigningKey, value: unknown): string {
  return sign(null, Buffer.from(canonicalJson(value)), key.privateKey).toString('base64');
}

/**
 * Verifies a signature made by `signValue`. Only the canonical base64 text is accepted: the decoder
 * ignores stray characters and the unused low bits of the last digit, so an edited signature text
 * could otherwise still decode to the valid signature.
 */
export function verifyValue(publicKey: KeyObject, value: unknown, signature: string): boolean {
  try {
    if (typeof signature !== 'string') return false;
    const bytes = Buffer.from(signature, 'base64');
    if (bytes.toString('base64') !== signature) return false;
    return verify(null, Buffer.from(canonicalJson(value)), publicKey, bytes);
  } catch {
    return false;
  }
}
