// Soak: the product as deployed apart (portal `node dist/server.mjs` with REGISTRAR_ENABLED=0, and
// `npm run registrar` = `node dist/registrar.mjs`) against a local Kamailio, N registrations with
// a short expiry, one dashboard stream (/api/events) open, the registrar restarted (SIGTERM, which
// unregisters everything, then started again) half-way. Prints one line per minute: registrar
// and portal RSS and CPU, database and WAL size, rows per table, stream bytes, REGISTERs at
// Kamailio per refresh; then steady-state rates (the first minute and the minute of the restart are
// left out). A script, not a test:
//
//   npx tsx tests/bench/soak.ts                     # 20 minutes, 2,000 registrations, expires 60
//   SOAK_MINUTES=3 SOAK_N=1000 npx tsx tests/bench/soak.ts
//
// Settings (environment): SOAK_MINUTES (20), SOAK_N (2000), SOAK_EXPIRES (60 s), SOAK_RESTART
// (1: restart the registrar half-way; 0: never), SOAK_REGISTRAR (another registrar bundle, e.g. built
// from an older commit, to compare with the same portal), SOAK_JSON (file for all figures). See tests/bench/README.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { getFreePort, startKamailio, type KamailioHandle } from '../sip/harness';
import { startPortal } from '../portal-process';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MINUTES = Number(process.env.SOAK_MINUTES ?? 20);
const N = Number(process.env.SOAK_N ?? 2000);
const EXPIRES = Number(process.env.SOAK_EXPIRES ?? 60);
const RESTART = (process.env.SOAK_RESTART ?? '1') !== '0';
/** Another registrar bundle (e.g. one built from an older commit) to compare before/after with the same portal. */
const REGISTRAR_BUNDLE = resolve(process.env.SOAK_REGISTRAR ?? join(ROOT, 'dist', 'registrar.mjs'));
const PASSWORD = 'soak-secret';
const HOST = '127.0.0.1';
if (!(MINUTES >= 1 && MINUTES <= 24 * 60)) throw new Error('SOAK_MINUTES must be 1..1440');
if (!Number.isInteger(N) || N < 1 || N > 100_000) throw new Error('SOAK_N must be 1..100000');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (b: number) => (b / 1048576).toFixed(1);

function procStat(pid: number | undefined): { cpuTicks: number; rssBytes: number } | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuTicks: Number(f[11]) + Number(f[12]), rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return null;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function kamailioStats(k: KamailioHandle): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const group of ['registrar:', 'core:']) {
    for (const line of await k.rpc<string[]>('stats.get_statistics', group)) {
      const m = /^(\S+) = (-?\d+)/.exec(line);
      if (m) out[m[1]!] = Number(m[2]);
    }
  }
  return out;
}

console.error('soak: building (scripts/ensure-build.mjs)…');
const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.mjs')], { cwd: ROOT, stdio: 'inherit' });
if (built.status !== 0) throw new Error('build failed');

const kamailio = await startKamailio({ password: PASSWORD, children: 4, shmMb: 256, debug: 1, maxRecvBufferBytes: 4 * 1024 * 1024, startTimeoutMs: 20_000 });
const portal = await startPortal({ REGISTRAR_ENABLED: '0' });
let registrar: ChildProcess | null = null;
let registrarLog = '';
const sipPort = await getFreePort();
const stream = new AbortController();
const cleanup = async () => {
  stream.abort();
  if (registrar && registrar.exitCode === null) {
    registrar.kill('SIGKILL');
    await new Promise((r) => registrar!.once('exit', r));
  }
  await portal.stop();
  await kamailio.stop();
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  const db = new Database(portal.dbPath);
  db.pragma('busy_timeout = 5000');
  const provider = Number(db.prepare(`INSERT INTO ddi_providers (name) VALUES ('soak')`).run().lastInsertRowid);
  const insert = db.prepare(
    `INSERT INTO registrations (ddi_provider_id, username, domain, ddi, password, register_server_uri, expires, transport) VALUES (?, ?, ?, ?, ?, ?, ?, 'udp')`,
  );
  db.transaction(() => {
    for (let i = 1; i <= N; i++) insert.run(provider, `soak${i}`, HOST, String(3_000_000 + i), PASSWORD, `sip:${HOST}:${kamailio.udpPort}`, EXPIRES);
  })();

  const startRegistrar = () => {
    const child = spawn(process.execPath, ['--enable-source-maps', REGISTRAR_BUNDLE], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_PATH: portal.dbPath, SIP_BIND: `${HOST}:${sipPort}`, SIP_PUBLIC_HOST: HOST, REGISTRAR_STARTUP_SPREAD_MS: '10000' },
    });
    const keep = (d: Buffer) => (registrarLog = (registrarLog + d.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    return child;
  };
  registrar = startRegistrar();

  // one dashboard's stream (as the browser opens it: a snapshot without statuses), counting bytes (the snapshot apart)
  let streamBytes = 0;
  let snapshotBytes = 0;
  let statusEvents = 0;
  void (async () => {
    const res = await fetch(`${portal.base}/api/events?snapshot=none`, { headers: portal.adminHeaders(), signal: stream.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let firstSnapshot = true;
    let carry = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const text = carry + decoder.decode(value, { stream: true });
      const frames = text.split('\n\n');
      carry = frames.pop() ?? '';
      for (const f of frames) {
        const bytes = Buffer.byteLength(f) + 2;
        if (firstSnapshot && f.includes('event: snapshot')) {
          snapshotBytes += bytes;
          firstSnapshot = false;
        } else streamBytes += bytes;
        if (f.includes('event: status')) statusEvents++;
      }
    }
  })().catch(() => {});

  const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const usedBytes = () => {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return ((db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number)) * pageSize;
  };
  type Sample = {
    minute: number; registrarRss: number; registrarCpu: number; portalRss: number; portalCpu: number; dbBytes: number; walBytes: number; usedBytes: number;
    rows: Record<string, number>; streamBytes: number; statusEvents: number; registers: number; accepted: number; registered: number; note: string;
  };
  const samples: Sample[] = [];
  let prevKs = await kamailioStats(kamailio);
  let prevR = procStat(registrar.pid);
  let prevP = procStat(portal.pid);
  let prevStream = 0;
  let prevEvents = 0;
  const restartAt = RESTART ? Math.floor(MINUTES / 2) : -1;
  console.log(
    `soak: ${N} registrations, expires ${EXPIRES} s, ${MINUTES} min${RESTART ? `, registrar restart after minute ${restartAt}` : ''}; Kamailio ${HOST}:${kamailio.udpPort}, database ${portal.dbPath}`,
  );
  console.log('min  reg.RSS MiB  reg.CPU%  portal.RSS MiB  portal.CPU%  db MiB  wal MiB  used MiB  events  traces  stream KiB/min  status ev  REGISTER/min  REGISTER per refresh');
  for (let minute = 1; minute <= MINUTES; minute++) {
    let note = '';
    const t0 = Date.now();
    if (minute === restartAt + 1 && registrar) {
      const old = registrar;
      const exited = new Promise((r) => old.once('exit', r));
      old.kill('SIGTERM');
      await exited;
      registrar = startRegistrar();
      prevR = procStat(registrar.pid);
      note = 'registrar restarted';
    }
    await sleep(Math.max(0, 60_000 - (Date.now() - t0)));
    const ks = await kamailioStats(kamailio);
    const r = procStat(registrar?.pid);
    const p = procStat(portal.pid);
    const registers = (ks['core:rcv_requests_register'] ?? 0) - (prevKs['core:rcv_requests_register'] ?? 0);
    const accepted = (ks['registrar:accepted_regs'] ?? 0) - (prevKs['registrar:accepted_regs'] ?? 0);
    const s: Sample = {
      minute,
      registrarRss: r?.rssBytes ?? 0,
      registrarCpu: r && prevR ? (r.cpuTicks - prevR.cpuTicks) / 60 : 0, // ticks of 10 ms over 60 s → %
      portalRss: p?.rssBytes ?? 0,
      portalCpu: p && prevP ? (p.cpuTicks - prevP.cpuTicks) / 60 : 0,
      dbBytes: fileSize(portal.dbPath),
      walBytes: fileSize(`${portal.dbPath}-wal`),
      usedBytes: usedBytes(),
      rows: { registration_status: count('registration_status'), registration_events: count('registration_events'), registration_traces: count('registration_traces'), registration_changes: count('registration_changes') },
      streamBytes: streamBytes - prevStream,
      statusEvents: statusEvents - prevEvents,
      registers,
      accepted,
      registered: (db.prepare(`SELECT count(*) AS n FROM registration_status WHERE state = 'registered'`).get() as { n: number }).n,
      note,
    };
    samples.push(s);
    prevKs = ks;
    prevR = r;
    prevP = p;
    prevStream = streamBytes;
    prevEvents = statusEvents;
    console.log(
      [
        String(minute).padStart(3), mib(s.registrarRss).padStart(11), s.registrarCpu.toFixed(1).padStart(9), mib(s.portalRss).padStart(15), s.portalCpu.toFixed(1).padStart(12),
        mib(s.dbBytes).padStart(7), mib(s.walBytes).padStart(8), mib(s.usedBytes).padStart(9), String(s.rows.registration_events).padStart(7), String(s.rows.registration_traces).padStart(7),
        (s.streamBytes / 1024).toFixed(1).padStart(15), String(s.statusEvents).padStart(10), String(registers).padStart(13), (accepted > 0 ? registers / accepted : 0).toFixed(2).padStart(21),
        `  ${s.registered} registered${note ? ` (${note})` : ''}`,
      ].join(''),
    );
  }

  // steady state: from minute 2 (start-up is spread over 10 s), without the minute of the restart
  const steady = samples.filter((s) => s.minute >= 2 && s.minute !== restartAt + 1);
  const pairs = steady.slice(1).map((s, i) => [steady[i]!, s] as const).filter(([a, b]) => b.minute === a.minute + 1);
  const perHour = (f: (s: Sample) => number) => (pairs.length === 0 ? NaN : (pairs.reduce((sum, [a, b]) => sum + f(b) - f(a), 0) / pairs.length) * 60);
  const summary = {
    n: N, expires: EXPIRES, minutes: MINUTES, steadyMinutes: steady.map((s) => s.minute),
    snapshotKiB: +(snapshotBytes / 1024).toFixed(1),
    streamKiBPerMin: steady.length ? +(steady.reduce((a, s) => a + s.streamBytes, 0) / steady.length / 1024).toFixed(2) : NaN,
    statusEventsPerMin: steady.length ? +(steady.reduce((a, s) => a + s.statusEvents, 0) / steady.length).toFixed(1) : NaN,
    usedBytesPerHourMiB: +(perHour((s) => s.usedBytes) / 1048576).toFixed(2),
    eventRowsPerHour: Math.round(perHour((s) => s.rows.registration_events!)),
    traceRowsPerHour: Math.round(perHour((s) => s.rows.registration_traces!)),
    registersPerRefresh: steady.length ? +(steady.reduce((a, s) => a + s.registers, 0) / Math.max(1, steady.reduce((a, s) => a + s.accepted, 0))).toFixed(2) : NaN,
  };
  console.log(
    `steady (minutes ${summary.steadyMinutes.join(',') || 'none'}): stream ${summary.streamKiBPerMin} KiB/min (${summary.statusEventsPerMin} status events/min; snapshot ${summary.snapshotKiB} KiB once), ` +
      `database +${summary.usedBytesPerHourMiB} MiB/h used pages, timeline +${summary.eventRowsPerHour} rows/h, traces +${summary.traceRowsPerHour} rows/h (net), REGISTERs per accepted refresh ${summary.registersPerRefresh}`,
  );
  if (process.env.SOAK_JSON) writeFileSync(process.env.SOAK_JSON, JSON.stringify({ summary, samples }, null, 2));
  db.close();
} catch (err) {
  console.error(err, `\n--- registrar output ---\n${registrarLog}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

