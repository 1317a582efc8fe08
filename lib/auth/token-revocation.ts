/**
 * Revoking all of an operator's API tokens when their account is recovered (own password change,
 * admin password reset) or disabled: a token minted from a stolen session must not outlive it.
 * Each revoked token gets its audit entry, in the caller's transaction.
 */
import type { Conn } from '../db/conn';
import { recordAudit } from '../audit/record';
import { revokeOperatorApiTokens } from './api-tokens';
import type { Actor } from './principal';

export async function revokeTokensAudited(tx: Conn, actor: Actor, operator: { id: number; email: string }, reason: string): Promise<number> {
  const revoked = await revokeOperatorApiTokens(tx, operator.id);
  for (const t of revoked) {
    await recordAudit(tx, actor, {
      action: 'revoke',
      entityType: 'api_token',
      entityId: t.id,
      entityLabel: `${operator.email}: ${t.name}`,
      changes: { revoked: { before: null, after: reason } },
    });
  }
  return revoked.length;
}
