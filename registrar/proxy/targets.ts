// Next-hop addresses for the proxy (RFC 3263 §4, the engine's resolver). A stateless proxy
// "MUST ... forward retransmissions to the same next hop" (RFC 3261 §16.11): the SRV weighted
// draw is seeded with the request's branch, so a retransmission, its CANCEL and its ACK take
// the same target while different calls still spread by weight. Lookups are cached per URI
// host/port/transport for `ttlMs`; failures are not cached.
import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import { drawTargets, lookupTargets, type DnsResolver, type TargetPlan } from '../dns/resolve-targets';
import type { SipUri } from '../message/uri';
import type { TransportTarget } from '../transport/types';

export class ProxyTargets {
  private readonly plans = new Map<string, { expiresAt: number; plan: Promise<TargetPlan> }>();

  constructor(
    private readonly resolver: DnsResolver,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
  ) {}

  async resolve(uri: SipUri, seed: string): Promise<readonly TransportTarget[]> {
    return drawTargets(await this.plan(uri), seededRandom(seed));
  }

  private plan(uri: SipUri): Promise<TargetPlan> {
    const key = `${uri.scheme}:${uri.host.toLowerCase()}:${uri.port ?? ''}:${uri.params.get('transport') ?? ''}`;
    const now = this.clock.now();
    const hit = this.plans.get(key);
    if (hit && hit.expiresAt > now) return hit.plan;
    const plan = lookupTargets(uri, 'udp', this.resolver);
    const entry = { expiresAt: now + this.ttlMs, plan };
    this.plans.set(key, entry);
    plan.catch(() => {
      if (this.plans.get(key) === entry) this.plans.delete(key);
    });
    return plan;
  }
}

/** A deterministic [0, 1) sequence from a string (mulberry32 seeded with its hash). */
function seededRandom(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
