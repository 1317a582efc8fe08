import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes, base64url, with a readable prefix (`ddr_s_` sessions, `ddr_t_` API tokens). */
export function newSecretToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** What is stored instead of a session or API token: its SHA-256, hex. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
