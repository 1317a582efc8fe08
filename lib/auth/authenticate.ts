/**
 * Who is calling: a session cookie or an `Authorization: Bearer` API token, resolved against the
 * database. Shared by the custom server's gate and the route handlers (web Headers or node's).
 */
import { eq } from 'drizzle-orm';
import { first, type Conn } from '../db/conn';
import { operators } from '../db/schema';
import { resolveApiToken } from './api-tokens';
import { sessionToken as sessionTokenOf } from './cookies';
import type { Principal } from './principal';
import { resolveSession } from './sessions';

/** `secure`: the request came over https, so its session cookie is `__Host-ddr_session` (cookies.ts). */
export type Credentials = { cookie: string | null | undefined; authorization: string | null | undefined; secure: boolean };

function bearer(authorization: string | null | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m ? m[1]! : null;
}

async function operatorPrincipal(
  db: Conn,
  operatorId: number,
  via: Pick<Principal, 'via' | 'sessionId' | 'tokenId' | 'tokenName'>,
): Promise<Principal | null> {
  const op = await first(db.select().from(operators).where(eq(operators.id, operatorId)));
  if (!op || op.disabled) return null;
  return { operatorId: op.id, email: op.email, name: op.name, role: op.role, ...via };
}

/** The principal behind the credentials, or null. A bearer token, when present, wins over the cookie. */
export async function authenticate(db: Conn, creds: Credentials): Promise<Principal | null> {
  const token = bearer(creds.authorization);
  if (token) {
    const t = await resolveApiToken(db, token);
    return t ? operatorPrincipal(db, t.operatorId, { via: 'token', tokenId: t.id, tokenName: t.name }) : null;
  }
  const sessionToken = sessionTokenOf(creds.cookie, creds.secure);
  // A duplicated session cookie is ambiguous: nobody (the gate answers 400 before this).
  if (!sessionToken || sessionToken === 'ambiguous') return null;
  const s = await resolveSession(db, sessionToken);
  return s ? operatorPrincipal(db, s.operatorId, { via: 'session', sessionId: s.id }) : null;
}
