// A throwaway PostgreSQL cluster for the tests (Debian's `postgresql` package): initdb into a temp
// directory, the server on a free port of 127.0.0.1 with its unix socket in that directory, run as
// the `postgres` user when we are root (PostgreSQL refuses to run as root), trust authentication
// (loopback only), locale C (text sorts by bytes, as SQLite's does). Durability is off: the
// cluster lives for one test run. scripts/test.mjs --db pg starts one for the run and gives its
// URL to the suites as DATABASE_URL; tests/db.ts makes one database per test file in it.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from './sip/harness';

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres: the maintenance database, for CREATE/DROP DATABASE. */
  adminUrl: string;
  port: number;
  /** Stops the server (immediate mode) and removes its directory. */
  stop(): void;
}

/** The newest installed server's bin directory (/usr/lib/postgresql/<major>/bin), or $PG_BIN. */
export function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = majors.map((m) => join(root, m, 'bin')).find((d) => existsSync(join(d, 'pg_ctl')));
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: apt-get install -y postgresql (or set PG_BIN)');
  return bin;
}

/** Runs a server binary, as `postgres` when we are root. */
function runAs(user: string | null, bin: string, args: string[]): void {
  const [cmd, argv] = user ? ['runuser', ['-u', user, '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = postgresBin();
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const user = root ? 'postgres' : null;
  const dir = mkdtempSync(join(tmpdir(), 'pg-cluster-'));
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await getFreePort();
  try {
    runAs(user, join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N']);
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=300',
    ].join(' ');
    runAs(user, join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', options, 'start']);
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${log}`);
  }
  let stopped = false;
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        runAs(user, join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
