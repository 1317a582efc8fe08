import 'server-only';
import { getDb } from '../db/client';
import { fail, ok, validationError, type ActionResult } from '../api/result';
import { recordAudit } from '../audit/record';
import { createApiToken, listApiTokens, revokeApiToken, type ApiTokenJson } from './api-tokens';
import { actorOf, type Principal } from './principal';
import { apiTokenCreateSchema } from './schema';

export async function myApiTokens(principal: Principal): Promise<ApiTokenJson[]> {
  return listApiTokens(getDb(), principal.operatorId);
}

/** Creates a named token for the caller; `token` is shown this once and stored only hashed. */
export async function createMyApiToken(principal: Principal, input: unknown): Promise<ActionResult<{ token: string; apiToken: ApiTokenJson }>> {
  const parsed = apiTokenCreateSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  return getDb().transaction((tx) => {
    const created = createApiToken(tx, principal.operatorId, parsed.data.name);
    recordAudit(tx, actorOf(principal), { action: 'create', entityType: 'api_token', entityId: created.apiToken.id, entityLabel: `${principal.email}: ${created.apiToken.name}` });
    return ok(created);
  });
}

export async function revokeMyApiToken(principal: Principal, id: number): Promise<ActionResult<ApiTokenJson>> {
  return getDb().transaction((tx) => {
    const revoked = revokeApiToken(tx, principal.operatorId, id);
    if (!revoked) return fail('not_found', 'You have no such active token.');
    recordAudit(tx, actorOf(principal), { action: 'revoke', entityType: 'api_token', entityId: id, entityLabel: `${principal.email}: ${revoked.name}` });
    return ok(revoked);
  });
}
