import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { first } from '../db/conn';
import { operators } from '../db/schema';
import { fail, ok, type ActionResult } from '../api/result';
import { recordAudit } from '../audit/record';
import { hashPassword, verifyPassword } from './password';
import { throttledCheck } from './password-check';
import { actorOf, type Principal } from './principal';
import { revokeOperatorSessions } from './sessions';
import type { ThrottlePolicy } from './throttle';
import { revokeTokensAudited } from './token-revocation';

export type PasswordChangeInput = { currentPassword: string; newPassword: string; revokeTokens: boolean };

/**
 * Changes the caller's own password after checking the current one (under the sign-in throttle);
 * signs out their other sessions and, unless `revokeTokens` is false, revokes their API tokens.
 */
export async function changePassword(
  db: Db,
  principal: Principal,
  input: PasswordChangeInput,
  client: { ip: string | null; policy: ThrottlePolicy },
): Promise<ActionResult<{ changed: true; tokensRevoked: number }> & { retryAfterMs?: number }> {
  const op = await first(db.select().from(operators).where(eq(operators.id, principal.operatorId)));
  if (!op) return fail('unauthorized', 'Sign in first.');
  const checked = await throttledCheck(db, { email: op.email, ip: client.ip }, client.policy, () => verifyPassword(input.currentPassword, op.passwordHash));
  if ('error' in checked) return checked;
  if (!checked.passed) return fail('validation', 'Some fields are not valid.', { currentPassword: 'This is not your current password.' });
  const passwordHash = await hashPassword(input.newPassword);
  const tokensRevoked = await db.transaction(async (tx) => {
    await tx.update(operators).set({ passwordHash, updatedAt: Date.now() }).where(eq(operators.id, op.id));
    await revokeOperatorSessions(tx, op.id, principal.sessionId);
    const actor = actorOf(principal);
    await recordAudit(tx, actor, { action: 'update', entityType: 'operator', entityId: op.id, entityLabel: op.email, changes: { password: { before: 'set', after: 'changed' } } });
    return input.revokeTokens ? await revokeTokensAudited(tx, actor, op, 'password changed') : 0;
  });
  return ok({ changed: true, tokensRevoked });
}
