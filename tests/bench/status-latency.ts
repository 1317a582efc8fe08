// Benchmark (prints figures, asserts nothing; not part of `npm test`): how long after the SIP
// 200 OK reaches our socket the dashboard's badge shows `registered`, over many transitions.
//
//   npx tsx tests/bench/status-latency.ts [--n 50] [--cycles 20] [--stagger-ms 20] [--json FILE]
//
// Real path: a Kamailio registrar (tests/sip/harness.ts), the portal (`node dist/server.mjs`) with
// the registrar engine inside (REGISTRAR_ENABLED=1), N registrations created through the REST
// API, the dashboard open in Debian Chromium. Each cycle: POST /unregister for all (wait until
// every badge shows `unregistered`), then POST /register for each, `--stagger-ms` apart, and
// wait until every badge shows `registered`. Per transition:
//   t0   `at` of the incoming `SIP/2.0 200` in GET /api/registrations/:id/trace (the engine's
//        Date.now() when the response is handed to the registration: same tick as the socket
//        'message' event, after parsing; see README)
//   ev   `at` of the `registered` status event (engine transition time)
//   db   first time a read-only connection polling registration_events (every --db-poll-ms)
//        sees that event, i.e. after the store's flush committed it
//   sse  page Date.now() when the app's EventSource receives the `status` message
//   t1   page Date.now() when the badge (tr[data-registration-id] .badge[data-state]) in the
//        dashboard's table changes to `registered` (MutationObserver: DOM commit, before paint)
// Same machine, same clock (Date.now() in Node and in Chromium).
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { chromium } from 'playwright-core';
import { startKamailio, type KamailioHandle } from '../sip/harness';
import { chromiumLaunchOptions, ensureBuild, fmt, installProbes, num, parseArgs, printTable, signedInContext, sleep, startPortal, summarize, type Portal } from './live-common';

const args = parseArgs(process.argv.slice(2));
const N = num(args, 'n', 50);
const CYCLES = num(args, 'cycles', 20);
const STAGGER_MS = num(args, 'stagger-ms', 20);
const DB_POLL_MS = num(args, 'db-poll-ms', 2);
const PASSWORD = 'bench-secret';
const ROW = 41;

type W = Window & { __badges: [number, string, number][]; __sse: [number, string, number, number][] };
type Trace = { direction: 'in' | 'out'; at: number | string; text: string };

interface Sample {
  id: number;
  cycle: number;
  cmd: number;
  t0: number;
  ev: number;
  db: number;
  sse: number;
  t1: number;
}

let authHeaders: Record<string, string> = {};

async function api<T>(base: string, path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method: init?.method ?? 'GET',
    headers: { ...authHeaders, ...(init?.body ? { 'content-type': 'application/json' } : {}) },
    body: init?.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

async function main() {
  ensureBuild();
  let kamailio: KamailioHandle | null = null;
  let portal: Portal | null = null;
  const browser = await chromium.launch(chromiumLaunchOptions);
  let poller: NodeJS.Timeout | null = null;
  const cleanup = async () => {
    if (poller) clearInterval(poller);
    await browser.close().catch(() => {});
    await portal?.stop();
    await kamailio?.stop();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const users = Object.fromEntries(Array.from({ length: N }, (_, i) => [`lat${i}`, PASSWORD]));
    kamailio = await startKamailio({ users });
    portal = await startPortal({
      REGISTRAR_ENABLED: '1',
      SIP_BIND: '127.0.0.1:0',
      SIP_PUBLIC_HOST: '127.0.0.1',
      REGISTRAR_STARTUP_SPREAD_MS: '0',
    });
    const base = portal.base;
    authHeaders = portal.adminHeaders();
    console.log(`kamailio udp ${kamailio.udpPort}; portal ${base}`);

    const provider = await api<{ id: number }>(base, '/api/ddi-providers', { method: 'POST', body: { name: `Latency carrier ${Date.now()}` } });
    const ids: number[] = [];
    for (let i = 0; i < N; i++) {
      const r = await api<{ id: number }>(base, '/api/registrations', {
        method: 'POST',
        body: {
          ddiProviderId: provider.id,
          username: `lat${i}`,
          domain: `127.0.0.1:${kamailio.udpPort}`,
          ddi: `+3491${String(i).padStart(7, '0')}`,
          password: PASSWORD,
        },
      });
      ids.push(r.id);
    }

    // registration_events as committed, seen by another connection (what EventTail reads)
    const db = new Database(portal.dbPath, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const after = db.prepare<[number], { id: number; registration_id: number; state: string; at: number }>(
      'SELECT id, registration_id, state, at FROM registration_events WHERE id > ? ORDER BY id',
    );
    let cursor = 0;
    const dbSeen: { id: number; state: string; at: number; seen: number }[] = [];
    poller = setInterval(() => {
      const rows = after.all(cursor);
      if (rows.length === 0) return;
      const seen = Date.now();
      cursor = rows[rows.length - 1]!.id;
      for (const r of rows) dbSeen.push({ id: r.registration_id, state: r.state, at: r.at, seen });
    }, DB_POLL_MS);

    const page = await (await signedInContext(browser, portal)).newPage();
    page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
    await page.addInitScript(`globalThis.__name ??= (f) => f; (${installProbes.toString()})({ milestones: false });`);
    await page.goto(`${base}/`);
    // every row rendered: the virtualised table's scroll box made tall enough for all N rows
    await page.addStyleTag({ content: `.virtual-wrap { height: ${(N + 2) * ROW + 60}px !important; max-height: none !important; }` });
    const waitAll = async (state: string, since: number, timeout = 60_000) => {
      try {
        await page.waitForFunction(
          ([want, s, n]) => {
            const w = window as unknown as W;
            const latest = new Map<number, [string, number]>();
            for (const [id, st, t] of w.__badges) latest.set(id, [st, t]);
            let ok = 0;
            for (const [, [st, t]] of latest) if (st === want && t >= (s as number)) ok++;
            return ok >= (n as number);
          },
          [state, since, N] as const,
          { timeout, polling: 100 },
        );
        return true;
      } catch {
        return false;
      }
    };
    if (!(await waitAll('registered', 0))) throw new Error('not every registration became registered at start');
    console.log(`${N} registrations created and registered; dashboard shows them`);

    const samples: Sample[] = [];
    let lost = 0;
    const cmdToOk: number[] = [];
    for (let c = 0; c < CYCLES; c++) {
      const unregAt = Date.now();
      await Promise.all(ids.map((id) => api(base, `/api/registrations/${id}/unregister`, { method: 'POST' })));
      if (!(await waitAll('unregistered', unregAt))) console.log(`cycle ${c + 1}: not all unregistered within 60 s`);
      await sleep(200);
      await page.evaluate(() => {
        const w = window as unknown as W;
        w.__sse.length = 0;
      });
      const cmd = new Map<number, number>();
      const cycleStart = Date.now();
      const posts: Promise<unknown>[] = [];
      for (let k = 0; k < ids.length; k++) {
        const wait = cycleStart + k * STAGGER_MS - Date.now();
        if (wait > 0) await sleep(wait);
        cmd.set(ids[k]!, Date.now());
        posts.push(api(base, `/api/registrations/${ids[k]}/register`, { method: 'POST' }));
      }
      await Promise.all(posts);
      if (!(await waitAll('registered', cycleStart))) console.log(`cycle ${c + 1}: not all registered within 60 s`);
      await sleep(150);
      const page1 = await page.evaluate(() => {
        const w = window as unknown as W;
        return { badges: w.__badges.slice(), sse: w.__sse.slice() };
      });
      const traces = await Promise.all(ids.map((id) => api<{ items: Trace[] }>(base, `/api/registrations/${id}/trace`)));
      ids.forEach((id, k) => {
        const since = cmd.get(id)!;
        const toMs = (v: number | string) => (typeof v === 'number' ? v : new Date(v).getTime());
        const ok = traces[k]!.items.filter((m) => m.direction === 'in' && m.text.startsWith('SIP/2.0 200') && toMs(m.at) >= since);
        const ev = dbSeen.find((e) => e.id === id && e.state === 'registered' && e.at >= since);
        const sse = page1.sse.find(([rid, st, , recv]) => rid === id && st === 'registered' && recv >= since);
        const badge = page1.badges.find(([rid, st, t]) => rid === id && st === 'registered' && t >= since);
        if (ok.length === 0 || !ev || !sse || !badge) {
          lost++;
          return;
        }
        const t0 = toMs(ok[ok.length - 1]!.at);
        cmdToOk.push(t0 - since);
        samples.push({ id, cycle: c + 1, cmd: since, t0, ev: ev.at, db: ev.seen, sse: sse[3], t1: badge[2] });
      });
      process.stdout.write(`cycle ${c + 1}/${CYCLES}: ${samples.length} transitions measured\r`);
    }
    process.stdout.write('\n');
    clearInterval(poller);
    poller = null;
    db.close();

    const s = (f: (x: Sample) => number) => summarize(samples.map(f));
    const rows: [string, ReturnType<typeof summarize>][] = [
      ['200 OK at socket → badge registered (t1 − t0)', s((x) => x.t1 - x.t0)],
      ['  200 OK → status event (engine)', s((x) => x.ev - x.t0)],
      ['  status event → committed in DB (flush)', s((x) => x.db - x.ev)],
      ['  committed → SSE message in page', s((x) => x.sse - x.db)],
      ['  SSE message → badge in DOM', s((x) => x.t1 - x.sse)],
      ['200 OK → SSE message in page', s((x) => x.sse - x.t0)],
      ['(POST /register → 200 OK at socket)', summarize(cmdToOk)],
    ];
    console.log(`\nStatus latency, ${samples.length} 'registered' transitions (${N} registrations × ${CYCLES} cycles, register commands ${STAGGER_MS} ms apart; ${lost} not matched), ms`);
    printTable([['stage', 'n', 'p50', 'p95', 'max', 'mean', 'min'], ...rows.map(([label, v]) => [label, v.n, fmt(v.p50, 0), fmt(v.p95, 0), fmt(v.max, 0), fmt(v.mean), fmt(v.min, 0)])]);
    console.log(`DB commit times are seen by a poller every ${DB_POLL_MS} ms (add up to that to "flush", take it off "→ SSE").`);
    if (typeof args.json === 'string') {
      writeFileSync(args.json, JSON.stringify({ n: N, cycles: CYCLES, staggerMs: STAGGER_MS, samples, lost }, null, 1));
      console.log(`samples written to ${args.json}`);
    }
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
