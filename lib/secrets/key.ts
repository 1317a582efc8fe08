// 32-byte AES-256 keys: parsing from text, key ids, and the keyring that holds them.
import { createHash } from 'node:crypto';
import { SecretError, type SecretErrorCode } from './errors';

export const KEY_BYTES = 32;

/** The key new values are sealed with, and every key accepted for opening, by key id. */
export interface Keyring {
  current: { id: string; key: Buffer };
  all: ReadonlyMap<string, Buffer>;
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
/** 32 bytes in base64 or base64url: 43 characters, optionally one `=` of padding. */
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** Key id written into every sealed value: the first 8 hex characters of sha256(key). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Parses a key written as 64 hex characters or as base64/base64url. `source` names where the
 * text came from (a variable or a file) in the error; the text itself is never echoed.
 */
export function parseKey(text: string, source: string, code: SecretErrorCode = 'SECRET_KEY_INVALID'): Buffer {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, 'hex');
  // Node's base64 decoder also accepts the URL-safe alphabet.
  if (BASE64_KEY.test(trimmed)) return Buffer.from(trimmed, 'base64');
  throw new SecretError(
    code,
    `${source} must be a ${KEY_BYTES}-byte key written as 64 hex characters or base64 (generate one with \`openssl rand -hex 32\`)`,
  );
}

/** A keyring sealing with `current` and also opening values sealed with `previous`. */
export function createKeyring(current: Buffer, previous?: Buffer): Keyring {
  const id = keyId(current);
  const all = new Map<string, Buffer>();
  if (previous) all.set(keyId(previous), previous);
  all.set(id, current);
  return { current: { id, key: current }, all };
}
