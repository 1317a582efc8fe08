/**
 * Named API tokens (`Authorization: Bearer ddr_t_…`): shown once at creation, stored as SHA-256,
 * revocable, acting with the role their operator has at the time of use.
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import { first, type Conn } from '../db/conn';
import { apiTokens } from '../db/schema';
import { newSecretToken, tokenHash } from './secret-token';

export const TOKEN_PREFIX = 'ddr_t_';
const LAST_USED_EVERY_MS = 60 * 1000;

export type ApiTokenJson = { id: number; name: string; prefix: string; createdAt: number; lastUsedAt: number | null; revokedAt: number | null };

const publicColumns = {
  id: apiTokens.id,
  name: apiTokens.name,
  prefix: apiTokens.prefix,
  createdAt: apiTokens.createdAt,
  lastUsedAt: apiTokens.lastUsedAt,
  revokedAt: apiTokens.revokedAt,
};

/** Creates a token for `operatorId`; the clear token is in the result and nowhere else. */
export async function createApiToken(db: Conn, operatorId: number, name: string): Promise<{ token: string; apiToken: ApiTokenJson }> {
  const token = newSecretToken(TOKEN_PREFIX);
  const [row] = await db
    .insert(apiTokens)
    .values({ operatorId, name, tokenHash: tokenHash(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) })
    .returning(publicColumns);
  return { token, apiToken: row! };
}

export async function listApiTokens(db: Conn, operatorId: number): Promise<ApiTokenJson[]> {
  return await db.select(publicColumns).from(apiTokens).where(eq(apiTokens.operatorId, operatorId)).orderBy(desc(apiTokens.id));
}

/** Revokes one of `operatorId`'s tokens; null when it has no such live token. */
export async function revokeApiToken(db: Conn, operatorId: number, id: number, now = Date.now()): Promise<ApiTokenJson | null> {
  return (
    (await first(
      db
        .update(apiTokens)
        .set({ revokedAt: now })
        .where(and(eq(apiTokens.id, id), eq(apiTokens.operatorId, operatorId), isNull(apiTokens.revokedAt)))
        .returning(publicColumns),
    )) ?? null
  );
}

/** The token's id, name and operator when it is live (not revoked), else null. */
export async function resolveApiToken(db: Conn, token: string, now = Date.now()): Promise<{ id: number; name: string; operatorId: number } | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await first(db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash(token))));
  if (!row || row.revokedAt !== null) return null;
  if (row.lastUsedAt === null || now - row.lastUsedAt >= LAST_USED_EVERY_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
  }
  return { id: row.id, name: row.name, operatorId: row.operatorId };
}

/** Revokes every live token of `operatorId` (password change or reset, disable); returns them. */
export async function revokeOperatorApiTokens(db: Conn, operatorId: number, now = Date.now()): Promise<ApiTokenJson[]> {
  return await db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.operatorId, operatorId), isNull(apiTokens.revokedAt)))
    .returning(publicColumns);
}
