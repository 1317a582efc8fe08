// RFC 3263 §4 server location for a SIP URI, client side:
//   IP literal            → that address (port from URI or 5060/5061)
//   explicit port         → A/AAAA only (§4.2)
//   otherwise             → NAPTR (§4.1) → SRV (§4.2, RFC 2782 order) → A/AAAA,
//                           falling back to A/AAAA on the default port.
//   `localhost`, `*.localhost` → loopback, never asked to DNS (RFC 6761 §6.3), also as an SRV target.
// The lookup (TargetPlan) is cached; each exchange draws its own ordered list of
// targets to fail over across (§4.3), with its own RFC 2782 weighted choice.
import { isIP } from 'node:net';
import { SipError } from '../errors';
import type { SipUri } from '../message/uri';
import type { TransportProtocol, TransportTarget } from '../transport/types';
import type { RandomSource } from '../util/random';

/** The subset of node:dns/promises `Resolver` this module uses. */
export interface DnsResolver {
  resolveNaptr(hostname: string): Promise<NaptrRecordLike[]>;
  resolveSrv(hostname: string): Promise<SrvRecordLike[]>;
  resolve4(hostname: string): Promise<string[]>;
  resolve6(hostname: string): Promise<string[]>;
}

export interface NaptrRecordLike {
  flags: string;
  service: string;
  regexp: string;
  replacement: string;
  order: number;
  preference: number;
}

export interface SrvRecordLike {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

const NAPTR_SERVICE: Record<TransportProtocol, string> = { udp: 'SIP+D2U', tcp: 'SIP+D2T', tls: 'SIPS+D2T' };
const SRV_PREFIX: Record<TransportProtocol, string> = { udp: '_sip._udp.', tcp: '_sip._tcp.', tls: '_sips._tcp.' };

export function defaultPort(transport: TransportProtocol): number {
  return transport === 'tls' ? 5061 : 5060;
}

/** Transport for a URI: sips forces TLS, else a transport= param, else the configured one (§4.1). */
export function transportFor(uri: SipUri, configured: TransportProtocol): TransportProtocol {
  if (uri.scheme === 'sips') return 'tls';
  const param = uri.params.get('transport')?.toLowerCase();
  return param === 'udp' || param === 'tcp' || param === 'tls' ? param : configured;
}

/**
 * What DNS said for a URI, before any RFC 2782 draw: either a fixed list (IP literal,
 * explicit port, A/AAAA fallback) or the usable SRV records with their addresses. Cached
 * (TargetCache) and drawn from per exchange, so each binding gets its own weighted choice.
 */
export type TargetPlan =
  | { kind: 'fixed'; targets: TransportTarget[] }
  | { kind: 'srv'; records: SrvTargets[] };

export interface SrvTargets extends SrvRecordLike {
  targets: TransportTarget[];
}

export async function resolveTargets(
  uri: SipUri,
  configured: TransportProtocol,
  resolver: DnsResolver,
  random: RandomSource = Math.random,
): Promise<TransportTarget[]> {
  return drawTargets(await lookupTargets(uri, configured, resolver), random);
}

/** One RFC 3263 ordering of a plan: SRV records in RFC 2782 order (a fresh weighted draw each call). */
export function drawTargets(plan: TargetPlan, random: RandomSource = Math.random): TransportTarget[] {
  if (plan.kind === 'fixed') return [...plan.targets];
  return dedupe(orderSrv(plan.records, random).flatMap((r) => r.targets));
}

export async function lookupTargets(uri: SipUri, configured: TransportProtocol, resolver: DnsResolver): Promise<TargetPlan> {
  const transport = transportFor(uri, configured);
  const serverName = transport === 'tls' ? uri.host : undefined;
  const make = (host: string, port: number): TransportTarget => ({ transport, host, port, serverName });
  const fixed = (targets: TransportTarget[]): TargetPlan => ({ kind: 'fixed', targets });

  if (isIP(uri.host)) return fixed([make(uri.host, uri.port ?? defaultPort(transport))]);
  if (isLocalhostName(uri.host)) return fixed(LOOPBACK.map((a) => make(a, uri.port ?? defaultPort(transport))));

  if (uri.port !== null) {
    const addrs = await addresses(resolver, uri.host);
    if (addrs.length === 0) throw new SipError('E_DNS', `no A/AAAA records for ${uri.host}`);
    return fixed(addrs.map((a) => make(a, uri.port as number)));
  }

  const srvNames = await naptrSrvNames(resolver, uri.host, transport);
  for (const srvName of srvNames) {
    const records = await optional(() => resolver.resolveSrv(srvName));
    // RFC 2782: a single "." target means the service is decidedly not available.
    const usable = records.filter((r) => r.name !== '' && r.name !== '.');
    const withTargets: SrvTargets[] = [];
    for (const srv of usable) {
      const targets = (await addresses(resolver, srv.name)).map((a) => make(a, srv.port));
      if (targets.length > 0) withTargets.push({ name: srv.name, port: srv.port, priority: srv.priority, weight: srv.weight, targets });
    }
    if (withTargets.length > 0) return { kind: 'srv', records: withTargets };
  }

  const addrs = await addresses(resolver, uri.host);
  if (addrs.length === 0) throw new SipError('E_DNS', `no NAPTR, SRV or A/AAAA records for ${uri.host}`);
  return fixed(addrs.map((a) => make(a, defaultPort(transport))));
}

/** SRV owner names to try: from matching NAPTR records, else the §4.2 default. */
async function naptrSrvNames(resolver: DnsResolver, host: string, transport: TransportProtocol): Promise<string[]> {
  const records = await optional(() => resolver.resolveNaptr(host));
  const wanted = NAPTR_SERVICE[transport];
  const matching = records
    .filter((r) => r.flags.toLowerCase() === 's' && r.service.toUpperCase() === wanted && r.replacement)
    .sort((a, b) => a.order - b.order || a.preference - b.preference)
    .map((r) => r.replacement);
  return matching.length > 0 ? matching : [SRV_PREFIX[transport] + host];
}

/**
 * RFC 2782 ordering: ascending priority; within a priority, weighted random
 * selection where zero-weight records come first in the running sum.
 */
export function orderSrv<T extends SrvRecordLike>(records: readonly T[], random: RandomSource): T[] {
  const byPriority = new Map<number, T[]>();
  for (const r of records) {
    const list = byPriority.get(r.priority);
    if (list) list.push(r);
    else byPriority.set(r.priority, [r]);
  }
  const out: T[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const remaining = [...(byPriority.get(priority) as T[])].sort((a, b) => (a.weight === 0 ? 0 : 1) - (b.weight === 0 ? 0 : 1));
    while (remaining.length > 0) {
      const total = remaining.reduce((s, r) => s + r.weight, 0);
      const pick = random() * total;
      let running = 0;
      let index = remaining.length - 1;
      for (let i = 0; i < remaining.length; i++) {
        running += remaining[i].weight;
        if (running >= pick) {
          index = i;
          break;
        }
      }
      out.push(remaining.splice(index, 1)[0]);
    }
  }
  return out;
}

/** RFC 6761 §6.3: `localhost` and names under it are the loopback, resolved without any DNS query. */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

const LOOPBACK = ['127.0.0.1', '::1'];

async function addresses(resolver: DnsResolver, host: string): Promise<string[]> {
  if (isLocalhostName(host)) return [...LOOPBACK];
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  if (v4.status === 'fulfilled' || v6.status === 'fulfilled') {
    return [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  }
  const code = (v4.reason as { code?: string } | null)?.code ?? '';
  if (NO_RECORDS.has(code)) return [];
  throw new SipError('E_DNS', `A/AAAA lookup for ${host} failed: ${code || 'unknown error'}`, { cause: v4.reason });
}

const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND', 'NOTFOUND', 'NODATA', 'ENONAME']);

/**
 * NAPTR and SRV are optional steps: any failure there (no records, SERVFAIL,
 * timeout) falls through to the next step of §4 rather than failing.
 */
async function optional<T>(fn: () => Promise<T[]>): Promise<T[]> {
  try {
    return await fn();
  } catch {
    return [];
  }
}

function dedupe(targets: TransportTarget[]): TransportTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const k = `${t.host}|${t.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
