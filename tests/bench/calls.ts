// Calls through the engine's proxy (registrar/proxy/): sipp UAC (carrier) → engine → sipp UAS
// (PBX), against UAC → UAS direct in the same run. Prints calls per second completed and the
// INVITE → 200 response time (sipp's -trace_rtt), whose p95 difference is what relaying adds.
// Then the portal with the engine inside (`npm start`): /api/health latency idle and while
// calls are relayed at the same rate, i.e. what call load does to the Next.js event loop.
//   npx tsx tests/bench/calls.ts [--calls 2000] [--rate 200] [--portal 1]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../registrar/engine';
import { SCENARIO_DIR, getFreePort, startSipp } from '../sip/harness';
import { ensureBuild, fmt, num, parseArgs, printTable, startPortal, summarize, type Summary } from './live-common';

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

/** /api/health round trips, one after the other, for `ms`. */
async function healthLatency(base: string, ms: number): Promise<Summary> {
  const out: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t0 = performance.now();
    await (await fetch(`${base}/api/health`)).text();
    out.push(performance.now() - t0);
  }
  return summarize(out);
}

async function portalRun(): Promise<{ idle: Summary; loaded: Summary; calls: Run }> {
  ensureBuild();
  const pbx = await startSipp('uas-pbx.xml', { maxCalls: CALLS, timeoutSec: 300, extraArgs: ['-fd', '1'] });
  const sipPort = await getFreePort();
  const portal = await startPortal({ SIP_BIND: `127.0.0.1:${sipPort}`, SIP_PUBLIC_HOST: '127.0.0.1', SIP_FORWARD_TO: `sip:127.0.0.1:${pbx.port}`, REGISTRAR_ENABLED: '1' });
  try {
    await healthLatency(portal.base, 1000); // warm-up
    const idle = await healthLatency(portal.base, 5000);
    const calls = uac(`127.0.0.1:${sipPort}`);
    const loaded = await healthLatency(portal.base, Math.min(5000, (CALLS / RATE) * 1000));
    return { idle, loaded, calls: await calls };
  } finally {
    await portal.stop();
    await pbx.stop();
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
  const p = await portalRun();
  console.log(`\nportal with the engine inside (npm start): GET /api/health, sequential`);
  printTable([
    ['', 'requests', 'p50 ms', 'p95 ms', 'max ms'],
    ['idle', p.idle.n, fmt(p.idle.p50, 2), fmt(p.idle.p95, 2), fmt(p.idle.max, 1)],
    [`relaying ${RATE} calls/s`, p.loaded.n, fmt(p.loaded.p50, 2), fmt(p.loaded.p95, 2), fmt(p.loaded.max, 1)],
  ]);
  console.log(`calls during that: ${p.calls.ok} ok, ${p.calls.failed} failed, INVITE→200 p95 ${fmt(p.calls.rtt.p95, 1)} ms`);
}
process.exit(0);
