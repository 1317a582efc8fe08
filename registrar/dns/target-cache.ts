// Caches RFC 3263 results per (URI host, port, transport) so 10,000
// registrations on one domain share a single lookup; concurrent lookups for
// the same key are coalesced. Failures are not cached.
import type { Clock } from '../clock';
import type { SipUri } from '../message/uri';
import type { TransportProtocol, TransportTarget } from '../transport/types';
import type { RandomSource } from '../util/random';
import { resolveTargets, transportFor, type DnsResolver } from './resolve-targets';

interface Entry {
  expiresAt: number;
  targets: Promise<TransportTarget[]>;
}

export class TargetCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly resolver: DnsResolver,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
    private readonly random: RandomSource = Math.random,
  ) {}

  resolve(uri: SipUri, transport: TransportProtocol): Promise<TransportTarget[]> {
    const key = `${uri.scheme}:${uri.host.toLowerCase()}:${uri.port ?? ''}:${transportFor(uri, transport)}`;
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.targets;
    const targets = resolveTargets(uri, transport, this.resolver, this.random);
    const entry: Entry = { expiresAt: now + this.ttlMs, targets };
    this.entries.set(key, entry);
    targets.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return targets;
  }
}
