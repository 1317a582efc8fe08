/**
 * The one-time setup token: while no operator exists (and ADMIN_EMAIL / ADMIN_PASSWORD did not
 * create one), the server generates it at start and prints it in its log with the setup URL;
 * POST /api/auth/setup needs it, so whoever reaches the fresh portal first over the network (a
 * DNS-rebinding page, another user of the machine) cannot claim it without reading the log.
 *
 * Kept on globalThis: the custom server (esbuild bundle) and the route handlers (Next.js bundles)
 * run in one process but load this module separately.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const holder = globalThis as typeof globalThis & { __portalSetupToken?: string | null };

/** Generates (replacing any earlier one) and returns the setup token. */
export function issueSetupToken(): string {
  holder.__portalSetupToken = randomBytes(24).toString('base64url');
  return holder.__portalSetupToken;
}

/** True when `candidate` is the current setup token (constant time). Without a token issued, nothing is. */
export function checkSetupToken(candidate: string | null | undefined): boolean {
  const expected = holder.__portalSetupToken;
  if (!expected || typeof candidate !== 'string' || candidate.length === 0) return false;
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(candidate.trim()), digest(expected));
}

/** Setup done: the token is spent. */
export function spendSetupToken(): void {
  holder.__portalSetupToken = null;
}
