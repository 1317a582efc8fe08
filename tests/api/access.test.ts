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
import { apiEndpoints, fillIds, isWrite, pagePaths, type Endpoint } from './app-routes';
import { businessChecksum } from './db-checksum';
import { createOperator } from './extra-operators';
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
  if (under(path, '/api/tokens') || (method === 'POST' && (path === '/api/auth/logout' || path === '/api/auth/password'))) return 'viewer';
  if (isWrite(method)) return 'editor';
  if (page && /\/(new|edit)$/.test(path)) return 'editor';
  return 'viewer';
}

const endpoints = apiEndpoints();
const pages = pagePaths();
const key = (e: Endpoint) => `${e.method} ${e.path}`;

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
  test('every write but sign-out, own password and own tokens is 403; operators cannot be read; other reads work', async () => {
    const { denied, initial, final } = await checkRole('viewer');
    for (const e of endpoints) {
      const own = e.path.startsWith('/api/tokens') || ['POST /api/auth/logout', 'POST /api/auth/password'].includes(key(e));
      const expectDenied = !PUBLIC_ENDPOINTS.has(key(e)) && ((isWrite(e.method) && !own) || under(e.path, '/api/operators'));
      assert.equal(denied.includes(key(e)), expectDenied, key(e));
    }
    assert.deepEqual(final, initial, 'refused writes changed nothing');
  });

  test('pages: editing pages and operators are 403, the rest render', async () => {
    await checkPages('viewer');
  });
});

describe('as an editor', () => {
  test('operators management is 403; every other endpoint is allowed', async () => {
    const { denied } = await checkRole('editor');
    assert.deepEqual(
      denied,
      endpoints.filter((e) => under(e.path, '/api/operators')).map(key),
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
