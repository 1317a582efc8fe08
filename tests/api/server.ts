/**
 * The real portal (tests/portal-process.ts: `node dist/server.mjs`, what `npm start` runs) for the
 * API tests, with the registrar off unless asked, plus a small JSON fetch helper. The build
 * itself is made by scripts/ensure-build.mjs before the suites run.
 *
 * Every call through `api()` feeds a secret-leak scan (secret-ledger.ts): the passwords, tokens
 * and secrets it sends or receives must never show up in any response or in the server's log;
 * useServer checks that after the file's last test.
 */
import { after, before } from 'node:test';
import { startPortal, TEST_ADMIN, type Portal, type PortalPlace } from '../portal-process';
import { rawDb, type RawDb } from '../db';
import { SecretLedger } from './secret-ledger';

export type TestServer = {
  baseUrl: string;
  /** The test admin's session cookie value. */
  adminSession: string;
  dbPath: string;
  /** fetch relative to the server, JSON body by default; returns status, parsed body and headers. */
  api: <T = any>(path: string, init?: ApiInit) => Promise<ApiResponse<T>>;
  output: () => string;
  /** The setup token the server printed (started without an operator), or null. */
  setupToken: () => string | null;
  /** The leak scan: add secrets or responses obtained without `api()`. */
  ledger: SecretLedger;
};

/**
 * Who calls: the test admin's session (default, with the portal's Origin), nobody, another
 * session cookie (sent with the portal's Origin unless `origin` says otherwise; null: none), or a
 * bearer token.
 */
export type ApiAuth = 'admin' | 'none' | { session: string; origin?: string | null } | { token: string };
export type ApiInit = Omit<RequestInit, 'body'> & { json?: unknown; body?: RequestInit['body']; auth?: ApiAuth };
export type ApiResponse<T> = { status: number; body: T; text: string; headers: Headers };

const SESSION_SET_COOKIE = /ddr_session=([^;]+)/;

/** Response headers as text for the leak scan; Set-Cookie is where a session legitimately goes. */
function headerText(headers: Headers): string {
  return [...headers].filter(([name]) => name !== 'set-cookie').map(([name, value]) => `${name}: ${value}`).join('\n');
}

export type StartedServer = TestServer & { stop: Portal['stop'] };

/** A portal for API tests; `place.dbPath` starts a second portal process on another one's database. */
export async function startServer(extraEnv: Record<string, string> = {}, place: PortalPlace = {}): Promise<StartedServer> {
  const portal = await startPortal({ REGISTRAR_ENABLED: '0', ...extraEnv }, undefined, place);
  const baseUrl = portal.base;
  const ledger = new SecretLedger();
  ledger.secret(TEST_ADMIN.password, 'the test admin password');
  if (extraEnv.ADMIN_PASSWORD) ledger.secret(extraEnv.ADMIN_PASSWORD, 'ADMIN_PASSWORD');
  if (portal.adminSession) ledger.secret(portal.adminSession, 'the admin session cookie');
  const setupToken = portal.setupToken();
  if (setupToken) ledger.printedByServer(setupToken, 'the setup token in the server log');

  const api = async <T>(path: string, init: ApiInit = {}): Promise<ApiResponse<T>> => {
    const { json, auth = 'admin', ...rest } = init;
    const method = (rest.method ?? 'GET').toUpperCase();
    const label = `${method} ${path}`;
    const headers = new Headers(authHeaders(portal, auth));
    for (const [k, v] of new Headers(rest.headers)) headers.set(k, v);
    let body = rest.body;
    if (json !== undefined) {
      body = JSON.stringify(json);
      headers.set('content-type', 'application/json');
      ledger.requestBody(json, label);
    } else if (typeof body === 'string') {
      ledger.requestBody(body, label);
    }
    const res = await fetch(baseUrl + path, { ...rest, headers, body });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const session = SESSION_SET_COOKIE.exec(res.headers.get('set-cookie') ?? '')?.[1];
    if (session) ledger.secret(session, `session cookie from ${label}`);
    const newToken = method === 'POST' && path.split('?')[0] === '/api/tokens' ? (parsed as { token?: unknown } | undefined)?.token : undefined;
    if (typeof newToken === 'string') ledger.secret(newToken, `token from ${label}`);
    ledger.response(`${label} → ${res.status}`, `${headerText(res.headers)}\n\n${text}`, typeof newToken === 'string' ? newToken : undefined);
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  };

  return { baseUrl, adminSession: portal.adminSession!, dbPath: portal.dbPath, api, output: portal.log, setupToken: portal.setupToken, ledger, stop: portal.stop };
}

function authHeaders(portal: Portal, auth: ApiAuth): Record<string, string> {
  if (auth === 'admin') return portal.adminHeaders();
  if (auth === 'none') return {};
  if ('token' in auth) return { authorization: `Bearer ${auth.token}` };
  const origin = auth.origin === undefined ? portal.base : auth.origin;
  return { cookie: `ddr_session=${auth.session}`, ...(origin === null ? {} : { origin }) };
}

/**
 * One server per test file (or per describe block): started by a `before` hook (and, whatever
 * order hooks run in, awaited by every call), leak-scanned and stopped in `after`. Use
 * `await server.ready()` before reading baseUrl/dbPath.
 */
export function useServer(extraEnv: Record<string, string> = {}): TestServer & { ready: () => Promise<TestServer> } {
  let starting: Promise<TestServer & { stop: () => Promise<void> }> | undefined;
  let server: (TestServer & { stop: () => Promise<void> }) | undefined;
  const ready = async () => {
    starting ??= startServer(extraEnv).then((s) => (server = s));
    return starting;
  };
  before(async () => {
    await ready();
  });
  after(async () => {
    const started = starting ? await starting.catch(() => undefined) : undefined;
    if (!started) return;
    try {
      started.ledger.assertNoLeaks(started.output());
    } finally {
      await started.stop();
    }
  });
  const get = () => {
    if (!server) throw new Error('server not started: await server.ready() first');
    return server;
  };
  return {
    ready,
    get baseUrl() {
      return get().baseUrl;
    },
    get adminSession() {
      return get().adminSession;
    },
    get dbPath() {
      return get().dbPath;
    },
    get ledger() {
      return get().ledger;
    },
    api: async (path, init) => (await ready()).api(path, init),
    output: () => get().output(),
    setupToken: () => get().setupToken(),
  };
}

/** A direct connection to the test server's database (for journal checks and seeding): plain SQL, asynchronous. */
export async function openSqlite(location: string): Promise<RawDb> {
  return rawDb(location);
}
