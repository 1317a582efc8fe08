// The portal as `npm start` runs it (`node dist/server.mjs`, built by scripts/ensure-build.mjs),
// in its own process group on a free port of 127.0.0.1 with a temporary SQLite file (under
// `scripts/test.mjs --db pg`, a new PostgreSQL database of the run's cluster). Shared by
// the API tests, the live browser tests and the browser benchmarks.
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPostgresUrl } from '../lib/db/dialect';
import { dropDatabase, newDatabaseLocation, onPostgres } from './db';
import { getFreePort } from './sip/harness';

import { TEST_ADMIN } from './test-admin';

export { TEST_ADMIN };

export interface Portal {
  base: string;
  port: number;
  /** Its database: a SQLite file path, or (under --db pg) a PostgreSQL database URL. */
  dbPath: string;
  /** Sends `signal` to the portal's process group (e.g. SIGSTOP / SIGCONT to make it hang). */
  signal(signal: NodeJS.Signals): void;
  /** A session of TEST_ADMIN (cookie value), absent when started without the admin. */
  adminSession: string | null;
  /** The server's process id (also its process group's). */
  pid: number;
  /** Headers for an admin API call: session cookie and the portal's Origin (unless started without the admin). */
  adminHeaders(): Record<string, string>;
  /** The last 50,000 characters the server printed. */
  log(): string;
  /** The one-time setup token the server printed at start (started without an operator), or null. */
  setupToken(): string | null;
  /** SIGTERM to the process group (SIGKILL after 8 s), then the database files are removed (unless kept, for a restart). */
  stop(options?: { keepDatabase?: boolean }): Promise<void>;
}

/** Where a portal runs: a free port and a fresh database unless given (to restart one). */
export interface PortalPlace {
  port?: number;
  dbPath?: string;
  /** The checkout whose build runs (default: this one), e.g. another branch's for a before/after benchmark. */
  cwd?: string;
}

/** The setup token in a server log (`… /setup?token=<token>`), or null. */
export function setupTokenIn(log: string): string | null {
  return /\/setup\?token=([A-Za-z0-9_-]+)/.exec(log)?.[1] ?? null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Signs in through the API; the session cookie value, or an Error naming the status. */
export async function signIn(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password }),
  });
  const cookie = res.headers.get('set-cookie') ?? '';
  const m = /ddr_session=([^;]+)/.exec(cookie);
  if (!res.ok || !m) throw new Error(`sign-in as ${email} failed: ${res.status} ${await res.text()}`);
  return m[1]!;
}

/**
 * Starts the portal with `env` on top of the defaults (TEST_ADMIN created from ADMIN_EMAIL /
 * ADMIN_PASSWORD unless `env` sets ADMIN_EMAIL to ''), waits until /api/health answers, then signs
 * the admin in.
 */
export async function startPortal(env: Record<string, string> = {}, timeoutMs = 90_000, place: PortalPlace = {}): Promise<Portal> {
  const port = place.port ?? (await getFreePort());
  const base = `http://127.0.0.1:${port}`;
  // A database given as DATABASE_PATH (a restart on another portal's) is that portal's dbPath.
  const given = place.dbPath ?? env.DATABASE_PATH;
  const dbPath = given ?? (onPostgres ? (await newDatabaseLocation('portal')).location : join(tmpdir(), `ddi-portal-${Date.now()}-${process.pid}-${port}.db`));
  const { DATABASE_PATH: _path, ...rest } = env;
  const database = isPostgresUrl(dbPath) ? { DATABASE_URL: dbPath } : { DATABASE_PATH: dbPath, DATABASE_URL: '' };
  let log = '';
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/server.mjs'], {
    cwd: place.cwd,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      ...database,
      NEXT_TELEMETRY_DISABLED: '1',
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      ...rest,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const keep = (b: Buffer) => (log = (log + b.toString()).slice(-50_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const stop = async ({ keepDatabase = false } = {}) => {
    // Still running (a portal killed by a signal has signalCode set and exitCode null).
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 8_000);
      await exited;
      clearTimeout(timer);
    }
    if (!keepDatabase) await dropDatabase(dbPath);
  };

  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`portal exited with ${child.exitCode}:\n${log}`);
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`portal did not become healthy within ${timeoutMs} ms:\n${log}`);
    }
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  const withAdmin = env.ADMIN_EMAIL !== '';
  const adminSession = withAdmin ? await signIn(base, TEST_ADMIN.email, TEST_ADMIN.password) : null;
  const adminHeaders = (): Record<string, string> => (adminSession ? { cookie: `ddr_session=${adminSession}`, origin: base } : {});
  const signal = (sig: NodeJS.Signals) => process.kill(-child.pid!, sig);
  const setupToken = () => setupTokenIn(log);
  return { base, port, dbPath, pid: child.pid!, adminSession, adminHeaders, log: () => log, setupToken, stop, signal };
}
