/**
 * The real portal (tests/portal-process.ts: `node dist/server.mjs`, what `npm start` runs) for the
 * API tests, with the registrar off unless asked, plus a small JSON fetch helper. The build
 * itself is made by scripts/ensure-build.mjs before the suites run.
 */
import { after, before } from 'node:test';
import { startPortal, type Portal } from '../portal-process';

export type TestServer = {
  baseUrl: string;
  /** The test admin's session cookie value. */
  adminSession: string;
  dbPath: string;
  /** fetch relative to the server, JSON body by default; returns status, parsed body and headers. */
  api: <T = any>(path: string, init?: ApiInit) => Promise<ApiResponse<T>>;
  output: () => string;
};

/**
 * Who calls: the test admin's session (default, with the portal's Origin), nobody, another
 * session cookie (sent with the Origin), or a bearer token.
 */
export type ApiAuth = 'admin' | 'none' | { session: string } | { token: string };
export type ApiInit = Omit<RequestInit, 'body'> & { json?: unknown; body?: RequestInit['body']; auth?: ApiAuth };
export type ApiResponse<T> = { status: number; body: T; text: string; headers: Headers };

export async function startServer(extraEnv: Record<string, string> = {}): Promise<TestServer & { stop: () => Promise<void> }> {
  const portal = await startPortal({ REGISTRAR_ENABLED: '0', ...extraEnv });
  const baseUrl = portal.base;

  const api = async <T>(path: string, init: ApiInit = {}): Promise<ApiResponse<T>> => {
    const { json, auth = 'admin', ...rest } = init;
    const headers = new Headers(authHeaders(portal, auth));
    for (const [k, v] of new Headers(rest.headers)) headers.set(k, v);
    let body = rest.body;
    if (json !== undefined) {
      body = JSON.stringify(json);
      headers.set('content-type', 'application/json');
    }
    const res = await fetch(baseUrl + path, { ...rest, headers, body });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  };

  return { baseUrl, adminSession: portal.adminSession!, dbPath: portal.dbPath, api, output: portal.log, stop: portal.stop };
}

function authHeaders(portal: Portal, auth: ApiAuth): Record<string, string> {
  if (auth === 'admin') return portal.adminHeaders();
  if (auth === 'none') return {};
  if ('token' in auth) return { authorization: `Bearer ${auth.token}` };
  return { cookie: `ddr_session=${auth.session}`, origin: portal.base };
}

/**
 * One server per test file: started by a `before` hook (and, whatever order hooks run in, awaited
 * by every call), stopped in `after`. Use `await server.ready()` before reading baseUrl/dbPath.
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
    if (starting) await (await starting.catch(() => undefined))?.stop();
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
    api: async (path, init) => (await ready()).api(path, init),
    output: () => get().output(),
  };
}

/** A direct connection to the test server's database (for journal checks and seeding). */
export async function openSqlite(path: string) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  return db;
}
