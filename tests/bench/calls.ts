// Calls through the engine's proxy (registrar/proxy/): sipp UAC (carrier) → engine → sipp UAS
// (PBX), against UAC → UAS direct in the same run. Prints calls per second completed and the
// INVITE → 200 response time (sipp's -trace_rtt), whose p95 difference is what relaying adds.
// Then the portal (`npm start`, REGISTRAR_ENABLED=1): the portal process's event-loop delay
// (tests/bench/loop-probe.mjs) and API latency (GET /api/health and a page of GET
// /api/registrations, sequential) idle and while calls are relayed at the same rate, i.e. what
// call load does to the Next.js event loop. With `--before <dir>`, the same for the build in
// <dir> too (e.g. a copy of main from before the engine had its own process: engine in-process).
//   npx tsx tests/bench/calls.ts [--calls 2000] [--rate 200] [--portal 1] [--before /tmp/main-copy]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Engine } from '../../registrar/engine';
import { SCENARIO_DIR, getFreePort, startSipp } from '../sip/harness';
import { ensureBuild, fmt, num, parseArgs, printTable, sleep, startPortal, summarize, type Portal, type Summary } from './live-common';

const DDI = '493012345678';
const args = parseArgs(process.argv.slice(2));
const CALLS = num(args, 'calls', 2000);
const RATE = num(args, 'rate', 200);

interface Run {
  ok: number;
  failed: number;
  wallS: number;
  rtt: Summary;
}

/** sipp UAC: CALLS calls at RATE/s to `remote`; wall time and the INVITE → 200 times. */
async function uac(remote: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-calls-'));
  const started = Date.now();
  const child = spawn('sipp', ['-sf', join(SCENARIO_DIR, 'uac-call.xml'), remote, '-i', '127.0.0.1', '-p', String(await getFreePort()), '-s', DDI,
    '-m', String(CALLS), '-r', String(RATE), '-l', String(RATE * 4), '-timeout', '300s', '-timeout_error', '-nostdin', '-default_behaviors', 'none',
    '-trace_rtt', '-rtt_freq', '1', '-trace_stat', '-fd', '1'], { cwd: dir, stdio: 'ignore' });
  await new Promise<void>((res) => child.once('exit', () => res()));
  const wallS = (Date.now() - started) / 1000;
  const read = (suffix: string) => readdirSync(dir).filter((f) => f.endsWith(suffix)).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  const rtt = read('_rtt.csv').split('\n').slice(1).map((l) => Number(l.split(';')[1])).filter((v) => Number.isFinite(v) && v >= 0);
  const stat = read('_.csv').trim().split('\n');
  const header = (stat[0] ?? '').split(';');
  const last = (stat[stat.length - 1] ?? '').split(';');
  const col = (name: string) => Number(last[header.indexOf(name)] ?? NaN);
  rmSync(dir, { recursive: true, force: true });
  return { ok: col('SuccessfulCall(C)'), failed: col('FailedCall(C)'), wallS, rtt: summarize(rtt) };
}

async function relayRun(direct: boolean): Promise<Run> {
  const pbx = await startSipp('uas-pbx.xml', { maxCalls: CALLS, timeoutSec: 300, extraArgs: ['-fd', '1'] });
  let engine: Engine | null = null;
  try {
    let target = `127.0.0.1:${pbx.port}`;
    if (!direct) {
      engine = new Engine({ bindAddress: '127.0.0.1', bindPort: 0, publicHost: '127.0.0.1', forwardTo: `sip:127.0.0.1:${pbx.port}` });
      await engine.start([]);
      target = `127.0.0.1:${engine.listeningPorts().udp}`;
    }
    return await uac(target);
  } finally {
    await engine?.stop(1000);
    await pbx.stop();
  }
}

/** `path` round trips, one after the other, for `ms`. */
async function latency(portal: Portal, path: string, ms: number): Promise<Summary> {
  const out: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t0 = performance.now();
    await (await fetch(`${portal.base}${path}`, { headers: portal.adminHeaders() })).text();
    out.push(performance.now() - t0);
  }
  return summarize(out);
}

interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

interface Window {
  health: Summary;
  list: Summary;
  loop: LoopDelay;
}

/** The portal's event-loop delay since the last call (loop-probe.mjs writes it on SIGUSR2). */
async function loopWindow(portal: Portal, file: string): Promise<LoopDelay> {
  const out = `${file}.${portal.pid}`;
  rmSync(out, { force: true });
  process.kill(portal.pid, 'SIGUSR2');
  const deadline = Date.now() + 5000;
  while (!existsSync(out)) {
    if (Date.now() > deadline) throw new Error('the portal wrote no event-loop figures (loop-probe.mjs not loaded?)');
    await sleep(20);
  }
  await sleep(20);
  return JSON.parse(readFileSync(out, 'utf8')) as LoopDelay;
}

/** Half the window on GET /api/health, half on a page of registrations; the loop delay over both. */
async function window(portal: Portal, file: string, ms: number): Promise<Window> {
  await loopWindow(portal, file);
  const health = await latency(portal, '/api/health', ms / 2);
  const list = await latency(portal, '/api/registrations?limit=50', ms / 2);
  return { health, list, loop: await loopWindow(portal, file) };
}

async function portalRun(cwd: string): Promise<{ idle: Window; loaded: Window; calls: Run }> {
  const pbx = await startSipp('uas-pbx.xml', { maxCalls: CALLS, timeoutSec: 300, extraArgs: ['-fd', '1'] });
  const sipPort = await getFreePort();
  const probeDir = mkdtempSync(join(tmpdir(), 'bench-loop-'));
  const portal = await startPortal(
    {
      SIP_BIND: `127.0.0.1:${sipPort}`,
      SIP_PUBLIC_HOST: '127.0.0.1',
      SIP_FORWARD_TO: `sip:127.0.0.1:${pbx.port}`,
      REGISTRAR_ENABLED: '1',
      NODE_OPTIONS: `--import=${resolve('tests/bench/loop-probe.mjs')}`,
      BENCH_LOOP_FILE: join(probeDir, 'loop'),
    },
    undefined,
    { cwd },
  );
  try {
    const file = join(probeDir, 'loop');
    await latency(portal, '/api/health', 1000); // warm-up
    await latency(portal, '/api/registrations?limit=50', 1000);
    const idle = await window(portal, file, 5000);
    const calls = uac(`127.0.0.1:${sipPort}`);
    const loaded = await window(portal, file, Math.min(6000, (CALLS / RATE) * 1000 - 1000));
    return { idle, loaded, calls: await calls };
  } finally {
    await portal.stop();
    await pbx.stop();
    rmSync(probeDir, { recursive: true, force: true });
  }
}

const direct = await relayRun(true);
const relayed = await relayRun(false);
console.log(`\n${CALLS} calls at ${RATE}/s offered (INVITE, 200, ACK, 200 ms, BYE, 200), sipp on 127.0.0.1\n`);
printTable([
  ['path', 'calls ok', 'failed', 'wall s', 'calls/s', 'INVITE→200 p50 ms', 'p95 ms', 'max ms'],
  ...([['UAC → UAS direct', direct], ['UAC → engine → UAS', relayed]] as const).map(([name, r]) => [
    name, r.ok, r.failed, fmt(r.wallS, 2), fmt(r.ok / r.wallS, 0), fmt(r.rtt.p50, 1), fmt(r.rtt.p95, 1), fmt(r.rtt.max, 0),
  ]),
]);
console.log(`\nadded by the engine: p95 ${fmt(relayed.rtt.p95 - direct.rtt.p95, 1)} ms, p50 ${fmt(relayed.rtt.p50 - direct.rtt.p50, 1)} ms`);

if (num(args, 'portal', 1) === 1) {
  ensureBuild();
  const runs: Array<[string, Awaited<ReturnType<typeof portalRun>>]> = [];
  if (typeof args.before === 'string') runs.push([`before (${args.before})`, await portalRun(resolve(args.before))]);
  runs.push(['this build', await portalRun(process.cwd())]);
  console.log(`\nportal (npm start, REGISTRAR_ENABLED=1): its event-loop delay and API latency (sequential requests), idle and while relaying ${RATE} calls/s`);
  printTable([
    ['build', 'window', 'loop p50 ms', 'loop p99 ms', 'loop max ms', 'health p50 ms', 'health p95 ms', 'list p50 ms', 'list p95 ms', 'list max ms'],
    ...runs.flatMap(([name, r]) =>
      ([['idle', r.idle], ['calls', r.loaded]] as const).map(([w, x]) => [
        name, w, fmt(x.loop.p50, 1), fmt(x.loop.p99, 1), fmt(x.loop.max, 0), fmt(x.health.p50, 2), fmt(x.health.p95, 2), fmt(x.list.p50, 2), fmt(x.list.p95, 2), fmt(x.list.max, 0),
      ]),
    ),
  ]);
  for (const [name, r] of runs) console.log(`${name}: calls during that ${r.calls.ok} ok, ${r.calls.failed} failed, INVITE→200 p95 ${fmt(r.calls.rtt.p95, 1)} ms`);
}
process.exit(0);
