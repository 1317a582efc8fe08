// Benchmark (prints figures, asserts nothing; not part of `npm test`): the dashboard with N
// registrations (default 10,000; `--n 100000` for issue 12's target) and a stream of status
// events (default 500/s for 10 s). Prints the first meaningful render (counts + problems + first
// rows: the dashboard reads GET /api/registrations/summary and window pages of GET
// /api/registrations, so it should not grow with N), search/filter answer times through the API
// (p50/p95 per query, --search-reps each), and frame times under the event stream.
//
//   npx tsx tests/bench/dashboard.ts [--n 10000] [--rate 500] [--seconds 10] [--loads 3]
//                                    [--tick-ms 20] [--probes-per-s 10] [--search-reps 40] [--json FILE]
//
// A portal server of its own (`node dist/server.mjs`, registrar off, temp database) is seeded
// straight in SQLite; events are written as the engine writes them (registration_status upsert
// + registration_events insert, one transaction per tick), so the portal's EventTail pushes them
// over SSE exactly as in production. Chromium is Debian's (/usr/bin/chromium) via playwright-core.
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { chromium, type Page } from 'playwright-core';
import {
  chromiumLaunchOptions, ensureBuild, signedInContext, fmt, installProbes, num, parseArgs, printTable, sleep, startFrameProbe, startPortal, stopFrameProbe, summarize,
  type Portal,
} from './live-common';
import { seedRegistrations } from './seed-sqlite';

const args = parseArgs(process.argv.slice(2));
const N = num(args, 'n', 10_000);
const RATE = num(args, 'rate', 500);
const SECONDS = num(args, 'seconds', 10);
const LOADS = Math.max(1, num(args, 'loads', 3));
const TICK_MS = num(args, 'tick-ms', 20);
const PROBES_PER_S = num(args, 'probes-per-s', 10);
const IDLE_MS = 2000;
const SEARCH_REPS = Math.max(2, num(args, 'search-reps', 40));
/** Registrations whose rows are on screen at the top of the table (ids 2..PROBE_IDS+1). */
const PROBE_IDS = 12;

type W = Window & {
  __badges: [number, string, number][];
  __sse: [number, string, number, number][];
  __longtasks: [number, number][];
  __marks: Record<string, number>;
};

function seed(dbPath: string): Map<number, string> {
  const db = new Database(dbPath);
  db.pragma('busy_timeout = 5000');
  const initial = db.transaction(() => seedRegistrations(db, N, Date.now()))();
  db.close();
  return initial;
}

interface LoadFigures {
  fcp: number;
  shell: number;
  progress: number;
  counts: number;
  firstRows: number;
  meaningful: number;
  allLoaded: number;
  apiFirstStart: number;
  apiLastEnd: number;
  apiRequests: number;
  heapMb: number;
  domNodes: number;
}

async function measureLoad(page: Page, base: string): Promise<LoadFigures> {
  await page.goto(`${base}/`);
  await page.waitForFunction((n) => document.querySelector('.list .count')?.textContent?.trim() === `${n.toLocaleString('en-US')} registrations`, N, {
    timeout: 120_000,
    polling: 50,
  });
  await sleep(300);
  return page.evaluate(() => {
    const w = window as unknown as W;
    const m = w.__marks;
    const fcp = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? NaN;
    const api = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => /\/api\/registrations(\/summary)?\?/.test(e.name));
    const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return {
      fcp,
      shell: m.shell ?? NaN,
      progress: m.progress ?? NaN,
      counts: m.counts ?? NaN,
      firstRows: m.firstRows ?? NaN,
      meaningful: m.meaningful ?? NaN,
      allLoaded: m.allLoaded ?? NaN,
      apiFirstStart: api.length ? Math.min(...api.map((e) => e.startTime)) : NaN,
      apiLastEnd: api.length ? Math.max(...api.map((e) => e.responseEnd)) : NaN,
      apiRequests: api.length,
      heapMb: mem ? mem.usedJSHeapSize / 1048576 : NaN,
      domNodes: document.getElementsByTagName('*').length,
    };
  });
}

/** Queries the dashboard's table sends (window page 1 of 100), timed in the page. */
const SEARCH_QUERIES = [
  'summary',
  'q=perf1234',
  'q=9999',
  'q=perf',
  'q=carrier 3',
  'q=zzz',
  'state=rejected',
  'state=retrying,rejected',
  'state=registered',
  'ddiProviderId=3',
  'q=perf12&state=rejected',
  'page=500',
];

async function measureSearches(page: Page): Promise<{ query: string; total: number; times: number[]; p50: number; p95: number; max: number }[]> {
  const out = [];
  for (const query of SEARCH_QUERIES) {
    const url = query === 'summary' ? '/api/registrations/summary?problems=100' : `/api/registrations?sort=id&order=asc&pageSize=100&${query.startsWith('page=') ? query : `page=1&${query}`}`;
    const r = await page.evaluate(
      async ([u, reps]) => {
        const times: number[] = [];
        let total = 0;
        for (let i = 0; i < reps; i++) {
          const t = performance.now();
          const body = (await (await fetch(u)).json()) as { total: number };
          times.push(performance.now() - t);
          total = body.total;
        }
        return { times, total };
      },
      [encodeURI(url), SEARCH_REPS] as const,
    );
    const s = summarize(r.times);
    out.push({ query, total: r.total, times: r.times, p50: s.p50, p95: s.p95, max: s.max });
  }
  return out;
}

const probeScript = `globalThis.__name ??= (f) => f; (${installProbes.toString()})({ milestones: true });`;

/** Bytes and time to the end of the first `snapshot` message of a stream opened at `path`. */
async function firstSnapshot(portal: Portal, path: string): Promise<{ bytes: number; ms: number }> {
  const controller = new AbortController();
  const t0 = performance.now();
  const res = await fetch(`${portal.base}${path}`, { headers: { cookie: `ddr_session=${portal.adminSession}` }, signal: controller.signal });
  let bytes = 0;
  let text = ''; // what is not looked at yet (the start of the snapshot, then its end)
  let seen = false;
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      text += decoder.decode(chunk, { stream: true });
      if (!seen) {
        const at = text.indexOf('event: snapshot');
        if (at >= 0) [seen, text] = [true, text.slice(at)];
      }
      if (seen && text.includes('\n\n')) break;
      text = text.slice(seen ? -1 : -20);
    }
  } finally {
    controller.abort();
  }
  return { bytes, ms: Math.round(performance.now() - t0) };
}

async function main() {
  ensureBuild();
  let portal: Portal | null = null;
  const browser = await chromium.launch(chromiumLaunchOptions);
  const cleanup = async () => {
    await browser.close().catch(() => {});
    await portal?.stop();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    portal = await startPortal({ REGISTRAR_ENABLED: '0' });
    const t = Date.now();
    const initial = seed(portal.dbPath);
    console.log(`seeded ${N.toLocaleString('en-US')} registrations in ${Date.now() - t} ms; portal ${portal.base}`);
    // The seeding blocked this process for longer than the server's keep-alive timeout: let fetch's
    // pool see the idle connection closed (else the first request goes out on a dead socket).
    await sleep(500);
    for (const path of ['/api/events?snapshot=none', '/api/events']) {
      const s = await firstSnapshot(portal, path);
      console.log(`stream snapshot ${path}: ${s.bytes.toLocaleString('en-US')} bytes in ${s.ms} ms${path.endsWith('none') ? ' (what the dashboard opens)' : ' (every status: API clients that keep their own map)'}`);
    }

    // ---- load, LOADS times (fresh browser context each: cold HTTP cache, no query cache)
    const loads: LoadFigures[] = [];
    let page: Page | null = null;
    for (let i = 0; i < LOADS; i++) {
      const ctx = await signedInContext(browser, portal);
      const p = await ctx.newPage();
      p.on('pageerror', (e) => console.log('PAGEERROR', e.message));
      await p.addInitScript(probeScript);
      loads.push(await measureLoad(p, portal.base));
      if (i < LOADS - 1) await ctx.close();
      else page = p;
    }
    const col = (k: keyof LoadFigures) => summarize(loads.map((l) => l[k]));
    console.log(`\nDashboard load, ${N.toLocaleString('en-US')} registrations, ${LOADS} cold loads (ms from navigation start; DOM commit times)`);
    printTable([
      ['milestone', 'median', 'min', 'max'],
      ...(
        [
          ['first contentful paint', 'fcp'],
          ['shell + count tiles in DOM', 'shell'],
          ['counts + problems + first rows (first meaningful)', 'meaningful'],
          ['first rows in the table', 'firstRows'],
          ['state counts filled', 'counts'],
          [`"${N.toLocaleString('en-US')} registrations" count line`, 'allLoaded'],
          ['first summary/window request start', 'apiFirstStart'],
          ['last summary/window response end', 'apiLastEnd'],
        ] as const
      ).map(([label, k]) => [label, fmt(col(k).p50, 0), fmt(col(k).min, 0), fmt(col(k).max, 0)]),
    ]);
    const last = loads[loads.length - 1]!;
    console.log(
      `summary + window requests at load: ${last.apiRequests}; JS heap ${fmt(last.heapMb)} MiB; DOM elements ${last.domNodes}`,
    );

    // ---- search / filter through the API (the browser's fetch, signed in): what the table asks
    const searches = await measureSearches(page!);
    console.log(`\nSearch / filter answers through the API, ${N.toLocaleString('en-US')} registrations, ${SEARCH_REPS} requests each (ms, fetch in the page)`);
    printTable([['query', 'matches', 'p50', 'p95', 'max'], ...searches.map((r) => [r.query, r.total.toLocaleString('en-US'), fmt(r.p50, 1), fmt(r.p95, 1), fmt(r.max, 1)])]);
    const allSearch = summarize(searches.flatMap((r) => r.times));
    console.log(`all search/filter requests: p50 ${fmt(allSearch.p50, 1)} ms, p95 ${fmt(allSearch.p95, 1)} ms (n ${allSearch.n})`);

    // ---- streaming: idle baseline, then RATE events/s for SECONDS
    const p = page!;
    await p.evaluate(startFrameProbe);
    await sleep(IDLE_MS);
    const [idleFrames] = await p.evaluate(stopFrameProbe);

    const db = new Database(portal.dbPath);
    db.pragma('busy_timeout = 5000');
    const upsert = db.prepare(`
      INSERT INTO registration_status (registration_id, state, code, reason, at, expires_at, next_attempt_at, target)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (registration_id) DO UPDATE SET state = excluded.state, code = excluded.code, reason = excluded.reason,
        at = excluded.at, expires_at = excluded.expires_at, next_attempt_at = excluded.next_attempt_at, target = excluded.target`);
    const ins = db.prepare(
      'INSERT INTO registration_events (registration_id, state, code, reason, at, expires_at, next_attempt_at, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    type Ev = { id: number; state: string };
    const write = db.transaction((events: Ev[], at: number) => {
      for (const { id, state } of events) {
        const code = state === 'registered' ? 200 : state === 'rejected' ? 403 : null;
        const reason = state === 'retrying' ? 'timeout' : state === 'rejected' ? 'Forbidden' : null;
        const expiresAt = state === 'registered' ? at + 3_600_000 : null;
        const next = state === 'retrying' || state === 'rejected' ? at + 30_000 : null;
        upsert.run(id, state, code, reason, at, expiresAt, next, '127.0.0.1:5060/udp');
        ins.run(id, state, code, reason, at, expiresAt, next, '127.0.0.1:5060/udp');
      }
    });
    const cycle = ['retrying', 'rejected', 'registering', 'registered'];
    const bgStates = ['registered', 'retrying', 'registering'];
    const probeState = new Map<number, string>();
    for (let id = 2; id < 2 + PROBE_IDS; id++) probeState.set(id, initial.get(id)!);
    const probes: { id: number; state: string; sent: number }[] = [];

    await p.evaluate(() => {
      const w = window as unknown as W;
      w.__badges.length = 0;
      w.__sse.length = 0;
    });
    const ltFrom = await p.evaluate(() => performance.now());
    await p.evaluate(startFrameProbe);
    const t0 = Date.now();
    const end = t0 + SECONDS * 1000;
    let written = 0;
    let nextProbeId = 2;
    let nextProbeAt = t0 + Math.random() * (1000 / PROBES_PER_S);
    let ticks = 0;
    let writeMs = 0;
    while (Date.now() < end) {
      const now = Date.now();
      const due = Math.floor(((now - t0) * RATE) / 1000) - written;
      // probes at jittered times (gap uniform in 0.5..1.5 × the mean), so that they do not lock
      // onto the phase of EventTail's 100 ms poll timer
      let probesDue = 0;
      while (now >= nextProbeAt) {
        probesDue++;
        nextProbeAt += (0.5 + Math.random()) * (1000 / PROBES_PER_S);
      }
      const batch: Ev[] = [];
      const probeBatch: Ev[] = [];
      for (let k = 0; k < probesDue; k++) {
        const id = nextProbeId;
        nextProbeId = nextProbeId + 1 >= 2 + PROBE_IDS ? 2 : nextProbeId + 1;
        const prev = probeState.get(id)!;
        const state = cycle[(cycle.indexOf(prev) + 1) % cycle.length]!;
        probeState.set(id, state);
        probeBatch.push({ id, state });
      }
      for (let k = probeBatch.length; k < due; k++) {
        // background events: rows far below the fold (ids > 2·PROBE_IDS+40), as the engine would
        const id = 2 * PROBE_IDS + 40 + Math.floor(Math.random() * (N - 2 * PROBE_IDS - 40));
        batch.push({ id, state: bgStates[Math.floor(Math.random() * bgStates.length)]! });
      }
      if (batch.length + probeBatch.length > 0) {
        const w0 = performance.now();
        write([...batch, ...probeBatch], now);
        writeMs += performance.now() - w0;
        const sent = Date.now();
        for (const e of probeBatch) probes.push({ ...e, sent });
        written += batch.length + probeBatch.length;
        ticks++;
      }
      await sleep(TICK_MS);
    }
    const streamMs = Date.now() - t0;
    await sleep(1000);
    const [frames, frameTimes] = await p.evaluate(stopFrameProbe);
    const page1 = await p.evaluate(
      (from) => {
        const w = window as unknown as W;
        return { badges: w.__badges.slice(), sse: w.__sse.slice(), longtasks: w.__longtasks.filter(([s]) => s >= from) };
      },
      ltFrom,
    );
    db.close();

    // event → screen for the probes (rows on screen)
    const latencies: number[] = [];
    let missed = 0;
    for (const pr of probes) {
      const seen = page1.badges.find(([id, state, at]) => id === pr.id && state === pr.state && at >= pr.sent - 5);
      if (seen) latencies.push(seen[2] - pr.sent);
      else missed++;
    }
    const sseLat = probes
      .map((pr) => page1.sse.find(([id, state, , at]) => id === pr.id && state === pr.state && at >= pr.sent - 5))
      .map((s, i) => (s ? s[3] - probes[i]!.sent : NaN))
      .filter(Number.isFinite);
    // frames during the stream only
    const streamFrames = frames.filter((_, i) => frameTimes[i]! <= frameTimes[0]! + streamMs);
    const f = summarize(streamFrames);
    const fi = summarize(idleFrames);
    const lat = summarize(latencies);
    const sl = summarize(sseLat);
    const lt = page1.longtasks;
    const ltTotal = lt.reduce((a, [, d]) => a + d, 0);
    const ltMax = lt.reduce((a, [, d]) => Math.max(a, d), 0);

    console.log(`\nStreaming: ${written.toLocaleString('en-US')} events in ${(streamMs / 1000).toFixed(1)} s = ${fmt((written * 1000) / streamMs, 0)}/s written (${ticks} commits, ${fmt(writeMs / Math.max(1, ticks), 2)} ms each); ${page1.sse.length.toLocaleString('en-US')} status messages received by the page (after coalescing)`);
    printTable([
      ['figure', 'n', 'p50', 'p95', 'max', 'mean'],
      ['frame time idle, ms', fi.n, fmt(fi.p50), fmt(fi.p95), fmt(fi.max), fmt(fi.mean)],
      ['frame time under load, ms', f.n, fmt(f.p50), fmt(f.p95), fmt(f.max), fmt(f.mean)],
      ['event → SSE message in page, ms', sl.n, fmt(sl.p50, 0), fmt(sl.p95, 0), fmt(sl.max, 0), fmt(sl.mean)],
      ['event → badge on screen, ms', lat.n, fmt(lat.p50, 0), fmt(lat.p95, 0), fmt(lat.max, 0), fmt(lat.mean)],
    ]);
    console.log(
      `frames/s under load: ${fmt((f.n * 1000) / streamMs)} (idle ${fmt((fi.n * 1000) / IDLE_MS)}); frames > 50 ms: ${streamFrames.filter((x) => x > 50).length}; ` +
        `long tasks: ${lt.length}, total ${fmt(ltTotal, 0)} ms (${fmt((100 * ltTotal) / streamMs)}% of the stream), max ${fmt(ltMax, 0)} ms; ` +
        `badge changes seen on screen: ${page1.badges.length}; probes missed: ${missed}/${probes.length}`,
    );

    // virtualisation: scrolled to the middle, the DOM stays small
    await p.locator('.virtual-wrap').evaluate((el, n) => el.scrollTo(0, Math.floor(n / 2) * 41), N);
    await p.waitForSelector(`.live-table tbody tr[data-registration-id="${Math.floor(N / 2)}"]`, { timeout: 10_000 }).catch(() => null);
    const rowsInDom = await p.locator('.live-table tbody tr[data-registration-id]').count();
    console.log(`rows in the DOM after scrolling to the middle: ${rowsInDom}`);

    if (typeof args.json === 'string') {
      writeFileSync(args.json, JSON.stringify({ n: N, rate: RATE, seconds: SECONDS, loads, searches, idleFrames, frames: streamFrames, latencies, sseLat, longtasks: lt, written, streamMs, rowsInDom }, null, 1));
      console.log(`figures written to ${args.json}`);
    }
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
