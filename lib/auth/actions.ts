import 'server-only';
import { getDb } from '../db/client';
import { env } from '../env';
import { fail, guarded, ok, validationError, type ActionResult } from '../api/result';
import { login, type LoginOutcome } from './login';
import { changePassword } from './password-change';
import type { Principal } from './principal';
import { loginSchema, passwordChangeSchema, setupSchema } from './schema';
import { createFirstAdmin } from './setup';
import { createSession, revokeSession, type NewSession } from './sessions';
import { throttlePolicy } from './throttle-policy';
import type { OperatorJson } from './operators';

type Client = { ip: string | null; userAgent: string | null };

/** Sign-in from untrusted input; `retryAfterMs` accompanies `throttled` / `locked`. */
export async function signIn(input: unknown, client: Client): Promise<ActionResult<LoginOutcome> & { retryAfterMs?: number }> {
  const parsed = loginSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  return login(getDb(), { ...parsed.data, ...client }, throttlePolicy(env()));
}

/** Revokes the caller's session (a token-authenticated call has none to revoke). */
export async function signOut(principal: Principal): Promise<void> {
  if (principal.sessionId) revokeSession(getDb(), principal.sessionId);
}

/** First-run setup: creates the first admin and signs them in. */
export async function setUp(input: unknown, client: Client): Promise<ActionResult<{ operator: OperatorJson; session: NewSession }>> {
  const parsed = setupSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  const db = getDb();
  const created = await createFirstAdmin(db, parsed.data);
  if ('error' in created) return created;
  return guarded('setUp', () => ok({ operator: created.data, session: createSession(db, created.data.id, client) }));
}

/** Your own password change (see password-change.ts); `ip` is the caller's, for the throttle. */
export async function changeOwnPassword(principal: Principal, input: unknown, ip: string | null): Promise<ActionResult<{ changed: true; tokensRevoked: number }> & { retryAfterMs?: number }> {
  const parsed = passwordChangeSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  if (parsed.data.currentPassword === parsed.data.newPassword) return fail('validation', 'Some fields are not valid.', { newPassword: 'Choose a password different from the current one.' });
  return changePassword(getDb(), principal, parsed.data, { ip, policy: throttlePolicy(env()) });
}
