// Child process of tests/bench/registrations.ts: registers N accounts with our
// Engine against the benchmark registrar and prints one line
// `BENCH_RESULT {json}` on stdout. Input: env BENCH_WORKER (JSON, see
// WorkerInput). Exits by itself (hard timeout) and when its parent goes away
// (stdin closes).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { Engine } from '../../registrar/engine';
import type { RegistrationConfig } from '../../registrar/registration/config';
import { countByState } from '../../registrar/registration/status';
import { DEFAULT_RETRY_POLICY, refreshDelayMs } from '../../registrar/registration/timing';

export interface WorkerInput {
  n: number;
  host: string;
  port: number;
  password: string;
  expires: number;
  /** Give up waiting for all N after this long (ms). */
  timeoutMs: number;
  /** engine.stop() deadline after the measurement (ms); 0 = do not unregister. */
  stopDeadlineMs: number;
  /** Write a CPU profile of the registration phase here (inspector, not --cpu-prof). */
  profileFile?: string;
  profileIntervalUs?: number;
  /** Write a V8 heap snapshot here once all are registered (after a GC). */
  heapSnapshotFile?: string;
  /** After the measurement, wait this long (e.g. past Timer K = 5 s) and report live heap / RSS again. */
  settleMs?: number;
  /** Engine option overrides (e.g. flow: { maxWindow }) for experiments. */
  engineOptions?: Record<string, unknown>;
  /** After the measurement, wait for one refresh of every registration (use a short `expires`, e.g. 120) and time its CPU. */
  refreshRound?: boolean;
}

export interface WorkerResult {
  n: number;
  registered: number;
  complete: boolean;
  /** Epoch ms (fractional) of: process start, engine created, start() called, all registered. */
  at: { processStart: number; engineCreated: number; startCalled: number; startReturned: number; done: number };
  /** ms from start() until all N registered (or the timeout). */
  wallMs: number;
  /** user+sys CPU seconds: whole process up to `done` (Node + tsx boot included), engine construction → done, start() → done. */
  cpu: { totalS: number; engineS: number; phaseS: number; userS: number; sysS: number };
  maxRssMiB: number;
  rssAtDoneMiB: number;
  heapUsedMiB: number;
  pssMiB: number | null;
  /** JS heap in use after a full GC at `done` (worker runs with --expose-gc), i.e. live objects only. */
  liveHeapMiB: number | null;
  externalMiB: number;
  arrayBuffersMiB: number;
  events: Record<string, number>;
  counters: unknown;
  firstRegisteredMs: number | null;
  /** Registrations done per 250 ms bucket since start(). */
  progress: number[];
  settled?: { afterMs: number; liveHeapMiB: number | null; rssMiB: number; externalMiB: number; liveTransactions: number };
  stop?: { ms: number; counters: unknown; registeredAfterStop: number };
  /**
   * One refresh round: CPU from all registered until every registration reported `registered`
   * again (its refresh; the process is idle in between), the round's wall time (first → last
   * refresh), and that CPU scaled to an hour at `expires` 3600 (refreshes every refreshDelayMs(3600)).
   */
  refresh?: {
    refreshed: number;
    complete: boolean;
    requests: number;
    audits: number;
    cpuS: number;
    userS: number;
    sysS: number;
    /** CPU from the first refresh to the last only (the window before it holds the start-up burst's aftermath: Timer K, its garbage). */
    roundCpuS: number;
    /** CPU seconds per thread over the window (main, V8's GC and compiler helpers, libuv). */
    threads: Array<[name: string, cpuS: number]>;
    roundWallS: number;
    cpuPerRefreshHourAt3600S: number;
    maxRssMiB: number;
  };
  error?: string;
}

const input = JSON.parse(process.env.BENCH_WORKER ?? 'null') as WorkerInput | null;
if (!input) {
  console.error('ours-worker: BENCH_WORKER env (JSON) missing; run it through tests/bench/registrations.ts');
  process.exit(2);
}

// The parent holds our stdin open; EOF means it is gone.
process.stdin.on('end', () => process.exit(3));
process.stdin.on('error', () => process.exit(3));
process.stdin.resume();
const hardTimer = setTimeout(() => {
  console.error('ours-worker: hard timeout');
  process.exit(4);
}, input.timeoutMs + input.stopDeadlineMs + (input.settleMs ?? 0) + (input.refreshRound ? input.expires * 1000 + input.timeoutMs : 0) + 30_000);
hardTimer.unref();

const epoch = () => performance.timeOrigin + performance.now();
const cpuSec = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const mib = (bytes: number) => bytes / 1048576;

/** CPU seconds (utime + stime) of each thread of this process, by tid, from /proc (clock ticks of 10 ms). */
function threadCpu(): Map<number, { name: string; s: number }> {
  const out = new Map<number, { name: string; s: number }>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        const name = stat.slice(stat.indexOf('(') + 1, close);
        const f = stat.slice(close + 2).split(' ');
        out.set(Number(tid), { name, s: (Number(f[11]) + Number(f[12])) / 100 });
      } catch {
        /* thread gone */
      }
    }
  } catch {
    /* no /proc */
  }
  return out;
}

function pssMiB(): number | null {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function main(w: WorkerInput): Promise<WorkerResult> {
  let session: Session | null = null;
  if (w.profileFile) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: w.profileIntervalUs ?? 250 });
    await session.post('Profiler.start');
  }

  const processStart = performance.timeOrigin;
  const cpuBeforeEngine = process.cpuUsage();
  const engine = new Engine({
    bindAddress: w.host,
    bindPort: 0,
    publicHost: w.host,
    startupSpreadMs: 0,
    ...(w.engineOptions ?? {}),
  });
  const engineCreated = epoch();
  const configs: RegistrationConfig[] = [];
  for (let i = 0; i < w.n; i++) {
    configs.push({
      id: String(i),
      username: `user${i}`,
      domain: `${w.host}:${w.port}`,
      ddi: String(100000 + i),
      password: w.password,
      registerServerUri: `sip:${w.host}:${w.port}`,
      expires: w.expires,
      transport: 'udp',
      enabled: true,
    });
  }

  const seen = new Uint8Array(w.n);
  const events = countByState();
  const progress: number[] = [];
  let registered = 0;
  let startCalled = 0;
  let firstRegisteredMs: number | null = null;
  let resolveDone!: () => void;
  const allDone = new Promise<void>((r) => (resolveDone = r));
  let refreshed = 0;
  let firstRefreshAt = 0;
  let lastRefreshAt = 0;
  let firstRefreshCpu: NodeJS.CpuUsage | null = null;
  let resolveRefreshed!: () => void;
  const allRefreshed = new Promise<void>((r) => (resolveRefreshed = r));
  engine.on('status', (s) => {
    events[s.state]++;
    if (s.state !== 'registered') return;
    const i = Number(s.registrationId);
    if (seen[i] === 1 && registered === w.n) {
      seen[i] = 2;
      refreshed++;
      lastRefreshAt = performance.now();
      if (refreshed === 1) {
        firstRefreshAt = lastRefreshAt;
        firstRefreshCpu = process.cpuUsage();
      }
      if (refreshed === w.n) resolveRefreshed();
      return;
    }
    if (seen[i]) return;
    seen[i] = 1;
    registered++;
    const t = performance.now();
    if (firstRegisteredMs === null) firstRegisteredMs = t - startPerf;
    const b = Math.floor((t - startPerf) / 250);
    while (progress.length <= b) progress.push(0);
    progress[b]++;
    if (registered === w.n) resolveDone();
  });

  const cpuBeforeStart = process.cpuUsage();
  startCalled = epoch();
  const startPerf = performance.now();
  await engine.start(configs, { spreadMs: 0 });
  const startReturned = epoch();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    allDone.then(() => false),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(true), w.timeoutMs))),
  ]);
  clearTimeout(timer);
  const done = epoch();
  const cpuDone = process.cpuUsage();
  const donePerf = performance.now();

  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(w.profileFile!, JSON.stringify(profile));
    session.disconnect();
  }

  const mem = process.memoryUsage();
  const result: WorkerResult = {
    n: w.n,
    registered,
    complete: !timedOut,
    at: { processStart, engineCreated, startCalled, startReturned, done },
    wallMs: donePerf - startPerf,
    cpu: {
      totalS: cpuSec(cpuDone),
      engineS: cpuSec(cpuDone) - cpuSec(cpuBeforeEngine),
      phaseS: cpuSec(cpuDone) - cpuSec(cpuBeforeStart),
      userS: (cpuDone.user - cpuBeforeStart.user) / 1e6,
      sysS: (cpuDone.system - cpuBeforeStart.system) / 1e6,
    },
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    rssAtDoneMiB: mib(mem.rss),
    heapUsedMiB: mib(mem.heapUsed),
    pssMiB: pssMiB(),
    liveHeapMiB: null,
    externalMiB: mib(mem.external),
    arrayBuffersMiB: mib(mem.arrayBuffers),
    events: { ...events },
    counters: engine.counters(),
    firstRegisteredMs,
    progress,
  };

  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    result.liveHeapMiB = mib(process.memoryUsage().heapUsed);
  }
  if (w.heapSnapshotFile) writeHeapSnapshot(w.heapSnapshotFile);
  if (w.settleMs && w.settleMs > 0) {
    await new Promise((r) => setTimeout(r, Math.min(w.settleMs!, 60_000)));
    gc?.();
    const m = process.memoryUsage();
    result.settled = {
      afterMs: w.settleMs,
      liveHeapMiB: gc ? mib(m.heapUsed) : null,
      rssMiB: mib(m.rss),
      externalMiB: mib(m.external),
      liveTransactions: engine.counters().liveTransactions,
    };
  }

  if (w.refreshRound) {
    const started0 = engine.counters().transactions.started;
    const audits = () => {
      const b = engine.counters().bindingChecks;
      return b.listed + b.lost + b.contactless + b.refused + b.failed;
    };
    const audits0 = audits();
    // With a profile: the round gets one of its own, <profileFile>.refresh.cpuprofile.
    let roundSession: Session | null = null;
    if (w.profileFile) {
      roundSession = new Session();
      roundSession.connect();
      await roundSession.post('Profiler.enable');
      await roundSession.post('Profiler.setSamplingInterval', { interval: w.profileIntervalUs ?? 250 });
      await roundSession.post('Profiler.start');
      // And every allocation sampled (those garbage-collected since included): <profileFile>.refresh.heapprofile.
      await roundSession.post('HeapProfiler.enable');
      await roundSession.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
    }
    const c0 = process.cpuUsage();
    const t0 = threadCpu();
    let t: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      allRefreshed.then(() => false),
      new Promise<boolean>((r) => (t = setTimeout(() => r(true), w.expires * 1000 + w.timeoutMs))),
    ]);
    clearTimeout(t);
    const c = process.cpuUsage(c0);
    const roundCpuS = firstRefreshCpu ? cpuSec(process.cpuUsage(firstRefreshCpu)) : 0;
    const t1 = threadCpu();
    const threads: Array<[string, number]> = [...t1].map(([tid, { name, s }]) => [`${name}${tid === process.pid ? ' (main)' : ''}`, s - (t0.get(tid)?.s ?? 0)]);
    if (roundSession) {
      const { profile: heap } = await roundSession.post('HeapProfiler.stopSampling');
      writeFileSync(w.profileFile!.replace(/\.cpuprofile$/, '') + '.refresh.heapprofile', JSON.stringify(heap));
      const { profile } = await roundSession.post('Profiler.stop');
      writeFileSync(w.profileFile!.replace(/\.cpuprofile$/, '') + '.refresh.cpuprofile', JSON.stringify(profile));
      roundSession.disconnect();
    }
    const cpuS = cpuSec(c);
    result.refresh = {
      refreshed,
      complete: !late,
      // REGISTERs sent in the round: 1 per refresh when the registrar accepts the cached nonce (nc + 1), 2 when it challenges again.
      requests: engine.counters().transactions.started - started0,
      // Binding audits in the window (a REGISTER query each, every bindingCheckMs): not refreshes.
      audits: audits() - audits0,
      cpuS,
      userS: c.user / 1e6,
      sysS: c.system / 1e6,
      roundCpuS,
      threads: threads.filter(([, cpu]) => cpu >= 0.005).sort((a, b) => b[1] - a[1]),
      roundWallS: (lastRefreshAt - firstRefreshAt) / 1000,
      cpuPerRefreshHourAt3600S: (cpuS * 3_600_000) / refreshDelayMs(3600, DEFAULT_RETRY_POLICY, () => 0.5),
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    };
  }

  if (w.stopDeadlineMs > 0) {
    const t = performance.now();
    await engine.stop(w.stopDeadlineMs);
    result.stop = { ms: performance.now() - t, counters: engine.counters(), registeredAfterStop: engine.counters().registrationsByState.registered };
  }
  // Otherwise no unREGISTERs: the process exits and its socket goes with it.
  return result;
}

main(input).then(
  (r) => {
    process.stdout.write(`BENCH_RESULT ${JSON.stringify(r)}\n`, () => process.exit(0));
  },
  (err: unknown) => {
    process.stdout.write(`BENCH_RESULT ${JSON.stringify({ error: String((err as Error)?.stack ?? err) })}\n`, () => process.exit(1));
  },
);
