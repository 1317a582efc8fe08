// RFC 3263 §4 server location for a SIP URI, client side:
//   IP literal            → that address (port from URI or 5060/5061)
//   explicit port         → A/AAAA only (§4.2)
//   otherwise             → NAPTR (§4.1) → SRV (§4.2, RFC 2782 order) → A/AAAA,
//                           falling back to A/AAAA on the default port.
//   `localhost`, `*.localhost` → loopback, never asked to DNS (RFC 6761 §6.3), also as an SRV target.
// A fixed transport (udp/tcp/tls) only follows NAPTR records of its own service. With `auto`,
// §4.1 chooses the transport (lookupAuto). The lookup (TargetPlan) is cached; each exchange
// draws its own ordered list of targets to fail over across (§4.3), with its own RFC 2782
// weighted choice. Every target carries its transport: Via and Contact follow it.
import { isIP } from 'node:net';
import { SipError } from '../errors';
import type { SipUri } from '../message/uri';
import type { TransportProtocol, TransportSetting, TransportTarget } from '../transport/types';
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

const SRV_PREFIX: Record<TransportProtocol, string> = { udp: '_sip._udp.', tcp: '_sip._tcp.', tls: '_sips._tcp.' };
/** NAPTR services (RFC 3263 §4.1, IANA "SIP Table") this engine supports, and the transport each means. */
const SERVICE_TRANSPORT: Readonly<Record<string, TransportProtocol>> = { 'SIP+D2U': 'udp', 'SIP+D2T': 'tcp', 'SIPS+D2T': 'tls' };
/**
 * `auto` without NAPTR records: §4.1 "the client constructs SRV queries for those transport
 * protocols it supports, and does a query for each ... The client MAY use any transport protocol
 * it desires which is supported by the server." Ours: every transport whose SRV query has usable
 * records, in this order (TLS, then TCP, then UDP); the later ones are failover (§4.3).
 */
const AUTO_SRV_ORDER: readonly TransportProtocol[] = ['tls', 'tcp', 'udp'];

export function defaultPort(transport: TransportProtocol): number {
  return transport === 'tls' ? 5061 : 5060;
}

/**
 * Transport for a URI: sips forces TLS, else a transport= param, else the configured one (§4.1:
 * "If the URI specifies a transport protocol in the transport parameter, that transport protocol
 * SHOULD be used"). `auto` only when neither the URI nor the configuration fixes it.
 */
export function transportFor(uri: SipUri, configured: TransportSetting): TransportSetting {
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
  | { kind: 'srv'; records: SrvTargets[] }
  /** `auto`: one plan per NAPTR record (or SRV transport) found, the chosen one first, the others its failover. */
  | { kind: 'chain'; plans: TargetPlan[] };

export interface SrvTargets extends SrvRecordLike {
  targets: TransportTarget[];
}

export async function resolveTargets(
  uri: SipUri,
  configured: TransportSetting,
  resolver: DnsResolver,
  random: RandomSource = Math.random,
): Promise<readonly TransportTarget[]> {
  return drawTargets(await lookupTargets(uri, configured, resolver), random);
}

/** One RFC 3263 ordering of a plan: SRV records in RFC 2782 order (a fresh weighted draw each call). */
export function drawTargets(plan: TargetPlan, random: RandomSource = Math.random): readonly TransportTarget[] {
  // A fixed plan's own list (read-only: a lookup cached for every registration of the domain).
  if (plan.kind === 'fixed') return plan.targets;
  if (plan.kind === 'chain') return dedupe(plan.plans.flatMap((p) => drawTargets(p, random)));
  return dedupe(orderSrv(plan.records, random).flatMap((r) => r.targets));
}

export async function lookupTargets(uri: SipUri, configured: TransportSetting, resolver: DnsResolver): Promise<TargetPlan> {
  const literal = literalTargets(uri, configured);
  if (literal) return literal;
  const chosen = transportFor(uri, configured);
  // §4.1: "if the URI contains a numeric IP address ... or no transport protocol is specified but
  // the TARGET has a port, the client SHOULD use UDP for a SIP URI, and TCP [here TLS] for a SIPS URI."
  // (sips: never gets here as `auto`: transportFor made it TLS.)
  if (chosen === 'auto' && uri.port === null) return lookupAuto(uri, resolver);
  const transport: TransportProtocol = chosen === 'auto' ? 'udp' : chosen;
  const make = maker(uri, transport);
  const fixed = (targets: TransportTarget[]): TargetPlan => ({ kind: 'fixed', targets });

  if (uri.port !== null) {
    const addrs = await addresses(resolver, uri.host);
    if (addrs.length === 0) throw new SipError('E_DNS', `no A/AAAA records for ${uri.host}`);
    return fixed(addrs.map((a) => make(a, uri.port as number)));
  }

  const srvNames = await naptrSrvNames(resolver, uri.host, transport);
  for (const srvName of srvNames) {
    const records = await srvTargets(resolver, srvName, make);
    if (records.length > 0) return { kind: 'srv', records };
  }
  return addressPlan(resolver, uri.host, make, transport);
}

/**
 * The plan of a URI whose host needs no DNS (an IP literal, or `localhost`: RFC 6761 §6.3), known
 * at once, so a burst of REGISTERs to it waits for no lookup (TargetCache); null for a host name.
 */
export function literalTargets(uri: SipUri, configured: TransportSetting): TargetPlan | null {
  const literal = isIP(uri.host) !== 0;
  if (!literal && !isLocalhostName(uri.host)) return null;
  const chosen = transportFor(uri, configured);
  const transport: TransportProtocol = chosen === 'auto' ? 'udp' : chosen;
  const make = maker(uri, transport);
  const port = uri.port ?? defaultPort(transport);
  return { kind: 'fixed', targets: literal ? [make(uri.host, port)] : LOOPBACK.map((a) => make(a, port)) };
}

/**
 * `auto` for a sip: URI with a host name and no port (RFC 3263 §4.1): the NAPTR records whose
 * service we support (SIP+D2U, SIP+D2T, SIPS+D2T), most preferred first (order, then
 * preference), each followed to its SRV records. The first one with usable SRV records decides
 * the transport; the others stay behind it as failover (§4.3), so a dead TCP server may fall
 * back to a UDP record of the same domain. No NAPTR record we support → the SRV query of every
 * transport, in AUTO_SRV_ORDER. No SRV either → A/AAAA, UDP on 5060.
 */
async function lookupAuto(uri: SipUri, resolver: DnsResolver): Promise<TargetPlan> {
  const naptr = supportedNaptr(await optional(() => resolver.resolveNaptr(uri.host)));
  const steps =
    naptr.length > 0
      ? naptr.map((r) => ({ transport: SERVICE_TRANSPORT[r.service.toUpperCase()], srvName: r.replacement }))
      : AUTO_SRV_ORDER.map((transport) => ({ transport, srvName: SRV_PREFIX[transport] + uri.host }));
  const found = await Promise.all(steps.map((s) => srvTargets(resolver, s.srvName, maker(uri, s.transport))));
  const plans: TargetPlan[] = found.filter((records) => records.length > 0).map((records) => ({ kind: 'srv', records }));
  if (plans.length > 0) return plans.length === 1 ? plans[0] : { kind: 'chain', plans };
  return addressPlan(resolver, uri.host, maker(uri, 'udp'), 'udp');
}

/** NAPTR records usable for SIP (§4.1: flag "s", a supported service), most preferred first. */
function supportedNaptr(records: NaptrRecordLike[], only?: TransportProtocol): NaptrRecordLike[] {
  return records
    .filter((r) => {
      const transport = SERVICE_TRANSPORT[r.service.toUpperCase()];
      return r.flags.toLowerCase() === 's' && transport !== undefined && (only === undefined || transport === only) && !!r.replacement;
    })
    .sort((a, b) => a.order - b.order || a.preference - b.preference);
}

type MakeTarget = (host: string, port: number) => TransportTarget;

function maker(uri: SipUri, transport: TransportProtocol): MakeTarget {
  const serverName = transport === 'tls' ? uri.host : undefined;
  return (host, port) => ({ transport, host, port, serverName });
}

/** The usable records of one SRV name, each with its addresses ([] when there are none). */
async function srvTargets(resolver: DnsResolver, srvName: string, make: MakeTarget): Promise<SrvTargets[]> {
  const records = await optional(() => resolver.resolveSrv(srvName));
  // RFC 2782: a single "." target means the service is decidedly not available.
  const usable = records.filter((r) => r.name !== '' && r.name !== '.');
  const withTargets: SrvTargets[] = [];
  for (const srv of usable) {
    const targets = (await addresses(resolver, srv.name)).map((a) => make(a, srv.port));
    if (targets.length > 0) withTargets.push({ name: srv.name, port: srv.port, priority: srv.priority, weight: srv.weight, targets });
  }
  return withTargets;
}

async function addressPlan(resolver: DnsResolver, host: string, make: MakeTarget, transport: TransportProtocol): Promise<TargetPlan> {
  const addrs = await addresses(resolver, host);
  if (addrs.length === 0) throw new SipError('E_DNS', `no NAPTR, SRV or A/AAAA records for ${host}`);
  return { kind: 'fixed', targets: addrs.map((a) => make(a, defaultPort(transport))) };
}

/** SRV owner names to try: from matching NAPTR records, else the §4.2 default. */
async function naptrSrvNames(resolver: DnsResolver, host: string, transport: TransportProtocol): Promise<string[]> {
  const matching = supportedNaptr(await optional(() => resolver.resolveNaptr(host)), transport).map((r) => r.replacement);
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
function isLocalhostName(host: string): boolean {
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
    const k = `${t.transport}|${t.host}|${t.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
