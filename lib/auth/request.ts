/**
 * Authorization inside route handlers (the custom server's gate checked the same already; route
 * handlers are public endpoints and check again): the policy for the request's method and path,
 * the caller's credentials, and the Origin of cookie-authenticated writes.
 */
import { getDb } from '../db/client';
import { fail, type ApiError } from '../api/result';
import { atLeast } from './roles';
import { authenticate } from './authenticate';
import { requestScheme } from './cookies';
import { crossOriginReason } from './csrf';
import { requiredAccess } from './policy';
import type { Principal } from './principal';

/** Set by the custom server from the socket (any incoming value is dropped first). */
export const CLIENT_IP_HEADER = 'x-portal-client-ip';
/** Set by the custom server: when the request arrived (epoch ms), before it waited for anything. */
export const RECEIVED_AT_HEADER = 'x-portal-received-at';

export type Authorization = { ok: true; principal: Principal } | { ok: false; error: ApiError };

export async function authorizeRequest(req: Request): Promise<Authorization> {
  const url = new URL(req.url);
  const access = requiredAccess(req.method, url.pathname);
  const scheme = requestScheme(req.headers.get('x-forwarded-proto'));
  const principal = await authenticate(getDb(), { cookie: req.headers.get('cookie'), authorization: req.headers.get('authorization'), secure: scheme === 'https' });
  if (!principal) return { ok: false, error: fail('unauthorized', 'Sign in first (session cookie or Authorization: Bearer token).').error };
  const needed = access === 'public' ? 'viewer' : access;
  if (!atLeast(principal.role, needed)) return { ok: false, error: fail('forbidden', `This needs the ${needed} role; you are ${principal.role}.`).error };
  if (principal.via === 'session') {
    const reason = crossOriginReason({ method: req.method, origin: req.headers.get('origin'), host: req.headers.get('host'), scheme, secFetchSite: req.headers.get('sec-fetch-site') });
    if (reason) return { ok: false, error: fail('csrf', `Refused: ${reason}`).error };
  }
  return { ok: true, principal };
}

export function clientIp(req: Request): string | null {
  return req.headers.get(CLIENT_IP_HEADER);
}

/** When the custom server received the request (now when it did not say: tests calling handlers directly). */
export function receivedAt(req: Request): number {
  const at = Number(req.headers.get(RECEIVED_AT_HEADER));
  return Number.isSafeInteger(at) && at > 0 && at <= Date.now() ? at : Date.now();
}
