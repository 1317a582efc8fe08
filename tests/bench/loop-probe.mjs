// Preloaded into the portal by tests/bench/calls.ts (NODE_OPTIONS=--import …/loop-probe.mjs):
// the event-loop delay of that process (perf_hooks.monitorEventLoopDelay, 1 ms resolution). On
// SIGUSR2 it writes what was measured since the previous SIGUSR2 (or start) to
// $BENCH_LOOP_FILE.<pid> (synchronously) and starts a new window, so a benchmark can measure an
// idle window and a loaded one apart. The product is not changed: nothing here runs without the --import.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_LOOP_FILE;
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
if (file) {
  process.on('SIGUSR2', () => {
    const ms = (ns) => ns / 1e6;
    writeFileSync(
      `${file}.${process.pid}`,
      JSON.stringify({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), count: histogram.count }),
    );
    histogram.reset();
  });
}
