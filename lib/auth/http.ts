/** Setting and clearing the session cookie on route handler responses. */
import { errorResponse, json, resultResponse } from '../api/http';
import { fail, type ActionResult } from '../api/result';
import { crossOriginReason } from './csrf';
import { clearedSessionCookie, requestScheme, sessionCookie } from './cookies';
import type { NewSession } from './sessions';

/** https as the gate decided it (X-Forwarded-Proto is the gate's own verdict by now). */
const secure = (req: Request) => requestScheme(req.headers.get('x-forwarded-proto')) === 'https';

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

/**
 * Login CSRF: sign-in and setup carry no session yet, so a missing Origin (scripts) is allowed,
 * but a browser request from another site is refused. Null when the request may proceed.
 */
export function foreignOriginResponse(req: Request): Response | null {
  const origin = req.headers.get('origin');
  const reason = origin ? crossOriginReason({ method: 'POST', origin, host: req.headers.get('host'), scheme: requestScheme(req.headers.get('x-forwarded-proto')) }) : null;
  return reason ? errorResponse(fail('csrf', `Refused: ${reason}`).error) : null;
}

/** A result that may be a throttle refusal: 429 answers carry `Retry-After` (seconds). */
export function throttledResponse<T>(result: ActionResult<T> & { retryAfterMs?: number }, status = 200): Response {
  const res = resultResponse(result, status);
  if ('error' in result && result.retryAfterMs !== undefined) res.headers.set('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
  return res;
}
