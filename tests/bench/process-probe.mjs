// Preloaded into the registrar process by tests/bench/product.ts
// (`node --import ./tests/bench/process-probe.mjs dist/registrar.mjs`): measures
// event-loop delay from process start (perf_hooks.monitorEventLoopDelay, sampled
// every $BENCH_PROBE_RESOLUTION_MS, default 1 ms: a 10 ms sampling gives too few
// samples over a 1–3 s burst for a p99) and, on SIGUSR2, writes a JSON report to $BENCH_PROBE_FILE
// (synchronously, so the parent can read it right after the signal's echo).
// The burst alone: a 1 ms timer chain records every turn's lateness with its time; when the parent
// has written `<BENCH_PROBE_FILE>.window` ({ from, to }, epoch ms: e.g. first binding → all bound)
// before the signal, the report also has p50/p99/max of the turns in that window (`burst`).
// The product is not changed: nothing here runs without the --import.
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const file = process.env.BENCH_PROBE_FILE;
const histogram = monitorEventLoopDelay({ resolution: Number(process.env.BENCH_PROBE_RESOLUTION_MS ?? 1) });
histogram.enable();
// Each turn of a 1 ms timer chain: [ms since the probe loaded, lateness ms], in chunks of typed arrays
// (≈ 1,000 turns/s: 16 KB/s); those late by more than 5 ms also listed (the first 2,000), to see when
// in the run the loop was blocked (start-up load, the burst, …).
const t0 = performance.now();
const CHUNK = 65536;
const chunks = [];
let chunk = null;
let used = CHUNK;
const gaps = [];
let expected = t0 + 1;
const tick = () => {
  const now = performance.now();
  const late = now - expected;
  if (used === CHUNK) {
    chunk = new Float64Array(2 * CHUNK);
    chunks.push(chunk);
    used = 0;
  }
  chunk[2 * used] = expected - t0;
  chunk[2 * used + 1] = late;
  used++;
  if (late > 5 && gaps.length < 2000) gaps.push([Math.round(expected - t0), Math.round(late * 10) / 10]);
  expected = now + 1;
  setTimeout(tick, 1).unref();
};
setTimeout(tick, 1).unref();

// Memory every 100 ms (MiB): the sample with the highest RSS, and the series [ms since load, rss, heapUsed, heapTotal, external].
const memory = { peak: null, series: [] };
const mib = (b) => Math.round((b / 1048576) * 10) / 10;
setInterval(() => {
  const m = process.memoryUsage();
  const sample = { t: Math.round(performance.now() - t0), rss: mib(m.rss), heapUsed: mib(m.heapUsed), heapTotal: mib(m.heapTotal), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers) };
  if (!memory.peak || sample.rss > memory.peak.rss) memory.peak = sample;
  if (memory.series.length < 3000) memory.series.push([sample.t, sample.rss, sample.heapUsed, sample.heapTotal, sample.external]);
}, 100).unref();

/** Lateness of the turns between epoch ms `from` and `to`: p50, p99, max, count, how many over 5 ms. */
function windowStats(from, to) {
  const a = from - performance.timeOrigin - t0;
  const b = to - performance.timeOrigin - t0;
  const late = [];
  chunks.forEach((c, i) => {
    const n = i === chunks.length - 1 ? used : CHUNK;
    for (let j = 0; j < n; j++) if (c[2 * j] >= a && c[2 * j] <= b) late.push(c[2 * j + 1]);
  });
  late.sort((x, y) => x - y);
  const q = (p) => (late.length ? late[Math.min(late.length - 1, Math.floor(p * late.length))] : null);
  return { from, to, turns: late.length, p50: q(0.5), p99: q(0.99), max: late.length ? late[late.length - 1] : null, over5Ms: late.filter((x) => x > 5).length };
}

if (file) {
  process.on('SIGUSR2', () => {
    const ms = (ns) => ns / 1e6;
    const cpu = process.cpuUsage();
    let burst = null;
    try {
      const w = JSON.parse(readFileSync(`${file}.window`, 'utf8'));
      burst = windowStats(w.from, w.to);
    } catch {
      /* no window given */
    }
    writeFileSync(
      file,
      JSON.stringify({
        at: Date.now(),
        loadedAt: performance.timeOrigin + t0,
        eventLoopDelayMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), mean: ms(histogram.mean), count: histogram.count },
        burst,
        cpuS: (cpu.user + cpu.system) / 1e6,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
        gapsOver5Ms: gaps,
        memory,
      }),
    );
  });
}
