// V8's --trace-gc-nvp lines (one per GC, name=value pairs) summed over a window of the process's
// life: how many scavenges, the bytes they promoted to the old generation, their pauses, and the
// mark-compacts. Promoted bytes are what grows the old generation (peak RSS until a mark-compact)
// and what each scavenge copies (its pause, the event-loop delay of a burst); unlike CPU time,
// they barely move with the machine's speed, so a change's effect on them shows in one or two runs.
//
// Times are V8's: ms since the isolate started (a few ms after the process was spawned). The
// first isolate to log is the main thread's (the store's write thread starts later); its lines
// alone are summed.

export interface GcSummary {
  scavenges: number;
  promotedMiB: number;
  scavengePauseMs: number;
  scavengeMaxMs: number;
  markCompacts: number;
  markCompactPauseMs: number;
}

const LINE = /^\[(\d+):(0x[0-9a-f]+)\]\s+(\d+(?:\.\d+)?) ms: (pause=.*)$/;

/** Sums the main isolate's GCs whose time falls in [fromMs, toMs). */
export function summarizeGcTrace(output: string, fromMs: number, toMs: number): GcSummary {
  const out: GcSummary = { scavenges: 0, promotedMiB: 0, scavengePauseMs: 0, scavengeMaxMs: 0, markCompacts: 0, markCompactPauseMs: 0 };
  let main: string | null = null;
  for (const line of output.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    main ??= m[2];
    if (m[2] !== main) continue;
    const at = Number(m[3]);
    if (at < fromMs || at >= toMs) continue;
    const fields = new Map([...m[4].matchAll(/(\w+)=([^\s]+)/g)].map((f) => [f[1], f[2]]));
    const pause = Number(fields.get('pause') ?? 0);
    if (fields.get('gc') === 's') {
      out.scavenges++;
      out.promotedMiB += Number(fields.get('promoted') ?? 0) / 1048576;
      out.scavengePauseMs += pause;
      out.scavengeMaxMs = Math.max(out.scavengeMaxMs, pause);
    } else if (fields.get('gc') === 'mc' || fields.get('gc') === 'mmc') {
      out.markCompacts++;
      out.markCompactPauseMs += pause;
    }
  }
  return out;
}
