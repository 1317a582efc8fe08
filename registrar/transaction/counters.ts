// Transaction-layer counters exposed by the engine (for metrics export).

/** Upper bounds (ms) of the latency histogram buckets; the last bucket is +Inf. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

export interface TransactionCounters {
  started: number;
  retransmissions: number;
  /** Final responses by class: index 1..6 → 1xx..6xx (index 0 unused). */
  responsesByClass: [number, number, number, number, number, number, number];
  timeouts: number;
  transportErrors: number;
  droppedMalformed: number;
  droppedUnmatched: number;
  /** Request-to-final-response latency. */
  latency: { count: number; sumMs: number; maxMs: number; buckets: number[] };
}

export function newTransactionCounters(): TransactionCounters {
  return {
    started: 0,
    retransmissions: 0,
    responsesByClass: [0, 0, 0, 0, 0, 0, 0],
    timeouts: 0,
    transportErrors: 0,
    droppedMalformed: 0,
    droppedUnmatched: 0,
    latency: { count: 0, sumMs: 0, maxMs: 0, buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0) },
  };
}

export function observeLatency(c: TransactionCounters, ms: number): void {
  const l = c.latency;
  l.count++;
  l.sumMs += ms;
  if (ms > l.maxMs) l.maxMs = ms;
  let i = 0;
  while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]) i++;
  l.buckets[i]++;
}
