// Registrar benchmark: our Engine vs Kamailio's uac_reg, N digest-authenticated
// UDP registrations against a local Kamailio registrar. A script, not a test:
//
//   npx tsx tests/bench/registrations.ts [--n 10000] [--runs 3] [--only ours|uac]
//        [--profile DIR] [--registrar-children 4] [--uac-children 2] [--json FILE]
//
// See tests/bench/README.md for what is measured and how.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { getFreePort, startKamailio, type KamailioHandle } from '../sip/harness';
import type { WorkerInput, WorkerResult } from './ours-worker';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const WORKER_SOURCE = join(HERE, 'ours-worker.ts');
/** The worker runs bundled on plain node, like `npm run registrar` (scripts/build-node.mjs). */
const WORKER = join(mkdtempSync(join(tmpdir(), 'bench-worker-')), 'ours-worker.mjs');
await build({
  entryPoints: [WORKER_SOURCE],
  outfile: WORKER,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
process.once('exit', () => rmSync(dirname(WORKER), { recursive: true, force: true }));
const UAC_CFG = join(HERE, 'kamailio', 'uac.cfg');
const HOST = '127.0.0.1';
const PASSWORD = 'bench-secret';
const BUF = 4 * 1024 * 1024;

const { values: argv } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    profile: { type: 'string' },
    'registrar-children': { type: 'string', default: '4' },
    'uac-children': { type: 'string', default: '2' },
    'timeout-s': { type: 'string' },
    'stop-deadline-ms': { type: 'string', default: '0' },
    'max-window': { type: 'string' },
    'initial-window': { type: 'string' },
    'heap-snapshot': { type: 'string' },
    'settle-ms': { type: 'string', default: '0' },
    expires: { type: 'string', default: '3600' },
    'refresh-round': { type: 'boolean', default: false },
    /** Our engine's binding audit interval, s (REGISTRAR_BINDING_CHECK_S; default the engine's 60; 0 = off, as uac_reg has none). */
    'binding-check-s': { type: 'string' },
    /** Extra node flags for our engine's process, e.g. "--trace-gc" (with --worker-log) or "--single-threaded-gc". */
    'node-flags': { type: 'string' },
    /** Append what our engine's process prints on stdout (besides its result line) to this file. */
    'worker-log': { type: 'string' },
    json: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});
const N = Number(argv.n);
const EXPIRES = Number(argv.expires);
if (!Number.isInteger(EXPIRES) || EXPIRES < 60) throw new Error('--expires must be an integer ≥ 60');
const RUNS = Number(argv.runs);
if (!Number.isInteger(N) || N < 1 || N > 100_000) throw new Error('--n must be 1..100000');
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 20) throw new Error('--runs must be 1..20');
if (argv.only && argv.only !== 'ours' && argv.only !== 'uac') throw new Error('--only ours|uac');
const SIDES = (argv.only ? [argv.only] : ['ours', 'uac']) as Array<'ours' | 'uac'>;
const TIMEOUT_MS = argv['timeout-s'] ? Number(argv['timeout-s']) * 1000 : Math.max(30_000, N * 3);
const REGISTRAR_CHILDREN = Number(argv['registrar-children']);
/** Kamailio shared memory (usrloc bindings, tm transactions): 256 MB, or N/100 MB above 25,600 registrations (1,000 MB at 100,000). */
const SHM_MB = Math.max(256, Math.ceil(N / 100));
const UAC_CHILDREN = Number(argv['uac-children']);
const log = (...a: unknown[]) => {
  if (!argv.quiet) console.error(...a);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const epoch = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- /proc

const CLK_TCK = 100; // Linux USER_HZ on every mainstream kernel (getconf CLK_TCK)

interface ProcStat {
  pid: number;
  pgrp: number;
  utime: number;
  stime: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // f[0] = state (field 3), so field k is f[k - 3].
    return { pid, pgrp: Number(f[2]), utime: Number(f[11]), stime: Number(f[12]) };
  } catch {
    return null;
  }
}

/** Processes of a process group (Kamailio is started detached: its group = its main pid). */
function groupPids(pgrp: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readStat(Number(d));
    if (st && st.pgrp === pgrp) out.push(st.pid);
  }
  return out;
}

/** user+sys CPU seconds of all live processes of the group. */
function groupCpuS(pids: number[]): number {
  let ticks = 0;
  for (const p of pids) {
    const st = readStat(p);
    if (st) ticks += st.utime + st.stime;
  }
  return ticks / CLK_TCK;
}

function groupPssMiB(pids: number[]): number {
  let kb = 0;
  for (const p of pids) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}

function groupRssMiB(pids: number[]): number {
  let kb = 0;
  for (const p of pids) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}

function readSysctl(name: string): number | null {
  try {
    return Number(readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim());
  } catch {
    return null;
  }
}

/** Makes sure net.core.rmem_max/wmem_max allow 4 MiB socket buffers; returns what happened. */
function ensureBufferSysctls(): string[] {
  const notes: string[] = [];
  for (const name of ['net.core.rmem_max', 'net.core.wmem_max']) {
    const before = readSysctl(name);
    if (before !== null && before >= BUF) {
      notes.push(`${name}=${before} (ok)`);
      continue;
    }
    try {
      writeFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, String(BUF));
      notes.push(`${name}: raised ${before} → ${readSysctl(name)}`);
    } catch (e) {
      notes.push(`${name}=${before}: could not raise to ${BUF} (${(e as Error).message}); buffers are clamped`);
    }
  }
  return notes;
}

/** Receive buffer (bytes, as the kernel reports it: twice the request) of the UDP socket bound to port. */
async function udpRcvBuf(port: number): Promise<number | null> {
  return new Promise((res) => {
    const p = spawn('ss', ['-uamnH', `sport = :${port}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', () => res(null));
    p.on('close', () => {
      const m = /rb(\d+)/.exec(out);
      res(m ? Number(m[1]) : null);
    });
  });
}

// ---------------------------------------------------------------- registrar

async function startRegistrar(): Promise<KamailioHandle> {
  return startKamailio({
    password: PASSWORD,
    children: REGISTRAR_CHILDREN,
    shmMb: SHM_MB,
    debug: 1,
    maxRecvBufferBytes: BUF,
    startTimeoutMs: 20_000,
  });
}

async function registrarStats(k: KamailioHandle): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const group of ['usrloc:', 'registrar:', 'sl:', 'core:']) {
    const r = await k.rpc<string[]>('stats.get_statistics', group);
    for (const line of r) {
      const m = /^(\S+) = (-?\d+)/.exec(line);
      if (m) out[m[1]] = Number(m[2]);
    }
  }
  return out;
}

async function registeredUsers(k: KamailioHandle): Promise<number> {
  const r = await k.rpc<string[]>('stats.get_statistics', 'registered_users');
  const m = /= (\d+)/.exec(r[0] ?? '');
  return m ? Number(m[1]) : 0;
}

function statDelta(a: Record<string, number>, b: Record<string, number>, keys: string[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (const k of keys) o[k] = (b[k] ?? 0) - (a[k] ?? 0);
  return o;
}
const STAT_KEYS = ['usrloc:registered_users', 'registrar:accepted_regs', 'registrar:rejected_regs', 'core:rcv_requests_register', 'sl:401_replies', 'sl:200_replies', 'sl:sent_replies', 'core:drop_requests', 'core:err_requests'];

// ---------------------------------------------------------------- result rows

interface Row {
  side: 'ours' | 'uac';
  run: number;
  n: number;
  registered: number;
  complete: boolean;
  /** ours: start() → all registered; uac: process spawn → all registered (seen at the registrar). */
  wallS: number;
  /** Process spawn → all registered (both sides). */
  wallFromSpawnS: number;
  /** ours: whole process (Node+tsx boot incl.); uac: all Kamailio processes since start. */
  cpuS: number;
  /** ours only: start() → done. */
  cpuPhaseS: number | null;
  rssMiB: number;
  pssMiB: number | null;
  retransmissions: number | null;
  timeouts: number | null;
  registrarCpuS: number;
  registrarReqs: number;
  extra: Record<string, unknown>;
}

// ---------------------------------------------------------------- ours

function runWorker(input: WorkerInput): Promise<{ result: WorkerResult; spawnedAt: number; exitCode: number | null }> {
  return new Promise((res, rej) => {
    const spawnedAt = epoch();
    const child = spawn(process.execPath, ['--expose-gc', ...(argv['node-flags']?.split(' ').filter(Boolean) ?? []), WORKER], {
      cwd: ROOT,
      env: { ...process.env, BENCH_WORKER: JSON.stringify(input) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    const guard = setTimeout(() => {
      kill();
      rej(new Error('ours-worker did not finish in time'));
    }, input.timeoutMs + input.stopDeadlineMs + (input.settleMs ?? 0) + (input.refreshRound ? input.expires * 1000 + input.timeoutMs : 0) + 60_000);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (argv['worker-log']) appendFileSync(argv['worker-log'], d);
    });
    child.on('error', (e) => {
      clearTimeout(guard);
      rej(e);
    });
    child.on('close', (code) => {
      clearTimeout(guard);
      process.removeListener('exit', kill);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (!line) return rej(new Error(`ours-worker exited ${code} without a result; stdout: ${out.slice(-2000)}`));
      const result = JSON.parse(line.slice('BENCH_RESULT '.length)) as WorkerResult;
      if (result.error) return rej(new Error(`ours-worker failed: ${result.error}`));
      res({ result, spawnedAt, exitCode: code });
    });
  });
}

async function runOurs(run: number): Promise<Row> {
  const reg = await startRegistrar();
  try {
    const regPids = groupPids(reg.pid);
    const rb = await udpRcvBuf(reg.udpPort);
    const s0 = await registrarStats(reg);
    const c0 = groupCpuS(regPids);
    let profileFile: string | undefined;
    if (argv.profile) {
      mkdirSync(argv.profile, { recursive: true });
      profileFile = resolve(argv.profile, `ours-n${N}-run${run}.cpuprofile`);
    }
    const engineOptions: Record<string, unknown> = {};
    const flow: Record<string, number> = {};
    if (argv['max-window']) flow.maxWindow = Number(argv['max-window']);
    if (argv['initial-window']) flow.initialWindow = Number(argv['initial-window']);
    if (Object.keys(flow).length > 0) engineOptions.flow = flow;
    if (argv['binding-check-s'] !== undefined) engineOptions.bindingCheckMs = Number(argv['binding-check-s']) * 1000;
    const { result: r, spawnedAt } = await runWorker({
      n: N,
      host: HOST,
      port: reg.udpPort,
      password: PASSWORD,
      expires: EXPIRES,
      timeoutMs: TIMEOUT_MS,
      stopDeadlineMs: Number(argv['stop-deadline-ms']),
      profileFile,
      settleMs: Number(argv['settle-ms']),
      heapSnapshotFile: argv['heap-snapshot'] ? resolve(argv['heap-snapshot']) : undefined,
      engineOptions,
      refreshRound: argv['refresh-round'],
    });
    const c1 = groupCpuS(regPids);
    const s1 = await registrarStats(reg);
    const d = statDelta(s0, s1, STAT_KEYS);
    const counters = r.counters as { transactions: { retransmissions: number; timeouts: number; started: number; droppedUnmatched: number; latency: { count: number; sumMs: number; maxMs: number } } };
    const t = counters.transactions;
    return {
      side: 'ours',
      run,
      n: N,
      registered: r.registered,
      complete: r.complete,
      wallS: r.wallMs / 1000,
      wallFromSpawnS: (r.at.done - spawnedAt) / 1000,
      cpuS: r.cpu.totalS,
      cpuPhaseS: r.cpu.phaseS,
      rssMiB: r.maxRssMiB,
      pssMiB: r.pssMiB,
      retransmissions: t.retransmissions,
      timeouts: t.timeouts,
      registrarCpuS: c1 - c0,
      registrarReqs: d['core:rcv_requests_register'],
      extra: {
        registrarRcvBuf: rb,
        registrarStats: d,
        engineCpuS: r.cpu.engineS,
        phaseUserS: r.cpu.userS,
        phaseSysS: r.cpu.sysS,
        startReturnedMs: r.at.startReturned - r.at.startCalled,
        bootToStartMs: r.at.startCalled - spawnedAt,
        firstRegisteredMs: r.firstRegisteredMs,
        rssAtDoneMiB: r.rssAtDoneMiB,
        heapUsedMiB: r.heapUsedMiB,
        liveHeapMiB: r.liveHeapMiB,
        externalMiB: r.externalMiB,
        arrayBuffersMiB: r.arrayBuffersMiB,
        events: r.events,
        transactionsStarted: t.started,
        droppedUnmatched: t.droppedUnmatched,
        latencyAvgMs: t.latency.count ? t.latency.sumMs / t.latency.count : null,
        latencyMaxMs: t.latency.maxMs,
        progressPer250ms: r.progress,
        settled: r.settled,
        refresh: r.refresh,
        stop: r.stop ? { ms: r.stop.ms, registeredAfterStop: r.stop.registeredAfterStop } : undefined,
        profileFile,
      },
    };
  } finally {
    await reg.stop();
  }
}

// ---------------------------------------------------------------- uac_reg

/** db_text escaping: ':' is the column delimiter. */
const dbt = (s: string) => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');

function writeUacDb(dir: string, registrarPort: number, uacPort: number): void {
  writeFileSync(join(dir, 'version'), 'id(int,auto) table_name(string) table_version(int) \n0:uacreg:5\n');
  const header =
    'id(int,auto) l_uuid(string) l_username(string) l_domain(string) r_username(string) r_domain(string) realm(string) auth_username(string) auth_password(string) auth_ha1(string,null) auth_proxy(string) expires(int) flags(int) reg_delay(int) contact_addr(string) socket(string,null) \n';
  const rows: string[] = [];
  for (let i = 0; i < N; i++) {
    const u = `user${i}`;
    rows.push(
      [
        String(i + 1),
        String(100000 + i), // l_uuid: Contact user, like our ddi
        u,
        HOST,
        u,
        HOST,
        HOST, // realm (= To host, as the registrar challenges with)
        u,
        PASSWORD,
        '', // auth_ha1: NULL
        `sip:${HOST}:${registrarPort}`, // auth_proxy: where REGISTERs go
        String(EXPIRES),
        '0',
        '0',
        `${HOST}:${uacPort}`,
        '', // socket: NULL
      ]
        .map(dbt)
        .join(':'),
    );
  }
  writeFileSync(join(dir, 'uacreg'), header + rows.join('\n') + '\n');
}

async function runUac(run: number): Promise<Row> {
  const reg = await startRegistrar();
  const dbDir = mkdtempSync(join(tmpdir(), 'bench-uacreg-'));
  let uac: KamailioHandle | null = null;
  try {
    const regPids = groupPids(reg.pid);
    const s0 = await registrarStats(reg);
    const c0 = groupCpuS(regPids);
    const uacPort = await getFreePort();
    writeUacDb(dbDir, reg.udpPort, uacPort);

    const spawnedAt = epoch();
    uac = await startKamailio({
      cfgFile: UAC_CFG,
      sipPort: uacPort,
      shmMb: SHM_MB,
      debug: 1,
      maxRecvBufferBytes: BUF,
      startTimeoutMs: 20_000,
      children: UAC_CHILDREN,
      defines: { DB_URL: `text://${dbDir}`, CONTACT_ADDR: `${HOST}:${uacPort}` },
    });
    const readyAt = epoch();
    const uacPids = groupPids(uac.pid);
    const deadline = Date.now() + TIMEOUT_MS;
    let registered = 0;
    let polls = 0;
    while (Date.now() < deadline && polls < 100_000) {
      polls++;
      registered = await registeredUsers(reg);
      if (registered >= N) break;
      await sleep(20);
    }
    const done = epoch();
    const cpu = groupCpuS(uacPids);
    const pss = groupPssMiB(uacPids);
    const rss = groupRssMiB(uacPids);
    const c1 = groupCpuS(regPids);
    const s1 = await registrarStats(reg);
    const d = statDelta(s0, s1, STAT_KEYS);
    // uac_reg's refresh round: from all bound until the registrar accepted N more REGISTERs (uac_reg
    // refreshes without cached credentials: a 401 and an authorized REGISTER each).
    let refresh: Record<string, unknown> | null = null;
    if (argv['refresh-round']) {
      const u0 = groupCpuS(uacPids);
      const a0 = s1['registrar:accepted_regs'];
      const r0 = s1['core:rcv_requests_register'];
      const until = Date.now() + EXPIRES * 1000 + TIMEOUT_MS;
      let first = 0;
      let last = 0;
      let accepted = 0;
      while (Date.now() < until) {
        accepted = (await registrarStats(reg))['registrar:accepted_regs'] - a0;
        if (accepted > 0 && first === 0) first = epoch();
        if (accepted >= N) break;
        await sleep(100);
      }
      last = epoch();
      const cpuS = groupCpuS(uacPids) - u0;
      const s2 = await registrarStats(reg);
      refresh = { refreshed: accepted, complete: accepted >= N, requests: s2['core:rcv_requests_register'] - r0, cpuS, roundWallS: (last - first) / 1000 };
    }
    let uacStats: Record<string, unknown> = {};
    try {
      uacStats = { stats: await uac.rpc('stats.get_statistics', 'all') };
    } catch (e) {
      uacStats = { error: String(e) };
    }
    const rb = await udpRcvBuf(uacPort);
    return {
      side: 'uac',
      run,
      n: N,
      registered,
      complete: registered >= N,
      wallS: (done - spawnedAt) / 1000,
      wallFromSpawnS: (done - spawnedAt) / 1000,
      cpuS: cpu,
      cpuPhaseS: null,
      rssMiB: rss,
      pssMiB: pss,
      retransmissions: null,
      timeouts: null,
      registrarCpuS: c1 - c0,
      registrarReqs: d['core:rcv_requests_register'],
      extra: {
        processes: uacPids.length,
        startKamailioReturnedMs: readyAt - spawnedAt,
        uacRcvBuf: rb,
        registrarStats: d,
        // 2 requests per account (challenge + authorized) when nothing is retransmitted.
        excessRequestsAtRegistrar: d['core:rcv_requests_register'] - 2 * N,
        uacStats,
        refresh,
      },
    };
  } finally {
    if (uac) await uac.stop();
    await reg.stop();
    rmSync(dbDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));

function summarize(rows: Row[]) {
  const by = (side: 'ours' | 'uac') => rows.filter((r) => r.side === side);
  const med = (side: 'ours' | 'uac', k: (r: Row) => number | null) => {
    const xs = by(side).map(k).filter((x): x is number => x !== null);
    return xs.length ? median(xs) : NaN;
  };
  const lines: string[] = [];
  lines.push('');
  lines.push(`Per run (N=${N}):`);
  lines.push('side  run  ok     wall s  spawn→all s  CPU s  phase CPU s  RSS MiB  PSS MiB  retrans  timeouts  registrar CPU s  registrar REGISTERs');
  for (const r of rows) {
    lines.push(
      [
        r.side.padEnd(4),
        String(r.run).padStart(4),
        `${r.registered}/${r.n}`.padStart(12).slice(-12),
        f(r.wallS).padStart(6),
        f(r.wallFromSpawnS).padStart(12),
        f(r.cpuS).padStart(6),
        f(r.cpuPhaseS).padStart(12),
        f(r.rssMiB, 0).padStart(8),
        f(r.pssMiB, 0).padStart(8),
        String(r.retransmissions ?? '—').padStart(8),
        String(r.timeouts ?? '—').padStart(9),
        f(r.registrarCpuS).padStart(16),
        String(r.registrarReqs).padStart(15),
      ].join(' '),
    );
  }
  lines.push('');
  lines.push(`Medians over ${RUNS} run(s), N=${N}:`);
  lines.push('| side | N | wall s | spawn→all s | CPU s | phase CPU s | RSS MiB | PSS MiB | retrans | timeouts |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const side of SIDES) {
    if (!by(side).length) continue;
    lines.push(
      `| ${side === 'ours' ? 'ours (Engine)' : 'uac_reg (Kamailio)'} | ${N} | ${f(med(side, (r) => r.wallS))} | ${f(med(side, (r) => r.wallFromSpawnS))} | ${f(med(side, (r) => r.cpuS))} | ${f(med(side, (r) => r.cpuPhaseS))} | ${f(med(side, (r) => r.rssMiB), 0)} | ${f(med(side, (r) => r.pssMiB), 0)} | ${f(med(side, (r) => r.retransmissions), 0)} | ${f(med(side, (r) => r.timeouts), 0)} |`,
    );
  }
  if (by('ours').length && by('uac').length) {
    const ratio = (k: (r: Row) => number | null) => med('ours', k) / med('uac', k);
    lines.push(
      `| ratio ours/uac | | ${f(ratio((r) => r.wallS))} | ${f(ratio((r) => r.wallFromSpawnS))} | ${f(ratio((r) => r.cpuS))} | ${f(med('ours', (r) => r.cpuPhaseS) / med('uac', (r) => r.cpuS))} | ${f(ratio((r) => r.rssMiB))} | ${f(ratio((r) => r.pssMiB))} | | |`,
    );
  }
  const refreshes = by('ours').flatMap((r) => {
    const x = (r.extra as { refresh?: WorkerResult['refresh'] } | undefined)?.refresh;
    return x ? [x] : [];
  });
  if (refreshes.length) {
    lines.push('');
    lines.push(`Refresh round (ours, expires ${EXPIRES}): every registration refreshed once after all were registered`);
    for (const x of refreshes) {
      lines.push(
        `  refreshed ${x.refreshed}/${N}${x.complete ? '' : ' (INCOMPLETE)'} with ${x.requests} REGISTERs: CPU ${f(x.cpuS)} s (user ${f(x.userS)}, sys ${f(x.sysS)}), round first→last ${f(x.roundWallS)} s, peak RSS ${f(x.maxRssMiB, 0)} MiB`,
      );
      lines.push(`  CPU from the first refresh to the last: ${f(x.roundCpuS)} s; per thread over the window: ${x.threads.map(([n, c]) => `${n} ${f(c)}`).join(', ')}`);
      lines.push(`  of which binding audits (REGISTER queries, --binding-check-s): ${x.audits ?? '—'}; refresh REGISTERs ${x.requests - (x.audits ?? 0)} (${f((x.requests - (x.audits ?? 0)) / Math.max(1, x.refreshed))} per refresh)`);
      lines.push(`  CPU per refresh hour at expires 3600: ${f(x.cpuPerRefreshHourAt3600S)} s (${f((x.cpuPerRefreshHourAt3600S / 3600) * 100, 3)} % of a core)`);
    }
  }
  const uacRefreshes = by('uac').flatMap((r) => {
    const x = (r.extra as { refresh?: { refreshed: number; complete: boolean; requests: number; cpuS: number; roundWallS: number } | null }).refresh;
    return x ? [x] : [];
  });
  for (const x of uacRefreshes) {
    lines.push(`Refresh round (uac_reg, expires ${EXPIRES}): ${x.refreshed}/${N} accepted${x.complete ? '' : ' (INCOMPLETE)'} with ${x.requests} REGISTERs: CPU ${f(x.cpuS)} s (all its processes, from all bound to the last refresh), round first→last ${f(x.roundWallS)} s`);
  }
  if (refreshes.length && uacRefreshes.length) {
    lines.push(`Refresh round CPU ratio ours/uac_reg: ${f(median(refreshes.map((x) => x.cpuS)) / median(uacRefreshes.map((x) => x.cpuS)))} (medians; ours counts binding audits in the window unless --binding-check-s 0)`);
  }
  lines.push('');
  lines.push('wall s: ours = start() → all N registered; uac = Kamailio spawn → N bindings at the registrar. spawn→all: both from process spawn.');
  lines.push('CPU s: ours = whole Node process (boot + engine, bundled); uac = all Kamailio processes. phase CPU: ours start() → done (ratio column: vs uac total).');
  lines.push('RSS: ours = peak (maxRSS); uac = sum of VmRSS over processes (double-counts shared memory; compare PSS).');
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const notes = ensureBufferSysctls();
  log(`bench: N=${N} runs=${RUNS} sides=${SIDES.join(',')} timeout=${TIMEOUT_MS} ms; ${notes.join('; ')}`);
  const rows: Row[] = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const side of SIDES) {
      log(`bench: run ${run}/${RUNS} ${side} …`);
      const row = side === 'ours' ? await runOurs(run) : await runUac(run);
      rows.push(row);
      log(
        `bench:   ${side} run ${run}: ${row.registered}/${N} wall ${f(row.wallS)} s (spawn→all ${f(row.wallFromSpawnS)} s), CPU ${f(row.cpuS)} s` +
          `${row.cpuPhaseS !== null ? ` (phase ${f(row.cpuPhaseS)} s)` : ''}, RSS ${f(row.rssMiB, 0)} MiB, PSS ${f(row.pssMiB, 0)} MiB, ` +
          `retrans ${row.retransmissions ?? '—'}, registrar CPU ${f(row.registrarCpuS)} s, registrar reqs ${row.registrarReqs}`,
      );
      await sleep(300);
    }
  }
  console.log(`sysctl: ${notes.join('; ')}`);
  console.log(summarize(rows));
  if (argv.json) writeFileSync(argv.json, JSON.stringify({ n: N, runs: RUNS, notes, rows }, null, 2));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
