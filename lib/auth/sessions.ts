/**
 * Server-side sessions: the browser holds a random token, the database its SHA-256 with the
 * operator, an idle expiry (sliding) and an absolute one. Logout deletes the row.
 */
import { and, eq, lt, ne } from 'drizzle-orm';
import { first, type Conn } from '../db/conn';
import { sessions } from '../db/schema';
import { newSecretToken, tokenHash } from './secret-token';

export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 60 * 60 * 1000;
/** lastSeenAt is written at most this often (no write per request). */
const TOUCH_EVERY_MS = 60 * 1000;

export type NewSession = { token: string; id: string; expiresAt: number };

export async function createSession(
  db: Conn,
  operatorId: number,
  meta: { ip?: string | null; userAgent?: string | null } = {},
  now = Date.now(),
): Promise<NewSession> {
  const token = newSecretToken('ddr_s_');
  const id = tokenHash(token);
  const expiresAt = now + SESSION_IDLE_MS;
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
  await db
    .insert(sessions)
    .values({ id, operatorId, createdAt: now, lastSeenAt: now, expiresAt, ip: meta.ip ?? null, userAgent: meta.userAgent?.slice(0, 300) ?? null });
  return { token, id, expiresAt };
}

/** The operator id of a live session (extending its idle expiry), or null when unknown/expired. */
export async function resolveSession(db: Conn, token: string, now = Date.now()): Promise<{ id: string; operatorId: number } | null> {
  const id = tokenHash(token);
  const row = await first(db.select().from(sessions).where(eq(sessions.id, id)));
  if (!row) return null;
  if (row.expiresAt <= now || row.createdAt + SESSION_ABSOLUTE_MS <= now) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return null;
  }
  if (now - row.lastSeenAt >= TOUCH_EVERY_MS) {
    const expiresAt = Math.min(now + SESSION_IDLE_MS, row.createdAt + SESSION_ABSOLUTE_MS);
    await db.update(sessions).set({ lastSeenAt: now, expiresAt }).where(eq(sessions.id, id));
  }
  return { id, operatorId: row.operatorId };
}

export async function revokeSession(db: Conn, id: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, id));
}

/** Signs an operator out everywhere (password change, role change, disable), except `keepId`. */
export async function revokeOperatorSessions(db: Conn, operatorId: number, keepId?: string): Promise<void> {
  await db.delete(sessions).where(and(eq(sessions.operatorId, operatorId), keepId === undefined ? undefined : ne(sessions.id, keepId)));
}
