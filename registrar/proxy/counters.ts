// What the proxy did, for the engine's counters, the heartbeat (calls travel to the portal
// through `engine_nodes`) and /metrics.
export interface ProxyCounters {
  /** New calls (initial INVITEs, retransmissions not counted) relayed to the forward target. */
  callsRelayed: number;
  /** New calls refused with 480 because no forward target is configured for their DDI. */
  callsRefused: number;
  /** Requests relayed, by method (retransmissions included: a stateless proxy relays each). */
  requestsRelayed: Record<string, number>;
  /** Responses relayed back along the Via stack. */
  responsesRelayed: number;
  /** 482 Loop Detected, 483 Too Many Hops, 503 (next hop unresolvable) sent by the proxy. */
  loops: number;
  tooManyHops: number;
  noRoute: number;
  /** Responses whose top Via is not ours or whose next Via is unusable. */
  responsesDropped: number;
  /** Relayed messages that could not be sent. */
  sendErrors: number;
}

export function newProxyCounters(): ProxyCounters {
  return { callsRelayed: 0, callsRefused: 0, requestsRelayed: {}, responsesRelayed: 0, loops: 0, tooManyHops: 0, noRoute: 0, responsesDropped: 0, sendErrors: 0 };
}

/**
 * Stateless, the proxy sees every retransmitted INVITE; a call is counted once per INVITE
 * branch seen within the last `max` INVITEs (bounded memory, oldest forgotten first).
 */
export class RecentBranches {
  private readonly seen = new Set<string>();

  constructor(private readonly max = 8192) {}

  /** True the first time `branch` is offered (while remembered). */
  first(branch: string): boolean {
    if (this.seen.has(branch)) return false;
    this.seen.add(branch);
    if (this.seen.size > this.max) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }
}
