// Preloaded into the registrar process by tests/bench/product.ts
// (`node --import ./tests/bench/process-probe.mjs dist/registrar.mjs`): measures
// event-loop delay from process start (perf_hooks.monitorEventLoopDelay, sampled
// every $BENCH_PROBE_RESOLUTION_MS, default 1 ms: a 10 ms sampling gives too few
// samples over a 1–3 s burst for a p99) and, on SIGUSR2, writes a JSON report to $BENCH_PROBE_FILE
// (synchronously, so the parent can read it right after the signal's echo).
// The product is not changed: nothing here runs without the --import.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const file = process.env.BENCH_PROBE_FILE;
const histogram = monitorEventLoopDelay({ resolution: Number(process.env.BENCH_PROBE_RESOLUTION_MS ?? 1) });
histogram.enable();
// Each turn of a 1 ms timer chain that came late by more than 5 ms: [ms since the probe loaded, lateness ms] (the first 2,000),
// to see when in the run the loop was blocked (start-up load, the burst, …).
const t0 = performance.now();
const gaps = [];
let expected = t0 + 1;
const tick = () => {
  const now = performance.now();
  if (now - expected > 5 && gaps.length < 2000) gaps.push([Math.round(expected - t0), Math.round((now - expected) * 10) / 10]);
  expected = now + 1;
  setTimeout(tick, 1).unref();
};
setTimeout(tick, 1).unref();
if (file) {
  process.on('SIGUSR2', () => {
    const ms = (ns) => ns / 1e6;
    const cpu = process.cpuUsage();
    writeFileSync(
      file,
      JSON.stringify({
        at: Date.now(),
        eventLoopDelayMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), mean: ms(histogram.mean), count: histogram.count },
        cpuS: (cpu.user + cpu.system) / 1e6,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
        gapsOver5Ms: gaps,
      }),
    );
  });
}
