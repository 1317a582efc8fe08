// Caches RFC 3263 lookups per (URI scheme, host, port, transport setting) so 10,000
// registrations on one domain share a single lookup; concurrent lookups for
// the same key are coalesced. Failures are not cached. What is cached is the
// records (SRV priority, weight, addresses), not an order: every resolve()
// (one per exchange) draws its own RFC 2782 weighted order, so 90/10 weights
// spread bindings ~90/10 rather than all bindings following one draw.
import type { Clock } from '../clock';
import type { SipUri } from '../message/uri';
import type { TransportSetting, TransportTarget } from '../transport/types';
import type { RandomSource } from '../util/random';
import { drawTargets, literalTargets, lookupTargets, transportFor, type DnsResolver, type TargetPlan } from './resolve-targets';

interface Entry {
  expiresAt: number;
  plan: Promise<TargetPlan>;
  /** The plan once looked up (resolveNow). */
  settled: TargetPlan | null;
}

export class TargetCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly resolver: DnsResolver,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
    private readonly random: RandomSource = Math.random,
  ) {}

  async resolve(uri: SipUri, transport: TransportSetting): Promise<readonly TransportTarget[]> {
    return drawTargets(await this.lookup(uri, transport).plan, this.random);
  }

  /** What resolve() would give, when the lookup is cached and done (no promise per REGISTER); else null. */
  resolveNow(uri: SipUri, transport: TransportSetting): readonly TransportTarget[] | null {
    const { settled } = this.lookup(uri, transport);
    return settled ? drawTargets(settled, this.random) : null;
  }

  private lookup(uri: SipUri, transport: TransportSetting): Entry {
    // Made at every call, not kept per URI: a key kept per registration cost more memory (≈ 0.6 MiB
    // per 10,000 registrations retained, old-generation space) than the short-lived string costs.
    const key = `${uri.scheme}:${uri.host.toLowerCase()}:${uri.port ?? ''}:${transportFor(uri, transport)}`;
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit;
    // An IP literal or localhost: settled now, so resolveNow answers from the first REGISTER of a burst on.
    const literal = literalTargets(uri, transport);
    if (literal) {
      const entry: Entry = { expiresAt: now + this.ttlMs, plan: Promise.resolve(literal), settled: literal };
      this.entries.set(key, entry);
      return entry;
    }
    const plan = lookupTargets(uri, transport, this.resolver);
    const entry: Entry = { expiresAt: now + this.ttlMs, plan, settled: null };
    this.entries.set(key, entry);
    plan.then(
      (p) => (entry.settled = p),
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry;
  }
}
