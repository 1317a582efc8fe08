// Preloaded into our registrar (product.ts "--node-flags=--import tests/bench/heap-probe.mjs"):
// V8's sampling heap profiler over the first HEAP_PROBE_MS (default 3000) of the process, or
// until it exits if that comes first, main thread only, written to HEAP_PROBE_OUT (default
// /tmp/heap-probe.heapprofile), a .heapprofile as Chrome DevTools reads it.
// HEAP_PROBE_MAJOR=1 keeps the samples of objects a major GC collected (promoted and then dead,
// but also whatever was dead in the young generation when a major GC ran); =0 only what is still
// alive then. Objects a scavenge collected are never kept. See README.md, "Promoted garbage".
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const session = new Session();
  session.connect();
  const major = process.env.HEAP_PROBE_MAJOR !== '0';
  session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: major, includeObjectsCollectedByMinorGC: false });
  let done = false;
  // The in-process session answers synchronously, so this works at exit too.
  const stop = () => {
    if (done) return;
    done = true;
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (err) return void console.error(`heap-probe: ${err.message}`);
      const out = process.env.HEAP_PROBE_OUT ?? '/tmp/heap-probe.heapprofile';
      writeFileSync(out, JSON.stringify(result.profile));
      console.error(`heap-probe: ${out} written`);
    });
  };
  setTimeout(stop, Number(process.env.HEAP_PROBE_MS ?? 3000)).unref();
  process.once('exit', stop);
}
