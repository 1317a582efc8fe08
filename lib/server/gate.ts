/**
 * The custom server's gate, in front of Next.js and of the endpoints server.ts serves itself
 * (/api/events, /metrics): security headers on every response, the Host (DNS rebinding: only
 * allowed hosts, else 421), then the access policy (lib/auth/policy.ts) — sign-in (or first-run
 * setup), role, and Origin (scheme and host) of cookie writes.
 *
 * It also fixes what Next.js reads further on: `x-portal-client-ip` and `x-forwarded-proto` are
 * replaced by its own verdicts (X-Forwarded-* is believed only from a TRUST_PROXY peer), and
 * `x-request-id` by the request's id (request-id.ts), which every response echoes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '../db/client';
import { authenticate } from '../auth/authenticate';
import { isHttps, sessionToken } from '../auth/cookies';
import { crossOriginReason } from '../auth/csrf';
import { isApiPath, requiredAccess } from '../auth/policy';
import type { Principal } from '../auth/principal';
import { CLIENT_IP_HEADER, RECEIVED_AT_HEADER } from '../auth/request';
import { atLeast } from '../auth/roles';
import { setupNeeded } from '../auth/setup';
import type { HostCheck } from './allowed-hosts';
import { clientAddress, isTrustedPeer } from './client-address';
import { metricsAllowed, type MetricsAccess } from './metrics-access';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';
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

export type GateOptions = {
  dev: boolean;
  trustedProxies: Set<string>;
  /** Whether a Host header names this portal (allowed-hosts.ts); absent: any host (unit tests). */
  hostAllowed?: HostCheck;
  /** Who may read /metrics besides what the policy says (METRICS_ACCESS). */
  metricsAccess?: MetricsAccess;
};

/** Sets the headers, then decides; when it does not pass, the response has been sent. */
export async function gate(db: Db, req: IncomingMessage, res: ServerResponse, opts: GateOptions): Promise<GateResult> {
  const receivedAt = Date.now();
  const { dev, trustedProxies } = opts;
  const url = new URL(req.url ?? '/', 'http://portal');
  const path = url.pathname;
  const fromProxy = isTrustedPeer(req.socket.remoteAddress, trustedProxies);
  const https = 'encrypted' in req.socket || (fromProxy && isHttps('http:', header(req, 'x-forwarded-proto')));

  const requestId = requestIdFor(header(req, REQUEST_ID_HEADER), fromProxy);
  req.headers[REQUEST_ID_HEADER] = requestId;
  res.setHeader(REQUEST_ID_HEADER, requestId);
  const csp = contentSecurityPolicy(newNonce(), dev);
  for (const [name, value] of Object.entries(securityHeaders(csp, https))) res.setHeader(name, value);
  req.headers['content-security-policy'] = csp;
  // Any incoming value is replaced: the sign-in throttle judges an attempt by when it arrived.
  req.headers[RECEIVED_AT_HEADER] = String(receivedAt);
  req.headers[CLIENT_IP_HEADER] = clientAddress(req.socket.remoteAddress, header(req, 'x-forwarded-for'), trustedProxies);
  req.headers['x-forwarded-proto'] = https ? 'https' : 'http';
  if (!fromProxy) delete req.headers['x-forwarded-host'];

  // DNS rebinding: a name the portal was not configured for is refused before anything else.
  if (opts.hostAllowed && !opts.hostAllowed(header(req, 'host'))) {
    return sendJson(res, 421, 'misdirected', 'This portal does not answer to that host name: add it to ALLOWED_HOSTS if it is yours.');
  }
  // The portal uses no server actions: refuse their endpoint outright.
  if (req.headers['next-action'] !== undefined) return sendJson(res, 403, 'forbidden', 'Server actions are not accepted.');
  // Nothing uses the image optimizer (images.unoptimized): it must not fetch pages for anyone.
  if (path === '/_next/image' || path.startsWith('/_next/image/')) return sendJson(res, 404, 'not_found', 'Not found.');
  // Two session cookies of the same name: which one a parser keeps differs (first, last), so refuse.
  if (sessionToken(header(req, 'cookie'), https) === 'ambiguous') {
    return sendJson(res, 400, 'ambiguous_session', 'The request carries the session cookie more than once: clear this site\'s cookies and sign in again.');
  }

  const access = requiredAccess(req.method ?? 'GET', path);
  if (access === 'public') {
    if (path === '/login' && (await setupNeeded(db))) return redirect(res, '/setup');
    if (path === '/setup' && !(await setupNeeded(db))) return redirect(res, '/login');
    return { pass: true, principal: null };
  }

  const principal = await authenticate(db, { cookie: header(req, 'cookie'), authorization: header(req, 'authorization'), secure: https });
  const api = isApiPath(path);
  if (!principal) {
    if (api) return sendJson(res, 401, 'unauthorized', 'Sign in first (session cookie or Authorization: Bearer token).', { 'www-authenticate': 'Bearer' });
    if (await setupNeeded(db)) return redirect(res, '/setup');
    return redirect(res, `/login?next=${encodeURIComponent(path + url.search)}`);
  }
  // /metrics: the policy says admin; METRICS_ACCESS may open it to API tokens or any role.
  const allowed = path === '/metrics' ? metricsAllowed(principal, opts.metricsAccess ?? 'admin') : atLeast(principal.role, access);
  if (!allowed) {
    const needed = path === '/metrics' && opts.metricsAccess === 'token' ? 'an API token or the admin' : `the ${access}`;
    if (api) return sendJson(res, 403, 'forbidden', `This needs ${needed} role; you are ${principal.role}.`);
    return forbiddenPage(res, principal.role, access);
  }
  if (principal.via === 'session') {
    const reason = crossOriginReason({ method: req.method ?? 'GET', origin: header(req, 'origin'), host: header(req, 'host'), scheme: https ? 'https' : 'http', secFetchSite: header(req, 'sec-fetch-site') });
    if (reason) return sendJson(res, 403, 'csrf', `Refused: ${reason}`);
  }
  return { pass: true, principal };
}
