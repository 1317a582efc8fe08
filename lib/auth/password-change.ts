import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { operators } from '../db/schema';
import { fail, ok, type ActionResult } from '../api/result';
import { recordAudit } from '../audit/record';
import { hashPassword, verifyPassword } from './password';
import { actorOf, type Principal } from './principal';
import { revokeOperatorSessions } from './sessions';

/** Changes the caller's own password after checking the current one; signs out their other sessions. */
export async function changePassword(db: Db, principal: Principal, input: { currentPassword: string; newPassword: string }): Promise<ActionResult<{ changed: true }>> {
  const op = db.select().from(operators).where(eq(operators.id, principal.operatorId)).get();
  if (!op || !(await verifyPassword(input.currentPassword, op.passwordHash))) {
    return fail('validation', 'Some fields are not valid.', { currentPassword: 'This is not your current password.' });
  }
  const passwordHash = await hashPassword(input.newPassword);
  db.transaction((tx) => {
    tx.update(operators).set({ passwordHash, updatedAt: Date.now() }).where(eq(operators.id, op.id)).run();
    revokeOperatorSessions(tx, op.id, principal.sessionId);
    recordAudit(tx, actorOf(principal), { action: 'update', entityType: 'operator', entityId: op.id, entityLabel: op.email, changes: { password: { before: 'set', after: 'changed' } } });
  });
  return ok({ changed: true });
}
