// Secrets at rest: AES-256-GCM with a 12-byte random IV and a 16-byte tag, stored as the
// self-describing text `enc:v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts). The
// `enc:v1:<keyId>` header is authenticated too (additional data). A value without the prefix
// is legacy clear text, passed through by openSecret until sealStoredSecrets converts it.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretError } from './errors';
import type { Keyring } from './key';

const PREFIX = 'enc:v1:';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** keyId : iv (12 bytes → 16 chars) : tag (16 bytes → 22 chars) : ciphertext (any length). */
const SEALED = /^enc:v1:([0-9a-f]{8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]*)$/;

/** Whether `stored` is a sealed value (as opposed to legacy clear text). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** The id of the key `stored` was sealed with, or null for clear text. */
export function sealedKeyId(stored: string): string | null {
  return isSealed(stored) ? stored.slice(PREFIX.length).split(':', 1)[0] : null;
}

/** Encrypts `plain` with the keyring's current key; every call uses a fresh random IV. */
export function sealSecret(plain: string, keyring: Keyring): string {
  const header = PREFIX + keyring.current.id;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, keyring.current.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(header, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [header, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
}

/**
 * The clear text of a stored value: decrypted when sealed, unchanged when legacy clear text.
 * Throws SecretError `SECRET_KEY_UNKNOWN` (no key with that id) or `SECRET_CORRUPT`
 * (malformed, or authentication failed).
 */
export function openSecret(stored: string, keyring: Keyring): string {
  if (!isSealed(stored)) return stored;
  const parts = SEALED.exec(stored);
  if (!parts) throw new SecretError('SECRET_CORRUPT', 'sealed secret is malformed');
  const [, id, iv, tag, ciphertext] = parts;
  const key = keyring.all.get(id);
  if (!key) throw new SecretError('SECRET_KEY_UNKNOWN', `secret was sealed with key ${id}, which is not configured (SECRET_KEY, SECRET_KEY_PREVIOUS or the generated key file)`);
  const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(PREFIX + id, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new SecretError('SECRET_CORRUPT', 'sealed secret failed authentication', { cause: err });
  }
}
