/** Setting and clearing the session cookie on route handler responses. */
import { json } from '../api/http';
import { clearedSessionCookie, isHttps, sessionCookie } from './cookies';
import type { NewSession } from './sessions';

const secure = (req: Request) => isHttps(req.url, req.headers.get('x-forwarded-proto'));

export function withSession(req: Request, body: unknown, session: NewSession, status = 200): Response {
  const res = json(body, status);
  res.headers.append('set-cookie', sessionCookie(session.token, Math.floor((session.expiresAt - Date.now()) / 1000), secure(req)));
  return res;
}

export function withoutSession(req: Request, body: unknown): Response {
  const res = json(body);
  res.headers.append('set-cookie', clearedSessionCookie(secure(req)));
  return res;
}
