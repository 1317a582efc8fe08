/**
 * The custom server's gate, in front of Next.js and of the endpoints server.ts serves itself
 * (/api/events, /metrics): security headers on every response, then the access policy
 * (lib/auth/policy.ts) — sign-in (or first-run setup), role, and Origin of cookie writes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '../db/client';
import { authenticate } from '../auth/authenticate';
import { isHttps } from '../auth/cookies';
import { crossOriginReason } from '../auth/csrf';
import { isApiPath, requiredAccess } from '../auth/policy';
import type { Principal } from '../auth/principal';
import { CLIENT_IP_HEADER } from '../auth/request';
import { atLeast } from '../auth/roles';
import { setupNeeded } from '../auth/setup';
import { clientAddress } from './client-address';
import { contentSecurityPolicy, newNonce, securityHeaders } from './security-headers';

export type GateResult = { pass: true; principal: Principal | null } | { pass: false };

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function sendJson(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): GateResult {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra });
  res.end(JSON.stringify({ error: { code, message } }));
  return { pass: false };
}

function redirect(res: ServerResponse, location: string): GateResult {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
  return { pass: false };
}

function forbiddenPage(res: ServerResponse, role: string, needed: string): GateResult {
  res.writeHead(403, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not allowed</title></head><body>` +
      `<main><h1>Not allowed</h1><p>This page needs the ${needed} role; you are signed in as ${role}.</p><p><a href="/">Back to the dashboard</a></p></main></body></html>`,
  );
  return { pass: false };
}

/** Sets the headers, then decides; when it does not pass, the response has been sent. */
export function gate(db: Db, req: IncomingMessage, res: ServerResponse, opts: { dev: boolean; trustedProxies: Set<string> }): GateResult {
  const { dev, trustedProxies } = opts;
  const url = new URL(req.url ?? '/', 'http://portal');
  const path = url.pathname;
  const https = isHttps('http:', header(req, 'x-forwarded-proto'));

  const csp = contentSecurityPolicy(newNonce(), dev);
  for (const [name, value] of Object.entries(securityHeaders(csp, https))) res.setHeader(name, value);
  req.headers['content-security-policy'] = csp;
  req.headers[CLIENT_IP_HEADER] = clientAddress(req.socket.remoteAddress, header(req, 'x-forwarded-for'), trustedProxies);

  // The portal uses no server actions: refuse their endpoint outright.
  if (req.headers['next-action'] !== undefined) return sendJson(res, 403, 'forbidden', 'Server actions are not accepted.');

  const access = requiredAccess(req.method ?? 'GET', path);
  if (access === 'public') {
    if (path === '/login' && setupNeeded(db)) return redirect(res, '/setup');
    if (path === '/setup' && !setupNeeded(db)) return redirect(res, '/login');
    return { pass: true, principal: null };
  }

  const principal = authenticate(db, { cookie: header(req, 'cookie'), authorization: header(req, 'authorization') });
  const api = isApiPath(path);
  if (!principal) {
    if (api) return sendJson(res, 401, 'unauthorized', 'Sign in first (session cookie or Authorization: Bearer token).', { 'www-authenticate': 'Bearer' });
    if (setupNeeded(db)) return redirect(res, '/setup');
    return redirect(res, `/login?next=${encodeURIComponent(path + url.search)}`);
  }
  if (!atLeast(principal.role, access)) {
    if (api) return sendJson(res, 403, 'forbidden', `This needs the ${access} role; you are ${principal.role}.`);
    return forbiddenPage(res, principal.role, access);
  }
  if (principal.via === 'session') {
    const reason = crossOriginReason({ method: req.method ?? 'GET', origin: header(req, 'origin'), host: header(req, 'host'), secFetchSite: header(req, 'sec-fetch-site') });
    if (reason) return sendJson(res, 403, 'csrf', `Refused: ${reason}`);
  }
  return { pass: true, principal };
}
