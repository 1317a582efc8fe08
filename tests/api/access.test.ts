/**
 * Access to every endpoint and page, enumerated from the file system (app-routes.ts) so a new one
 * cannot slip past: 401 / sign-in redirect without credentials, 403 for a role below what
 * lib/auth/policy.ts requires, CSRF on cookie writes, security headers.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { requiredAccess, type Access } from '../../lib/auth/policy';
import { atLeast, type Role } from '../../lib/auth/roles';
import { signIn, TEST_ADMIN } from '../portal-process';
import { apiEndpoints, fillIds, isWrite, pageModules, pagePaths, type Endpoint } from './app-routes';
import { businessChecksum } from './db-checksum';
import { createOperator } from './extra-operators';
import { rawRequest } from './raw-request';
import { useServer, type ApiAuth } from './server';

const server = useServer();

/** The issue's list: the only endpoints and pages open without sign-in. */
const PUBLIC_ENDPOINTS = new Set(['GET /api/health', 'POST /api/auth/login', 'GET /api/auth/setup', 'POST /api/auth/setup']);
const PUBLIC_PAGES = new Set(['/login', '/setup']);

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** The issue's roles, written out independently of lib/auth/policy.ts. */
function issueAccess(method: string, path: string, page: boolean): Access {
  if (page ? PUBLIC_PAGES.has(path) : PUBLIC_ENDPOINTS.has(`${method} ${path}`)) return 'public';
  if (under(path, '/api/operators') || under(path, '/operators')) return 'admin';
  // Issue 15: notification channels (and the Settings pages holding them) are managed by admins.
  if (under(path, '/api/notification-channels') || under(path, '/settings')) return 'admin';
  // METRICS_ACCESS defaults to admin (the Node version and engine internals are not for every viewer)
  if (path === '/metrics') return 'admin';
  if (under(path, '/api/tokens') || (method === 'POST' && (path === '/api/auth/logout' || path === '/api/auth/password'))) return 'viewer';
  if (isWrite(method)) return 'editor';
  // Pages that only write: create, edit, and the bulk import (issue 12 item 6: the permission of creating registrations).
  if (page && /\/(new|edit)$|^\/registrations\/import$/.test(path)) return 'editor';
  return 'viewer';
}

const endpoints = apiEndpoints();
const pages = pagePaths();
const key = (e: Endpoint) => `${e.method} ${e.path}`;

/** Admin-only endpoints besides /metrics: operators and notification channels. */
const adminOnly = (path: string) => under(path, '/api/operators') || under(path, '/api/notification-channels');

/** Ids that exist, by the collection segment before `[id]` (set up in `before`). */
const ids: Record<string, number> = {};
const idFor = (collection: string) => ids[collection] ?? 1;
/** A write goes to an id that does not exist, so an allowed one changes nothing. */
const MISSING_ID = 999_999;

const operators = {} as Record<Role, { id: number; email: string; password: string; session: string }>;

async function freshSession(role: Role): Promise<string> {
  const session = await signIn(server.baseUrl, operators[role].email, operators[role].password);
  server.ledger.secret(session, `${role} session`);
  return session;
}

type Answer = { status: number; code?: string; contentType: string | null };

/** The first chunk of an event stream (its snapshot), or '' when none comes within a second. */
async function firstChunk(res: Response): Promise<string> {
  const timeout = new Promise<string>((r) => setTimeout(() => r(''), 1000));
  const chunk = res.body!.getReader().read().then(({ value }) => new TextDecoder().decode(value));
  return Promise.race([chunk, timeout]);
}

/** One call; the event stream is aborted after its first chunk (kept for the leak scan). */
async function call(method: string, path: string, auth: ApiAuth): Promise<Answer> {
  if (path === '/api/events') {
    const abort = new AbortController();
    const headers: Record<string, string> = typeof auth === 'object' && 'session' in auth ? { cookie: `ddr_session=${auth.session}` } : {};
    const res = await fetch(server.baseUrl + path, { method, headers, signal: abort.signal });
    const answer: Answer = { status: res.status, contentType: res.headers.get('content-type') };
    if (res.status === 200) server.ledger.response(`${method} ${path} → 200`, await firstChunk(res));
    else answer.code = ((await res.json()) as { error: { code: string } }).error.code;
    abort.abort();
    return answer;
  }
  const res = await server.api(path, { method, auth, ...(isWrite(method) ? { json: {} } : {}) });
  return { status: res.status, code: res.body?.error?.code, contentType: res.headers.get('content-type') };
}

before(async () => {
  await server.ready();
  const provider = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'Access Carrier', ddis: ['+34910000001'] } });
  assert.equal(provider.status, 201, provider.text);
  const registration = await server.api('/api/registrations', {
    method: 'POST',
    json: { ddiProviderId: provider.body.id, username: 'access-user', domain: 'sip.access.example', ddi: '+34910000001', password: 'Access-sip-pass-1' },
  });
  assert.equal(registration.status, 201, registration.text);
  const token = await server.api('/api/tokens', { method: 'POST', json: { name: 'access token', currentPassword: TEST_ADMIN.password } });
  assert.equal(token.status, 201, token.text);
  for (const role of ['viewer', 'editor'] as const) {
    const created = await createOperator(server, role);
    operators[role] = { ...created, session: await signIn(server.baseUrl, created.email, created.password) };
    server.ledger.secret(operators[role].session, `${role} session`);
  }
  Object.assign(ids, { 'ddi-providers': provider.body.id, providers: provider.body.id, registrations: registration.body.id, tokens: token.body.apiToken.id, operators: operators.viewer.id });
});

describe('the route list', () => {
  test('is read from app/: route handlers, server endpoints and pages', () => {
    const keys = endpoints.map(key);
    for (const known of ['GET /api/health', 'POST /api/registrations', 'PATCH /api/registrations/[id]', 'DELETE /api/tokens/[id]', 'GET /api/events', 'GET /metrics']) {
      assert.ok(keys.includes(known), `${known} enumerated`);
    }
    assert.ok(endpoints.length >= 25, `${endpoints.length} endpoints`);
    assert.ok(pages.includes('/') && pages.includes('/registrations/[id]'), pages.join(' '));
    console.log(`# ${endpoints.length} endpoints, ${pages.length} pages`);
  });

  test('the policy agrees with the issue for every endpoint and page; the public list is exactly the issue\'s', () => {
    for (const e of endpoints) {
      const path = fillIds(e.path, () => 1);
      assert.equal(requiredAccess(e.method, path), issueAccess(e.method, e.path, false), key(e));
      assert.equal(requiredAccess(e.method, path) === 'public', PUBLIC_ENDPOINTS.has(key(e)), key(e));
    }
    for (const page of pages) {
      assert.equal(requiredAccess('GET', fillIds(page, () => 1)), issueAccess('GET', page, true), page);
    }
    for (const k of PUBLIC_ENDPOINTS) assert.equal(requiredAccess(...(k.split(' ') as [string, string])), 'public', k);
    for (const page of PUBLIC_PAGES) assert.equal(requiredAccess('GET', page), 'public', page);
  });
});

describe('without credentials', () => {
  test('every endpoint but the public ones answers 401 unauthorized (JSON)', async () => {
    for (const e of endpoints) {
      const path = fillIds(e.path, idFor);
      const answer = await call(e.method, path, 'none');
      if (requiredAccess(e.method, path) === 'public') {
        assert.ok(answer.status !== 401 && answer.status !== 403 && answer.status < 500, `${key(e)} → ${answer.status}`);
      } else {
        assert.equal(answer.status, 401, key(e));
        assert.equal(answer.code, 'unauthorized', key(e));
        assert.match(answer.contentType ?? '', /application\/json/, key(e));
      }
    }
  });

  test('a bogus cookie or bearer token is no better', async () => {
    for (const auth of [{ session: 'ddr_s_forged' }, { token: 'ddr_t_forged' }, { token: 'forged' }] as ApiAuth[]) {
      const res = await server.api('/api/registrations', { auth });
      assert.equal(res.status, 401, JSON.stringify(auth));
      assert.equal(res.body.error.code, 'unauthorized');
    }
  });

  test('every page but /login and /setup redirects (303) to /login?next=…', async () => {
    for (const template of pages) {
      const path = fillIds(template, idFor);
      const res = await fetch(server.baseUrl + path, { redirect: 'manual' });
      await res.arrayBuffer();
      if (template === '/login') assert.equal(res.status, 200, path);
      else if (template === '/setup') assert.deepEqual([res.status, res.headers.get('location')], [303, '/login'], 'setup is done: /setup sends to /login');
      else assert.deepEqual([res.status, res.headers.get('location')], [303, `/login?next=${encodeURIComponent(path)}`], path);
    }
    const withQuery = await fetch(`${server.baseUrl}/registrations?q=a%26b`, { redirect: 'manual' });
    assert.equal(withQuery.headers.get('location'), `/login?next=${encodeURIComponent('/registrations?q=a%26b')}`);
  });
});

/** Runs every endpoint as `role`: 403 `forbidden` below the policy's role, otherwise neither 401 nor 403. */
async function checkRole(role: Role) {
  const initial = await businessChecksum(server.dbPath);
  const denied: string[] = [];
  for (const e of endpoints) {
    if (requiredAccess(e.method, e.path) === 'public') continue;
    const write = isWrite(e.method);
    const path = fillIds(e.path, write ? () => MISSING_ID : idFor);
    // Writes use a session of their own: an allowed sign-out must not end the shared one.
    const session = write ? await freshSession(role) : operators[role].session;
    const answer = await call(e.method, path, { session });
    if (atLeast(role, requiredAccess(e.method, path) as Role)) {
      assert.ok(answer.status !== 401 && answer.status !== 403 && answer.status < 500, `${role} ${e.method} ${path} → ${answer.status} ${answer.code}`);
    } else {
      denied.push(key(e));
      assert.deepEqual([answer.status, answer.code], [403, 'forbidden'], `${role} ${e.method} ${path}`);
    }
  }
  return { denied, initial, final: await businessChecksum(server.dbPath) };
}

describe('as a viewer', () => {
  test('every write but sign-out, own password and own tokens is 403; operators and notification channels cannot be read; other reads work', async () => {
    const { denied, initial, final } = await checkRole('viewer');
    for (const e of endpoints) {
      const own = e.path.startsWith('/api/tokens') || ['POST /api/auth/logout', 'POST /api/auth/password'].includes(key(e));
      const expectDenied = !PUBLIC_ENDPOINTS.has(key(e)) && ((isWrite(e.method) && !own) || adminOnly(e.path) || e.path === '/metrics');
      assert.equal(denied.includes(key(e)), expectDenied, key(e));
    }
    assert.deepEqual(final, initial, 'refused writes changed nothing');
  });

  test('pages: editing pages and operators are 403, the rest render', async () => {
    await checkPages('viewer');
  });
});

describe('as an editor', () => {
  test('operators and notification channels management and /metrics are 403; every other endpoint is allowed', async () => {
    const { denied } = await checkRole('editor');
    assert.deepEqual(
      denied,
      endpoints.filter((e) => adminOnly(e.path) || e.path === '/metrics').map(key),
    );
  });

  test('pages: operators are 403, the rest render', async () => {
    await checkPages('editor');
  });
});

async function checkPages(role: Role) {
  for (const template of pages) {
    const path = fillIds(template, idFor);
    const access = requiredAccess('GET', path);
    if (access === 'public') continue;
    const res = await fetch(server.baseUrl + path, { redirect: 'manual', headers: { cookie: `ddr_session=${operators[role].session}` } });
    const html = await res.text();
    server.ledger.response(`${role} GET ${path} → ${res.status}`, html);
    assert.equal(res.status, atLeast(role, access) ? 200 : 403, `${role} ${path}`);
  }
}

describe('CSRF', () => {
  const write = (auth: ApiAuth, headers: Record<string, string> = {}, name = `CSRF ${Math.random()}`) =>
    server.api('/api/ddi-providers', { method: 'POST', json: { name }, auth, headers });

  test('a cookie write without Origin, from another origin or marked cross-site is refused and changes nothing', async () => {
    const session = server.adminSession;
    const initial = await businessChecksum(server.dbPath);
    for (const [label, auth, headers] of [
      ['no Origin', { session, origin: null }, {}],
      ['Origin: null', { session, origin: 'null' }, {}],
      ['foreign Origin', { session, origin: 'https://evil.example' }, {}],
      ['same host, other port', { session, origin: 'http://127.0.0.1:1' }, {}],
      ['https Origin on the http portal', { session, origin: server.baseUrl.replace(/^http:/, 'https:') }, {}],
      ['Sec-Fetch-Site: cross-site', { session }, { 'sec-fetch-site': 'cross-site' }],
    ] as [string, ApiAuth, Record<string, string>][]) {
      const res = await write(auth, headers);
      assert.deepEqual([res.status, res.body?.error?.code], [403, 'csrf'], label);
    }
    for (const method of ['PATCH', 'DELETE']) {
      const res = await server.api(`/api/ddi-providers/${ids['ddi-providers']}`, { method, json: { description: 'x' }, auth: { session, origin: 'https://evil.example' } });
      assert.deepEqual([res.status, res.body?.error?.code], [403, 'csrf'], method);
    }
    assert.deepEqual(await businessChecksum(server.dbPath), initial);
  });

  test('a cookie write with the portal\'s Origin goes through', async () => {
    const res = await write({ session: server.adminSession });
    assert.equal(res.status, 201, res.text);
  });

  test('a bearer-token write needs no Origin', async () => {
    const created = await server.api('/api/tokens', { method: 'POST', json: { name: 'csrf script', currentPassword: TEST_ADMIN.password } });
    const res = await write({ token: created.body.token });
    assert.equal(res.status, 201, res.text);
  });

  test('sign-in from another origin is refused', async () => {
    const res = await server.api('/api/auth/login', { method: 'POST', auth: 'none', headers: { origin: 'https://evil.example' }, json: { email: 'x@y.z', password: 'whatever-1' } });
    assert.deepEqual([res.status, res.body.error.code], [403, 'csrf']);
  });
});

describe('security headers', () => {
  function assertSecurityHeaders(headers: Headers, what: string): string {
    const csp = headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/, what);
    assert.match(csp, /object-src 'none'/, what);
    assert.equal(headers.get('x-content-type-options'), 'nosniff', what);
    assert.equal(headers.get('x-frame-options'), 'DENY', what);
    assert.ok(headers.get('referrer-policy'), `${what}: referrer-policy`);
    const nonce = /script-src [^;]*'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, `${what}: CSP has a script nonce`);
    return nonce!;
  }

  test('a page: CSP nonce on every <script>, and a new nonce per response', async () => {
    const nonces = new Set<string>();
    for (const [path, signedIn] of [['/', true], [`/registrations/${ids.registrations}`, true], ['/login', false]] as const) {
      const res = await fetch(server.baseUrl + path, { redirect: 'manual', headers: signedIn ? { cookie: `ddr_session=${server.adminSession}` } : {} });
      const html = await res.text();
      server.ledger.response(`GET ${path} → ${res.status}`, html);
      assert.equal(res.status, 200, path);
      const nonce = assertSecurityHeaders(res.headers, path);
      nonces.add(nonce);
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      assert.ok(scripts.length > 0, `${path} has scripts`);
      for (const tag of scripts) assert.equal(/\snonce="([^"]*)"/.exec(tag)?.[1], nonce, `${path}: ${tag.slice(0, 120)}`);
    }
    assert.equal(nonces.size, 3, 'each response has its own nonce');
  });

  test('API responses, errors and redirects carry them too', async () => {
    assertSecurityHeaders((await server.api('/api/health', { auth: 'none' })).headers, 'GET /api/health');
    assertSecurityHeaders((await server.api('/api/registrations', { auth: 'none' })).headers, '401');
    const redirect = await fetch(`${server.baseUrl}/registrations`, { redirect: 'manual' });
    assertSecurityHeaders(redirect.headers, '303');
  });

  test('server-action requests (Next-Action header) are refused', async () => {
    for (const path of ['/', '/registrations/new', '/login']) {
      const res = await server.api(path, { method: 'POST', headers: { 'next-action': '7f00000000000000000000000000000000000000', 'content-type': 'text/plain;charset=UTF-8' }, body: '[]' });
      assert.equal(res.status, 403, path);
      assert.equal(res.body?.error?.code, 'forbidden', path);
    }
  });
});

describe('DNS rebinding: the Host must be one the portal answers to', () => {
  const REBOUND = 'rebind.attacker.example';
  test('any other Host gets 421 misdirected on every kind of path, signed in or not', async () => {
    const port = new URL(server.baseUrl).port;
    for (const host of [REBOUND, `${REBOUND}:${port}`, `localhost.${REBOUND}:${port}`]) {
      for (const path of ['/', '/login', '/setup', '/registrations', '/api/health', '/api/registrations', '/api/events', '/metrics', '/_next/static/x.js', '/favicon.ico']) {
        for (const cookie of [undefined, `ddr_session=${server.adminSession}`]) {
          const res = await rawRequest(server.baseUrl, path, { headers: { host, ...(cookie ? { cookie } : {}) } });
          server.ledger.response(`GET ${path} Host ${host} → ${res.status}`, res.text);
          assert.equal(res.status, 421, `${host} ${path}`);
          assert.equal(JSON.parse(res.text).error.code, 'misdirected', `${host} ${path}`);
          assert.equal(res.headers['x-frame-options'], 'DENY', 'security headers still set');
        }
      }
    }
    const write = await rawRequest(server.baseUrl, '/api/ddi-providers', {
      method: 'POST',
      headers: { host: `${REBOUND}:${port}`, origin: `http://${REBOUND}:${port}`, cookie: `ddr_session=${server.adminSession}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'rebound write' }),
    });
    assert.equal(write.status, 421);
  });

  test('the loopback names and the configured HOST are answered, on any port', async () => {
    const port = new URL(server.baseUrl).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) {
      const res = await rawRequest(server.baseUrl, '/api/health', { headers: { host } });
      assert.equal(res.status, 200, host);
    }
  });
});

describe('/_next/image', () => {
  test('is not served: anonymously or signed in it renders no page (here /audit) for anyone', async () => {
    for (const cookie of [undefined, `ddr_session=${server.adminSession}`]) {
      for (const q of ['url=%2Faudit&w=64&q=75', 'url=%2Fapi%2Faudit&w=64&q=75', 'url=%2F&w=16&q=1']) {
        const res = await fetch(`${server.baseUrl}/_next/image?${q}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
        const text = await res.text();
        server.ledger.response(`GET /_next/image?${q} → ${res.status}`, text);
        assert.equal(res.status, 404, `${q} ${cookie ? 'signed in' : 'anonymous'}`);
        assert.doesNotMatch(text, /audit|<html/i);
      }
    }
  });

  test('every page module checks the session itself (requirePage, with the policy\'s role)', () => {
    const unchecked = ['/login', '/setup'];
    for (const page of pageModules()) {
      if (unchecked.includes(page.path)) continue;
      const role = requiredAccess('GET', fillIds(page.path, () => 1));
      assert.match(page.source, /from '@\/lib\/auth\/require-page'/, `${page.file} imports requirePage`);
      const call = /await requirePage\(([^)]*)\)/.exec(page.source);
      assert.ok(call, `${page.file} calls requirePage`);
      assert.equal(call[1] === '' ? 'viewer' : call[1]!.replace(/'/g, ''), role, `${page.file}: requirePage role`);
    }
  });
});

describe('X-Forwarded-Proto without TRUST_PROXY', () => {
  test('is ignored: no HSTS, and the session cookie is the plain-http one (not Secure)', async () => {
    const page = await fetch(`${server.baseUrl}/login`, { headers: { 'x-forwarded-proto': 'https' } });
    await page.text();
    assert.equal(page.headers.get('strict-transport-security'), null);
    const res = await server.api('/api/auth/login', {
      method: 'POST',
      auth: 'none',
      headers: { origin: server.baseUrl, 'x-forwarded-proto': 'https' },
      json: { email: operators.viewer.email, password: operators.viewer.password },
    });
    assert.equal(res.status, 200, res.text);
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^ddr_session=/);
    assert.doesNotMatch(cookie, /;\s*Secure/i);
    assert.equal(res.headers.get('strict-transport-security'), null);
  });

  test('an https:// Origin is still another origin for a sign-in there', async () => {
    const res = await server.api('/api/auth/login', {
      method: 'POST',
      auth: 'none',
      headers: { origin: server.baseUrl.replace(/^http:/, 'https:'), 'x-forwarded-proto': 'https' },
      json: { email: operators.viewer.email, password: operators.viewer.password },
    });
    assert.deepEqual([res.status, res.body?.error?.code], [403, 'csrf']);
  });
});

describe('duplicate session cookies', () => {
  test('are refused (400 ambiguous_session) on pages and API alike, whichever comes first', async () => {
    const good = operators.viewer.session;
    for (const cookie of [`ddr_session=${good}; ddr_session=bogus`, `ddr_session=bogus; ddr_session=${good}`, `ddr_session=${good}; ddr_session=${good}`]) {
      for (const path of ['/', '/registrations', '/api/auth/me', '/api/registrations', '/api/events', '/login']) {
        const res = await rawRequest(server.baseUrl, path, { headers: { cookie }, firstChunkOnly: true });
        server.ledger.response(`GET ${path} duplicate cookies → ${res.status}`, res.text);
        assert.equal(res.status, 400, `${path} ${cookie.replace(good, 'GOOD')}`);
        assert.equal(JSON.parse(res.text).error.code, 'ambiguous_session', path);
      }
    }
  });

  test('one session cookie among other cookies is fine', async () => {
    const res = await rawRequest(server.baseUrl, '/api/auth/me', { headers: { cookie: `theme=dark; ddr_session=${operators.viewer.session}; x=1` } });
    assert.equal(res.status, 200, res.text);
  });
});

describe('/metrics', () => {
  test('admins only by default, never cached; the Node version is there for them', async () => {
    const res = await fetch(`${server.baseUrl}/metrics`, { headers: { cookie: `ddr_session=${server.adminSession}` } });
    const text = await res.text();
    server.ledger.response('GET /metrics (admin)', text);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(text, /registrar_engine_up/);
    const viewer = await server.api('/metrics', { auth: { session: operators.viewer.session } });
    assert.deepEqual([viewer.status, viewer.body?.error?.code, viewer.headers.get('cache-control')], [403, 'forbidden', 'no-store']);
  });
});

describe('the live stream (/api/events)', () => {
  test('is no-store, and at most 10 are open at once per session (429 beyond, a slot frees when one closes)', async () => {
    const session = await freshSession('viewer');
    const open: AbortController[] = [];
    // Each open stream's Response is kept: undici cancels the body of a Response that is garbage
    // collected unread, which closes that stream and frees its slot in the middle of the test.
    const responses: Response[] = [];
    const openOne = async () => {
      const abort = new AbortController();
      const res = await fetch(`${server.baseUrl}/api/events`, { headers: { cookie: `ddr_session=${session}` }, signal: abort.signal });
      if (res.status === 200) {
        open.push(abort);
        responses.push(res);
      } else await res.text();
      return res;
    };
    try {
      for (let i = 0; i < 10; i++) {
        const res = await openOne();
        assert.equal(res.status, 200, `stream ${i + 1}`);
        assert.equal(res.headers.get('cache-control'), 'no-store, no-transform');
      }
      const eleventh = await openOne();
      assert.equal(eleventh.status, 429);
      assert.equal(eleventh.headers.get('cache-control'), 'no-store');
      // another principal is not affected
      const other = await fetch(`${server.baseUrl}/api/events`, { headers: { cookie: `ddr_session=${operators.editor.session}` } });
      assert.equal(other.status, 200);
      await other.body?.cancel();
      open.shift()!.abort();
      responses.shift();
      let again: Response | null = null;
      for (let i = 0; i < 50; i++) {
        again = await openOne();
        if (again.status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(again?.status, 200, 'a closed stream frees its slot');
    } finally {
      for (const a of open) a.abort();
    }
  });
});

describe('/metrics with METRICS_ACCESS=token (a scrape job with a viewer\'s token)', () => {
  const scraped = useServer({ METRICS_ACCESS: 'token' });
  test('a viewer\'s API token may read it, without the Node version; a viewer\'s session may not', async () => {
    await scraped.ready();
    const viewer = await createOperator(scraped, 'viewer');
    const session = await signIn(scraped.baseUrl, viewer.email, viewer.password);
    scraped.ledger.secret(session, 'viewer session');
    const token = await scraped.api('/api/tokens', { method: 'POST', auth: { session }, json: { name: 'prometheus', currentPassword: viewer.password } });
    assert.equal(token.status, 201, token.text);
    const res = await scraped.api('/metrics', { auth: { token: token.body.token } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.text, /registrar_engine_up/);
    assert.doesNotMatch(res.text, /nodejs_version_info/);
    const bySession = await scraped.api('/metrics', { auth: { session } });
    assert.equal(bySession.status, 403);
    const admin = await scraped.api('/metrics');
    assert.match(admin.text, /nodejs_version_info\{version="v\d+/);
  });
});
