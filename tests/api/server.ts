/**
 * Starts the real portal (`node dist/server.mjs`, what `npm start` runs, on the production build) on a free port with a fresh
 * temporary SQLite file, waits for /api/health and stops it in `after`. Shared by tests/api/*.
 * The build itself is made by scripts/ensure-build.mjs before the API suite runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

export type TestServer = {
  baseUrl: string;
  dbPath: string;
  /** fetch relative to the server, JSON body by default; returns status, parsed body and headers. */
  api: <T = any>(path: string, init?: ApiInit) => Promise<ApiResponse<T>>;
  output: () => string;
};

export type ApiInit = Omit<RequestInit, 'body'> & { json?: unknown; body?: RequestInit['body'] };
export type ApiResponse<T> = { status: number; body: T; text: string; headers: Headers };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(baseUrl: string, child: ChildProcess, log: () => string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not become healthy within ${timeoutMs} ms:\n${log()}`);
}

export async function startServer(extraEnv: Record<string, string> = {}): Promise<TestServer & { stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'portal-api-'));
  const dbPath = join(dir, 'portal.db');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let log = '';
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/server.mjs'], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: dbPath,
      REGISTRAR_ENABLED: '0',
      NEXT_TELEMETRY_DISABLED: '1',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(baseUrl, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }

  const api = async <T>(path: string, init: ApiInit = {}): Promise<ApiResponse<T>> => {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
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

  return { baseUrl, dbPath, api, output: () => log, stop };
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
