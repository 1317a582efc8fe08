import 'server-only';
import { getDb } from '../db/client';
import { env } from '../env';
import { fail, guarded, ok, validationError, type ActionResult } from '../api/result';
import { login, type LoginOutcome } from './login';
import { changePassword } from './password-change';
import type { Principal } from './principal';
import { loginSchema, passwordChangeSchema, setupSchema } from './schema';
import { createFirstAdmin, setupNeeded } from './setup';
import { checkSetupToken, spendSetupToken } from './setup-token';
import { createSession, revokeSession, type NewSession } from './sessions';
import { throttlePolicy } from './throttle-policy';
import type { OperatorJson } from './operators';

type Client = { ip: string | null; userAgent: string | null; receivedAt?: number };

/** Sign-in from untrusted input; `retryAfterMs` accompanies `throttled` / `locked`. */
export async function signIn(input: unknown, client: Client): Promise<ActionResult<LoginOutcome> & { retryAfterMs?: number }> {
  const parsed = loginSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  const { receivedAt, ...who } = client;
  return login(getDb(), { ...parsed.data, ...who }, throttlePolicy(env()), receivedAt);
}

/** Revokes the caller's session (a token-authenticated call has none to revoke). */
export async function signOut(principal: Principal): Promise<void> {
  if (principal.sessionId) await revokeSession(getDb(), principal.sessionId);
}

/**
 * First-run setup: creates the first admin and signs them in. Needs the one-time setup token the
 * server printed in its log (403 `setup_token` without it), checked before anything else is said.
 */
export async function setUp(input: unknown, client: Client): Promise<ActionResult<{ operator: OperatorJson; session: NewSession }>> {
  const db = getDb();
  if (!(await setupNeeded(db))) return fail('setup_done', 'The portal is already set up: sign in instead.');
  const token = typeof input === 'object' && input !== null ? (input as { setupToken?: unknown }).setupToken : undefined;
  if (!checkSetupToken(typeof token === 'string' ? token : null)) {
    return fail('setup_token', 'A valid setup token is required: the server printed it in its log at start (with the setup URL). Restart the portal for a new one.');
  }
  const parsed = setupSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  const { setupToken: _token, ...firstAdmin } = parsed.data;
  const created = await createFirstAdmin(db, firstAdmin);
  if ('error' in created) return created;
  spendSetupToken();
  return guarded('setUp', async () => ok({ operator: created.data, session: await createSession(db, created.data.id, client) }));
}

/** Your own password change (see password-change.ts); `ip` is the caller's, for the throttle. */
export async function changeOwnPassword(principal: Principal, input: unknown, ip: string | null): Promise<ActionResult<{ changed: true; tokensRevoked: number }> & { retryAfterMs?: number }> {
  const parsed = passwordChangeSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  if (parsed.data.currentPassword === parsed.data.newPassword) return fail('validation', 'Some fields are not valid.', { newPassword: 'Choose a password different from the current one.' });
  return changePassword(getDb(), principal, parsed.data, { ip, policy: throttlePolicy(env()) });
}
