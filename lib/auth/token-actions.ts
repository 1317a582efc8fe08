import 'server-only';
import { eq } from 'drizzle-orm';
import { getDb } from '../db/client';
import { first } from '../db/conn';
import { operators } from '../db/schema';
import { env } from '../env';
import { fail, ok, validationError, type ActionResult } from '../api/result';
import { recordAudit } from '../audit/record';
import { createApiToken, listApiTokens, revokeApiToken, type ApiTokenJson } from './api-tokens';
import { verifyPassword } from './password';
import { throttledCheck } from './password-check';
import { actorOf, type Principal } from './principal';
import { apiTokenCreateSchema } from './schema';
import { getOperator } from './operators';
import { throttlePolicy } from './throttle-policy';

const WRONG_PASSWORD = 'This is not your current password.';

export async function myApiTokens(principal: Principal): Promise<ApiTokenJson[]> {
  return listApiTokens(getDb(), principal.operatorId);
}

/**
 * Creates a named token for the caller once `currentPassword` is checked (under the sign-in
 * throttle: a wrong one counts as a failed sign-in for the account); `token` is shown this once
 * and stored only hashed. 403 `wrong_password`, 429 `throttled`/`locked` (with `retryAfterMs`).
 */
export async function createMyApiToken(
  principal: Principal,
  input: unknown,
  ip: string | null,
): Promise<ActionResult<{ token: string; apiToken: ApiTokenJson }> & { retryAfterMs?: number }> {
  const parsed = apiTokenCreateSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  const db = getDb();
  const op = await first(db.select().from(operators).where(eq(operators.id, principal.operatorId)));
  if (!op) return fail('unauthorized', 'Sign in first.');
  const checked = await throttledCheck(db, { email: op.email, ip }, throttlePolicy(env()), () => verifyPassword(parsed.data.currentPassword, op.passwordHash));
  if ('error' in checked) return checked;
  if (!checked.passed) return fail('wrong_password', WRONG_PASSWORD, { currentPassword: WRONG_PASSWORD });
  return db.transaction(async (tx) => {
    const created = await createApiToken(tx, principal.operatorId, parsed.data.name);
    await recordAudit(tx, actorOf(principal), { action: 'create', entityType: 'api_token', entityId: created.apiToken.id, entityLabel: `${principal.email}: ${created.apiToken.name}` });
    return ok(created);
  });
}

export async function revokeMyApiToken(principal: Principal, id: number): Promise<ActionResult<ApiTokenJson>> {
  return getDb().transaction(async (tx) => {
    const revoked = await revokeApiToken(tx, principal.operatorId, id);
    if (!revoked) return fail('not_found', 'You have no such active token.');
    await recordAudit(tx, actorOf(principal), { action: 'revoke', entityType: 'api_token', entityId: id, entityLabel: `${principal.email}: ${revoked.name}` });
    return ok(revoked);
  });
}

const noOperator = (id: number) => fail('not_found', `Operator #${id} does not exist.`);

/** An admin's view of any operator's tokens (never the token values). */
export async function operatorApiTokens(operatorId: number): Promise<ActionResult<{ items: ApiTokenJson[] }>> {
  const db = getDb();
  if (!(await getOperator(db, operatorId))) return noOperator(operatorId);
  return ok({ items: await listApiTokens(db, operatorId) });
}

/** An admin revokes one of any operator's tokens (audited). */
export async function revokeOperatorApiToken(principal: Principal, operatorId: number, id: number): Promise<ActionResult<ApiTokenJson>> {
  return getDb().transaction(async (tx) => {
    const owner = await getOperator(tx, operatorId);
    if (!owner) return noOperator(operatorId);
    const revoked = await revokeApiToken(tx, operatorId, id);
    if (!revoked) return fail('not_found', `${owner.email} has no such active token.`);
    await recordAudit(tx, actorOf(principal), { action: 'revoke', entityType: 'api_token', entityId: id, entityLabel: `${owner.email}: ${revoked.name}` });
    return ok(revoked);
  });
}
