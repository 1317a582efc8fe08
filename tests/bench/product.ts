// Product-path benchmark: N registrations created through the portal API
// (POST /api/registrations), then the registrar as operators run it
// (`npm run registrar` = node --enable-source-maps dist/registrar.mjs) with
// REGISTRAR_STARTUP_SPREAD_MS=0 against the Kamailio registrar of
// registrations.ts; the uac_reg anchor (registrations.ts --only uac) runs
// right after each run, against a fresh registrar of its own.
//
//   npx tsx tests/bench/product.ts                   # N=10,000, 3 runs
//   npx tsx tests/bench/product.ts --n 2000 --runs 1 --no-uac
//   npx tsx tests/bench/product.ts --db pg           # the same on PostgreSQL (a throwaway cluster,
//                                                    # tests/pg-cluster.ts; each run on a copy of the
//                                                    # seeded database: CREATE DATABASE … TEMPLATE)
//
// Prints per run and as medians: wall (spawn → all N bound at the registrar),
// CPU s and peak RSS of the registrar process, REGISTERs the registrar
// received and the excess over 2N (retransmissions), event-loop delay p99
// (tests/bench/process-probe.mjs, preloaded with --import), and ratios to uac_reg.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPgCluster, type PgCluster } from '../pg-cluster';
import { startPortal } from '../portal-process';
import { getFreePort, startKamailio, type KamailioHandle } from '../sip/harness';
import { summarizeGcTrace, type GcSummary } from './gc-trace';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const PROBE = join(HERE, 'process-probe.mjs');
const PASSWORD = 'bench-secret';
const BUF = 4 * 1024 * 1024;
const CLK_TCK = 100; // Linux USER_HZ

const { values: argv } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    'no-uac': { type: 'boolean', default: false },
    /** REGISTRAR_STARTUP_SPREAD_MS for our registrar (default 0: the burst; the product's default is 10000). */
    'spread-ms': { type: 'string', default: '0' },
    'registrar-children': { type: 'string', default: '4' },
    /** How the registrations are created: `import` (POST /api/registrations/import, CSV, 50,000 rows per request) or `api` (one POST /api/registrations each). */
    seed: { type: 'string', default: 'import' },
    /** POSTs in parallel while creating the registrations (--seed api). */
    concurrency: { type: 'string', default: '8' },
    /** Another bundle to measure (e.g. one built from an older commit), default dist/registrar.mjs. */
    bundle: { type: 'string' },
    /** A second bundle measured in every run right after ours (before/after in the same conditions). */
    baseline: { type: 'string' },
    'timeout-s': { type: 'string' },
    json: { type: 'string' },
    /** Keep the created database here and reuse it next time (same N and registrar port): skips the API step. */
    'seed-dir': { type: 'string' },
    /** Extra node flags for our registrar process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
    'node-flags': { type: 'string' },
    /** The --baseline bundle's node flags instead of --node-flags (e.g. the same bundle without a V8 flag: --bundle X --baseline X --node-flags F --baseline-node-flags ""). */
    'baseline-node-flags': { type: 'string' },
    /** Write a heap snapshot of our registrar process into this directory once all are bound (then read it with heap-top.ts). */
    'heap-dir': { type: 'string' },
    /** Append everything our registrar process prints to this file (e.g. with --node-flags=--trace-gc). */
    'registrar-log': { type: 'string' },
    /**
     * V8's GC trace (--trace-gc-nvp) for our registrar (and --baseline): scavenges, bytes promoted
     * to the old generation, pauses and mark-compacts over the burst (first bound → all bound),
     * per run and as medians (tests/bench/gc-trace.ts).
     */
    gc: { type: 'boolean', default: false },
    /** The database: sqlite (a file, default) or pg (a throwaway PostgreSQL cluster). */
    db: { type: 'string', default: 'sqlite' },
  },
});
if (!['sqlite', 'pg'].includes(argv.db!)) throw new Error(`--db sqlite|pg, not ${argv.db}`);
const ON_PG = argv.db === 'pg';
if (ON_PG && argv['seed-dir']) throw new Error('--seed-dir is for SQLite only');
/** PostgreSQL (--db pg): the run's cluster, and the key every process shares (no key file beside a database file there). */
let cluster: PgCluster | null = null;
const PG_SECRET_KEY = 'a'.repeat(64);
let pgSeq = 0;

async function pgAdmin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: cluster!.adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` in the run's cluster. */
function pgUrl(name: string): string {
  const url = new URL(cluster!.adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
const N = Number(argv.n);
const RUNS = Number(argv.runs);
const BUNDLE = resolve(argv.bundle ?? join(ROOT, 'dist', 'registrar.mjs'));
const TIMEOUT_MS = argv['timeout-s'] ? Number(argv['timeout-s']) * 1000 : Math.max(30_000, N * 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const epoch = () => performance.timeOrigin + performance.now();
const log = (s: string) => process.stderr.write(`${s}\n`);

function procCpuS(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/**
 * PostgreSQL (--db pg): CPU s of the run's cluster, its postmaster and every process it started
 * (backends, WAL writer, checkpointer …), so the database's share of the work is counted too.
 */
function clusterCpuS(): number {
  const stat = (pid: string) => {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: f[1], cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK };
  };
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  const postmaster = pids.find((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      return cmd[0]?.endsWith('/postgres') && cmd.includes('-p') && cmd[cmd.indexOf('-p') + 1] === String(cluster!.port);
    } catch {
      return false;
    }
  });
  if (!postmaster) return NaN;
  let total = 0;
  for (const p of pids) {
    try {
      const s = stat(p);
      if (p === postmaster || s.ppid === postmaster) total += s.cpu;
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}

/** CPU s of each thread of the process, highest first: [thread id, name, CPU s] (the write thread is one of them, V8's GC and compiler threads the others). */
function threadsCpuS(pid: number): Array<[number, string, number]> {
  return readdirSync(`/proc/${pid}/task`)
    .map((tid): [number, string, number] => {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      return [Number(tid), s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), (Number(f[11]) + Number(f[12])) / CLK_TCK];
    })
    .sort((a, b) => b[2] - a[2]);
}

/** CPU s of the process's main thread (the event loop; worker threads are other tasks). */
function mainThreadCpuS(pid: number): number {
  const s = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

function procStatusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function registrarStat(k: KamailioHandle, name: string): Promise<number> {
  const r = await k.rpc<string[]>('stats.get_statistics', name);
  const m = /= (\d+)/.exec(r[0] ?? '');
  return m ? Number(m[1]) : 0;
}

/** The portal database with N registrations, made through the API; returns its directory (database + key file). */
async function createRegistrations(registrarPort: number, keep?: string): Promise<string> {
  const dir = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), 'bench-product-'));
  mkdirSync(dir, { recursive: true });
  if (ON_PG) await pgAdmin(`CREATE DATABASE bench_seed TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  const portal = await startPortal({ REGISTRAR_ENABLED: '0', ...(ON_PG ? { SECRET_KEY: PG_SECRET_KEY } : {}) }, 120_000, { dbPath: ON_PG ? pgUrl('bench_seed') : join(dir, 'portal.db') });
  try {
    const headers = { ...portal.adminHeaders(), 'content-type': 'application/json' };
    const post = async (path: string, body: unknown): Promise<{ id: number }> => {
      const res = await fetch(`${portal.base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as { id: number };
    };
    const provider = await post('/api/ddi-providers', { name: 'Bench carrier' });
    const started = Date.now();
    if (argv.seed === 'import') {
      // CSV with the API field names; the import takes at most 100,000 rows / 8 MiB per file.
      for (let from = 0; from < N; from += 50_000) {
        const lines = ['ddiProviderName,username,domain,ddi,password,transport'];
        for (let i = from; i < Math.min(N, from + 50_000); i++) lines.push(`Bench carrier,user${i},127.0.0.1:${registrarPort},${100000 + i},${PASSWORD},udp`);
        const res = await fetch(`${portal.base}/api/registrations/import`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: `${lines.join('\r\n')}\r\n` });
        if (!res.ok) throw new Error(`POST /api/registrations/import: ${res.status} ${(await res.text()).slice(0, 500)}`);
      }
      log(`product: ${N} registrations imported through POST /api/registrations/import in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return dir;
    }
    if (argv.seed !== 'api') throw new Error(`--seed import|api, not ${argv.seed}`);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < N; i = next++) {
        await post('/api/registrations', {
          ddiProviderId: provider.id,
          username: `user${i}`,
          domain: `127.0.0.1:${registrarPort}`,
          ddi: String(100000 + i),
          password: PASSWORD,
          transport: 'udp',
        });
        if ((i + 1) % 2000 === 0) log(`product: ${i + 1}/${N} registrations created`);
      }
    };
    await Promise.all(Array.from({ length: Number(argv.concurrency) }, worker));
    log(`product: ${N} registrations created through POST /api/registrations in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await portal.stop({ keepDatabase: true });
  }
  return dir;
}

interface Row {
  run: number;
  side: 'ours' | 'baseline' | 'uac';
  registered: number;
  wallS: number;
  /** Spawn → the registrar counts the first binding (ours; uac: not measured). */
  firstBoundS?: number;
  cpuS: number;
  /** ours: CPU of the main thread alone (the event loop that runs the SIP transactions). */
  mainCpuS?: number;
  peakRssMiB: number;
  pssMiB: number | null;
  registrarRegisters: number;
  excess: number;
  eventLoopDelayP99Ms: number | null;
  eventLoopDelayMaxMs: number | null;
  /** Event-loop delay over the burst alone (first binding → all bound): p99 and max of the 1 ms timer turns' lateness. */
  burstDelayP99Ms?: number | null;
  burstDelayMaxMs?: number | null;
  /** --gc: the main thread's GCs over the burst. */
  gc?: GcSummary;
  extra?: Record<string, unknown>;
}

async function runOurs(run: number, seedDir: string, registrarPort: number, bundle = BUNDLE, side: 'ours' | 'baseline' = 'ours'): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-product-run-'));
  cpSync(seedDir, dir, { recursive: true });
  // PostgreSQL: a copy of the seeded database for this run (the seeding portal has stopped: no connection holds it).
  const runDb = ON_PG ? `bench_run_${++pgSeq}` : null;
  if (runDb) await pgAdmin(`CREATE DATABASE ${runDb} TEMPLATE bench_seed`);
  const database = runDb ? { DATABASE_URL: pgUrl(runDb), SECRET_KEY: PG_SECRET_KEY } : { DATABASE_PATH: join(dir, 'portal.db'), DATABASE_URL: '' };
  const probeFile = join(dir, 'probe.json');
  const reg = await startKamailio({ password: PASSWORD, sipPort: registrarPort, children: Number(argv['registrar-children']), shmMb: Math.max(256, Math.ceil(N / 100)), debug: 1, maxRecvBufferBytes: BUF, startTimeoutMs: 20_000 });
  let child: ReturnType<typeof spawn> | null = null;
  const nodeFlags = side === 'baseline' && argv['baseline-node-flags'] !== undefined ? argv['baseline-node-flags'] : argv['node-flags'];
  try {
    const before = await registrarStat(reg, 'rcv_requests_register');
    const sipPort = await getFreePort();
    const spawnedAt = epoch();
    const heapFlags = argv['heap-dir'] ? ['--heapsnapshot-signal=SIGHUP', `--diagnostic-dir=${resolve(argv['heap-dir'])}`] : [];
    const gcFlags = argv.gc ? ['--trace-gc-nvp'] : [];
    child = spawn(process.execPath, ['--enable-source-maps', ...heapFlags, ...gcFlags, ...(nodeFlags?.split(' ').filter(Boolean) ?? []), '--import', PROBE, bundle], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        ...database,
        SIP_BIND: `127.0.0.1:${sipPort}`,
        SIP_PUBLIC_HOST: '127.0.0.1',
        REGISTRAR_STARTUP_SPREAD_MS: argv['spread-ms'],
        BENCH_PROBE_FILE: probeFile,
      },
    });
    let output = '';
    /** All of stdout with --gc (its GC lines are summed; the tail above may have cut them). */
    let gcOutput = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
      if (argv.gc) gcOutput += d.toString();
      if (argv['registrar-log']) appendFileSync(argv['registrar-log'], d);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const pid = child.pid as number;
    const dbCpuBefore = ON_PG ? clusterCpuS() : NaN;
    let registered = 0;
    let firstBoundAt = NaN;
    let cpuS = NaN;
    let peak = NaN;
    const deadline = Date.now() + TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`registrar exited ${child.exitCode}:\n${output}`);
      registered = await registrarStat(reg, 'registered_users');
      if (registered > 0 && Number.isNaN(firstBoundAt)) firstBoundAt = epoch();
      if (registered >= N) break;
      await sleep(20);
    }
    const done = epoch();
    cpuS = procCpuS(pid);
    const dbCpuS = ON_PG ? clusterCpuS() - dbCpuBefore : null;
    const mainCpuS = mainThreadCpuS(pid);
    const threads = threadsCpuS(pid).slice(0, 8);
    peak = procStatusMiB(pid, 'VmHWM');
    let pss: number | null = null;
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      pss = m ? Number(m[1]) / 1024 : null;
    } catch {
      /* not readable */
    }
    // The burst: first binding seen → all bound (the probe takes its loop turns in that window).
    writeFileSync(`${probeFile}.window`, JSON.stringify({ from: firstBoundAt, to: done }));
    child.kill('SIGUSR2');
    let probe: {
      eventLoopDelayMs: { p99: number; max: number; p50: number };
      burst: { p50: number | null; p99: number | null; max: number | null; turns: number; over5Ms: number } | null;
      cpuS: number;
      maxRssMiB: number;
    } | null = null;
    for (let i = 0; i < 100 && !probe; i++) {
      await sleep(20);
      try {
        probe = JSON.parse(readFileSync(probeFile, 'utf8'));
      } catch {
        /* not yet */
      }
    }
    // Everything the registrar received: let late retransmissions (Timer E up to T2) arrive first.
    await sleep(1000);
    const after = await registrarStat(reg, 'rcv_requests_register');
    const registers = after - before;
    if (argv['heap-dir']) await heapSnapshot(child, resolve(argv['heap-dir']));
    return {
      run,
      side,
      registered,
      wallS: (done - spawnedAt) / 1000,
      firstBoundS: (firstBoundAt - spawnedAt) / 1000,
      cpuS,
      mainCpuS,
      peakRssMiB: peak,
      pssMiB: pss,
      registrarRegisters: registers,
      excess: registers - 2 * N,
      eventLoopDelayP99Ms: probe?.eventLoopDelayMs.p99 ?? null,
      eventLoopDelayMaxMs: probe?.eventLoopDelayMs.max ?? null,
      burstDelayP99Ms: probe?.burst?.p99 ?? null,
      burstDelayMaxMs: probe?.burst?.max ?? null,
      gc: argv.gc ? summarizeGcTrace(gcOutput, firstBoundAt - spawnedAt, done - spawnedAt) : undefined,
      extra: { dbCpuS, threads, probe, loaded: /registrar: (\d+) registrations loaded/.exec(output)?.[1] ?? null },
    };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      // With --node-flags (a profile is written at exit): let it shut down (SIGTERM: un-REGISTER, exit 0) for up to 15 s.
      if (nodeFlags) {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(15_000)]);
      }
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // this child only, by its handle
      await exited;
    }
    await reg.stop();
    rmSync(dir, { recursive: true, force: true });
    if (runDb) await pgAdmin(`DROP DATABASE IF EXISTS ${runDb} WITH (FORCE)`);
  }
}

/** Signals the process to write a heap snapshot (--heapsnapshot-signal) and waits until the file stops growing (60 s at most). */
async function heapSnapshot(child: ReturnType<typeof spawn>, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  child.kill('SIGHUP');
  const deadline = Date.now() + 60_000;
  let size = -1;
  while (Date.now() < deadline) {
    await sleep(500);
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now > 0 && now === size) {
      log(`product: heap snapshot ${join(dir, file)} (${(now / 1048576).toFixed(0)} MiB)`);
      return;
    }
    size = now;
  }
  log('product: no heap snapshot within 60 s');
}

/** The uac_reg anchor: registrations.ts --only uac, one run, read back from its JSON. */
function runUac(run: number): Row {
  const json = join(mkdtempSync(join(tmpdir(), 'bench-product-uac-')), 'uac.json');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'registrations.ts'), '--only', 'uac', '--runs', '1', '--n', String(N), '--registrar-children', String(argv['registrar-children']), '--json', json, '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: TIMEOUT_MS + 60_000,
  });
  if (r.status !== 0) throw new Error(`registrations.ts --only uac exited ${r.status}`);
  const row = (JSON.parse(readFileSync(json, 'utf8')) as { rows: Array<Record<string, number | boolean | null | Record<string, unknown>>> }).rows[0];
  rmSync(dirname(json), { recursive: true, force: true });
  return {
    run,
    side: 'uac',
    registered: row.registered as number,
    wallS: row.wallS as number,
    cpuS: row.cpuS as number,
    peakRssMiB: row.rssMiB as number,
    pssMiB: row.pssMiB as number,
    registrarRegisters: row.registrarReqs as number,
    excess: (row.registrarReqs as number) - 2 * N,
    eventLoopDelayP99Ms: null,
    eventLoopDelayMaxMs: null,
  };
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

/** --gc, one run: the burst's GCs in a few words. */
const gcText = (r: Row) =>
  r.gc ? `, burst GC: ${r.gc.scavenges} scavenges promoting ${f(r.gc.promotedMiB, 1)} MiB, pauses ${f(r.gc.scavengePauseMs, 0)} ms (max ${f(r.gc.scavengeMaxMs, 1)}), ${r.gc.markCompacts} mark-compacts` : '';

function report(rows: Row[]): string {
  const lines = ['', `Per run (N=${N}):`, '| run | side | bound | first bound s | wall s | CPU s | main-thread CPU s | peak RSS MiB | PSS MiB | registrar REGISTERs | excess over 2N | loop delay p99 ms | max ms | burst p99 ms | burst max ms |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) lines.push(`| ${r.run} | ${r.side} | ${r.registered} | ${f(r.firstBoundS)} | ${f(r.wallS)} | ${f(r.cpuS)} | ${f(r.mainCpuS)} | ${f(r.peakRssMiB, 0)} | ${f(r.pssMiB, 0)} | ${r.registrarRegisters} | ${r.excess} | ${f(r.eventLoopDelayP99Ms, 1)} | ${f(r.eventLoopDelayMaxMs, 1)} | ${f(r.burstDelayP99Ms, 1)} | ${f(r.burstDelayMaxMs, 1)} |`);
  const med = (side: Row['side'], k: (r: Row) => number | null) => median(rows.filter((r) => r.side === side).map((r) => k(r) ?? NaN));
  lines.push('', `Medians over ${RUNS} run(s):`, '| side | first bound s | wall s | CPU s | main-thread CPU s | peak RSS MiB | PSS MiB | registrar REGISTERs | excess | loop delay p99 ms | burst p99 ms | burst max ms |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const side of ['ours', 'baseline', 'uac'] as const) {
    if (!rows.some((r) => r.side === side)) continue;
    lines.push(`| ${side === 'ours' ? 'npm run registrar' : side === 'baseline' ? `baseline (${argv.baseline})` : 'uac_reg'} | ${f(med(side, (r) => r.firstBoundS ?? null))} | ${f(med(side, (r) => r.wallS))} | ${f(med(side, (r) => r.cpuS))} | ${f(med(side, (r) => r.mainCpuS ?? null))} | ${f(med(side, (r) => r.peakRssMiB), 0)} | ${f(med(side, (r) => r.pssMiB), 0)} | ${f(med(side, (r) => r.registrarRegisters), 0)} | ${f(med(side, (r) => r.excess), 0)} | ${f(med(side, (r) => r.eventLoopDelayP99Ms), 1)} | ${f(med(side, (r) => r.burstDelayP99Ms ?? null), 1)} | ${f(med(side, (r) => r.burstDelayMaxMs ?? null), 1)} |`);
  }
  if (rows.some((r) => r.side === 'uac') && rows.some((r) => r.side === 'ours')) {
    const ratio = (k: (r: Row) => number | null) => f(med('ours', k) / med('uac', k));
    lines.push(`| ratio ours/uac | | ${ratio((r) => r.wallS)} | ${ratio((r) => r.cpuS)} | | ${ratio((r) => r.peakRssMiB)} | ${ratio((r) => r.pssMiB)} | | | | | |`);
    if (ON_PG) {
      const db = med('ours', (r) => (r.extra?.dbCpuS as number | null) ?? null);
      const ours = med('ours', (r) => r.cpuS);
      lines.push('', `PostgreSQL cluster CPU over the same window (median): ${f(db)} s; registrar + PostgreSQL ${f(ours + db)} s = ${f((ours + db) / med('uac', (r) => r.cpuS))}× uac_reg's CPU.`);
    }
  }
  if (rows.some((r) => r.side === 'baseline')) {
    const ratio = (k: (r: Row) => number | null) => f(med('ours', k) / med('baseline', k));
    lines.push(`| ratio ours/baseline | ${ratio((r) => r.firstBoundS ?? null)} | ${ratio((r) => r.wallS)} | ${ratio((r) => r.cpuS)} | ${ratio((r) => r.mainCpuS ?? null)} | ${ratio((r) => r.peakRssMiB)} | ${ratio((r) => r.pssMiB)} | ${ratio((r) => r.registrarRegisters)} | | ${ratio((r) => r.eventLoopDelayP99Ms)} | ${ratio((r) => r.burstDelayP99Ms ?? null)} | |`);
  }
  if (rows.some((r) => r.gc)) {
    lines.push('', 'GC of the main thread over the burst (first bound → all bound; --gc, V8 --trace-gc-nvp), medians:', '| side | scavenges | promoted MiB | scavenge pauses ms | longest ms | mark-compacts | their pauses ms |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const side of ['ours', 'baseline'] as const) {
      if (!rows.some((r) => r.side === side && r.gc)) continue;
      const g = (k: keyof GcSummary) => med(side, (r) => r.gc?.[k] ?? null);
      lines.push(`| ${side === 'ours' ? 'npm run registrar' : `baseline (${argv.baseline})`} | ${f(g('scavenges'), 0)} | ${f(g('promotedMiB'), 1)} | ${f(g('scavengePauseMs'), 0)} | ${f(g('scavengeMaxMs'), 1)} | ${f(g('markCompacts'), 0)} | ${f(g('markCompactPauseMs'), 0)} |`);
    }
  }
  lines.push(
    '',
    'wall: process spawn → the registrar counts N bindings (usrloc registered_users, polled every 20 ms), both sides.',
    'CPU: ours = the registrar process (/proc stat, boot included; main thread: /proc/<pid>/task/<pid>/stat, without the store\'s write thread); uac = all its Kamailio processes. Peak RSS: ours VmHWM; uac sum of VmRSS (compare PSS).',
    'REGISTERs: core:rcv_requests_register at the registrar (ours: counted 1 s after all bound, so late retransmissions show); excess over 2N = retransmissions (and lost requests sent again).',
    'loop delay: perf_hooks.monitorEventLoopDelay (1 ms resolution) in the registrar process from its start to all bound (tests/bench/process-probe.mjs); burst: lateness of its 1 ms timer turns from the first binding to all bound.',
    'first bound: spawn → the registrar counts the first binding (its first REGISTER, the 401, the second REGISTER and the 200 included).',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  // The bundle operators run (what `npm run registrar`'s pre-script does), unless another was given.
  if (!argv.bundle) {
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (b.status !== 0) throw new Error('ensure-build failed');
  }
  if (ON_PG) {
    cluster = await startPgCluster();
    log(`product: PostgreSQL cluster on port ${cluster.port}`);
  }
  const seedDir = argv['seed-dir'] ? resolve(argv['seed-dir']) : null;
  const meta = seedDir ? join(seedDir, 'bench-seed.json') : null;
  const kept = meta && existsSync(meta) ? (JSON.parse(readFileSync(meta, 'utf8')) as { n: number; registrarPort: number }) : null;
  if (kept && kept.n !== N) throw new Error(`--seed-dir holds ${kept.n} registrations, not ${N}`);
  const registrarPort = kept?.registrarPort ?? (await getFreePort());
  const seed = kept ? (seedDir as string) : await createRegistrations(registrarPort, seedDir ?? undefined);
  if (meta && !kept) writeFileSync(meta, JSON.stringify({ n: N, registrarPort }));
  if (kept) log(`product: reusing ${N} registrations in ${seedDir} (registrar port ${registrarPort})`);
  const rows: Row[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const ours = await runOurs(run, seed, registrarPort);
      rows.push(ours);
      log(`product: run ${run} ours: ${ours.registered}/${N} first bound ${f(ours.firstBoundS)} s, wall ${f(ours.wallS)} s, CPU ${f(ours.cpuS)} s (main thread ${f(ours.mainCpuS)}), peak RSS ${f(ours.peakRssMiB, 0)} MiB, REGISTERs ${ours.registrarRegisters} (excess ${ours.excess}), loop p99 ${f(ours.eventLoopDelayP99Ms, 1)} ms, burst p99 ${f(ours.burstDelayP99Ms, 1)} / max ${f(ours.burstDelayMaxMs, 1)} ms${gcText(ours)}${ON_PG ? `, PostgreSQL CPU ${f(ours.extra?.dbCpuS as number)} s` : ''}`);
      if (argv.baseline) {
        const base = await runOurs(run, seed, registrarPort, resolve(argv.baseline), 'baseline');
        rows.push(base);
        log(`product: run ${run} baseline: ${base.registered}/${N} wall ${f(base.wallS)} s, CPU ${f(base.cpuS)} s (main thread ${f(base.mainCpuS)}), peak RSS ${f(base.peakRssMiB, 0)} MiB, REGISTERs ${base.registrarRegisters} (excess ${base.excess}), loop p99 ${f(base.eventLoopDelayP99Ms, 1)} ms${gcText(base)}`);
      }
      if (!argv['no-uac']) {
        const uac = runUac(run);
        rows.push(uac);
        log(`product: run ${run} uac_reg: ${uac.registered}/${N} wall ${f(uac.wallS)} s, CPU ${f(uac.cpuS)} s, PSS ${f(uac.pssMiB, 0)} MiB, REGISTERs ${uac.registrarRegisters}`);
      }
    }
  } finally {
    if (!seedDir) rmSync(seed, { recursive: true, force: true });
    cluster?.stop();
  }
  console.log(report(rows));
  if (argv.json) writeFileSync(argv.json, JSON.stringify({ n: N, runs: RUNS, bundle: BUNDLE, rows }, null, 2));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
