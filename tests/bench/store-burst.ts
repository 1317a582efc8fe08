// Database work on the SIP path: N digest-authenticated UDP registrations against a local
// Kamailio, with the engine's output persisted by the registrar's StatusStore into a real portal
// database (temp file, migrated) in the same process, as `npm run registrar` does. Prints the
// event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) over the burst, the
// store's transactions (count, longest, total) and the rows written. A script, not a test:
//
//   npx tsx tests/bench/store-burst.ts [--n 10000] [--chunk 50] [--store FILE|none] [--runs 1] [--json FILE]
//
// --store loads another StatusStore module (e.g. a version from git history:
// `git show <rev>:registrar/store/status-store.ts > /tmp/before.ts`) to compare before/after in
// the same conditions; one without drain() is flushed whole every 50 ms, as it was.
// See tests/bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { closeDatabase, openDatabase } from '../../lib/db/client';
import { rawOf } from '../db';
import { Engine } from '../../registrar/engine';
import type { RegistrationConfig } from '../../registrar/registration/config';
import type { RegistrationStatus, TraceEvent } from '../../registrar/registration/status';
import { startKamailio } from '../sip/harness';

const { values: argv } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    chunk: { type: 'string', default: '50' },
    store: { type: 'string' },
    runs: { type: 'string', default: '1' },
    'timeout-s': { type: 'string', default: '120' },
    json: { type: 'string' },
  },
});
const N = Number(argv.n);
const RUNS = Number(argv.runs);
if (!Number.isInteger(N) || N < 1 || N > 100_000) throw new Error('--n must be 1..100000');
const HOST = '127.0.0.1';
const PASSWORD = 'bench-secret';
const FLUSH_MS = 50;

interface StoreLike {
  pushStatus(s: RegistrationStatus): void;
  pushTrace(t: TraceEvent): void;
  flush(): void;
  drain?: () => void;
  readonly pending: number;
}
type StoreCtor = new (sqlite: unknown, options: Record<string, unknown>) => StoreLike;
/** `--store none`: nothing persisted (the engine alone: the delay the SIP work itself causes). */
class NoStore implements StoreLike {
  readonly pending = 0;
  pushStatus(): void {}
  pushTrace(): void {}
  flush(): void {}
  writeBatch(): void {}
}
const storeModule = argv.store && argv.store !== 'none' ? pathToFileURL(resolve(argv.store)).href : '../../registrar/store/status-store';
const { StatusStore } = argv.store === 'none' ? { StatusStore: NoStore as unknown as StoreCtor } : ((await import(storeModule)) as { StatusStore: StoreCtor });

const kamailio = await startKamailio({ password: PASSWORD, children: 4, shmMb: 256, debug: 1, maxRecvBufferBytes: 4 * 1024 * 1024, startTimeoutMs: 20_000 });
const cleanup: Array<() => void> = [() => void kamailio.stop()];
process.once('SIGINT', () => {
  for (const f of cleanup) f();
  process.exit(130);
});

const pct = (a: number[], p: number) => (a.length === 0 ? 0 : [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((a.length * p) / 100))]!);
const q = (h: ReturnType<typeof monitorEventLoopDelay>, p: number) => h.percentile(p) / 1e6;
const results: unknown[] = [];
try {
  for (let run = 1; run <= RUNS; run++) results.push(await oneRun(run));
} finally {
  for (const f of cleanup) f();
}
if (argv.json) (await import('node:fs')).writeFileSync(argv.json, JSON.stringify({ n: N, chunk: argv.chunk, store: argv.store ?? 'current', results }, null, 2));

async function oneRun(run: number) {
  const dir = mkdtempSync(join(tmpdir(), 'store-burst-'));
  const db = openDatabase(join(dir, 'portal.db'));
  const sqlite = rawOf(db);
  try {
    const provider = (await sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('bench')`).run()).lastInsertRowid;
    const insert = sqlite.prepare(`INSERT INTO registrations (id, ddi_provider_id, username, domain, ddi, expires, transport) VALUES (?, ?, ?, ?, ?, 3600, 'udp')`);
    await sqlite.transaction(async () => {
      for (let i = 1; i <= N; i++) await insert.run(i, provider, `user${i}`, `${HOST}:${kamailio.udpPort}`, String(100000 + i));
    });
    const configs: RegistrationConfig[] = [];
    for (let i = 1; i <= N; i++) {
      configs.push({
        id: String(i), username: `user${i}`, domain: `${HOST}:${kamailio.udpPort}`, ddi: String(100000 + i), password: PASSWORD,
        registerServerUri: `sip:${HOST}:${kamailio.udpPort}`, expires: 3600, transport: 'udp', enabled: true,
      });
    }

    const store = new StatusStore(db, { writeChunk: Number(argv.chunk) });
    // time every transaction (both versions commit through their private writeBatch)
    const tx = { count: 0, totalMs: 0, maxMs: 0, over5: 0, all: [] as number[] };
    const s = store as unknown as { writeBatch: (...a: unknown[]) => Promise<void> };
    const inner = s.writeBatch.bind(store);
    s.writeBatch = async (...a: unknown[]) => {
      const t0 = performance.now();
      await inner(...a);
      const ms = performance.now() - t0;
      tx.count++;
      tx.totalMs += ms;
      tx.all.push(ms);
      if (ms > tx.maxMs) tx.maxMs = ms;
      if (ms > 5) tx.over5++;
    };

    const engine = new Engine({ bindAddress: HOST, bindPort: 0, publicHost: HOST, startupSpreadMs: 0 });
    let registered = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const seen = new Uint8Array(N + 1);
    engine.on('status', (st) => {
      store.pushStatus(st);
      if (st.state === 'registered' && !seen[Number(st.registrationId)]) {
        seen[Number(st.registrationId)] = 1;
        if (++registered === N) resolveDone();
      }
    });
    engine.on('trace', (t) => store.pushTrace(t));
    const flushTimer = setInterval(() => void (store.drain ? store.drain() : store.flush()), FLUSH_MS);

    const delay = monitorEventLoopDelay({ resolution: 1 });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    delay.enable();
    await engine.start(configs, { spreadMs: 0 });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), Number(argv['timeout-s']) * 1000)))]);
    clearTimeout(timer);
    const registeredMs = performance.now() - t0;
    // until everything queued is committed
    while (store.pending > 0) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, FLUSH_MS * 2));
    delay.disable();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(flushTimer);

    const rows = async (table: string) => ((await sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get()) as { n: number }).n;
    const result = {
      run,
      registered,
      timedOut,
      registeredMs: Math.round(registeredMs),
      wallMs: Math.round(wallMs),
      cpuS: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      loopDelayMs: { p50: q(delay, 50), p99: q(delay, 99), max: delay.max / 1e6, mean: +(delay.mean / 1e6).toFixed(2) },
      transactions: { count: tx.count, totalMs: Math.round(tx.totalMs), p50Ms: +pct(tx.all, 50).toFixed(2), p99Ms: +pct(tx.all, 99).toFixed(2), maxMs: +tx.maxMs.toFixed(1), over5ms: tx.over5 },
      rows: { status: await rows('registration_status'), events: await rows('registration_events'), traces: await rows('registration_traces') },
    };
    console.log(
      `run ${run}: ${registered}/${N} registered in ${result.registeredMs} ms (all committed ${result.wallMs} ms), CPU ${result.cpuS} s\n` +
        `  event-loop delay ms: p50 ${result.loopDelayMs.p50.toFixed(1)}  p99 ${result.loopDelayMs.p99.toFixed(1)}  max ${result.loopDelayMs.max.toFixed(1)}  mean ${result.loopDelayMs.mean}\n` +
        `  store transactions: ${tx.count}, total ${result.transactions.totalMs} ms, p50 ${result.transactions.p50Ms} ms, p99 ${result.transactions.p99Ms} ms, longest ${result.transactions.maxMs} ms, over 5 ms: ${tx.over5}\n` +
        `  rows: status ${result.rows.status}, events ${result.rows.events}, traces ${result.rows.traces}`,
    );
    await engine.stop(0);
    return result;
  } finally {
    await closeDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  }
}
