// SIP_BIND: the local addresses the engine listens and sends on, one per address family.
// A comma-separated list of `address:port`, IPv6 as `[address]:port`, e.g. the default
// `0.0.0.0:5060,[::]:5060`. Each family gets its own sockets (UDP, the TCP listener and the
// TLS listener), so IPv4 targets are reached from the IPv4 entry and IPv6 targets from the
// IPv6 one; at most one entry per family, since there would be no rule to pick between two.
import { isIP } from 'node:net';

export type IpFamily = 4 | 6;

export interface BindAddress {
  family: IpFamily;
  /** IP literal, without brackets. */
  host: string;
  /** 0 picks an ephemeral port (tests). */
  port: number;
}

export const DEFAULT_SIP_BIND = '0.0.0.0:5060,[::]:5060';

/** The family of an IP literal, null for anything else (a name). */
export function familyOf(host: string): IpFamily | null {
  const f = isIP(host);
  return f === 4 || f === 6 ? f : null;
}

/** `0.0.0.0:5060`, `[::]:5060`. */
export function formatBind(b: { host: string; port: number }): string {
  return `${familyOf(b.host) === 6 ? `[${b.host}]` : b.host}:${b.port}`;
}

/** The list as SIP_BIND spells it: `0.0.0.0:5060,[::]:5060`. */
export function formatBinds(list: ReadonlyArray<{ host: string; port: number }>): string {
  return list.map(formatBind).join(',');
}

/** The wildcard of its family (0.0.0.0, ::): the kernel picks the source address per target. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/**
 * Parses SIP_BIND; throws an Error naming the offending entry. Refused: an empty list, a name
 * instead of an IP address, an IPv6 address without brackets, an IPv4-mapped IPv6 address,
 * a port outside 0-65535, the same address twice, and two entries of one family.
 */
export function parseSipBind(text: string): BindAddress[] {
  const entries = text.split(',').map((e) => e.trim());
  if (entries.every((e) => e === '')) throw new Error('no address given: expected address:port, e.g. 0.0.0.0:5060,[::]:5060');
  const out: BindAddress[] = [];
  for (const entry of entries) {
    if (entry === '') throw new Error(`an empty entry in "${text}": separate address:port entries with single commas`);
    out.push(parseEntry(entry));
  }
  return validateBinds(out);
}

/** Refuses duplicates and a second entry of one family (Error naming both). */
export function validateBinds<T extends { host: string; port: number }>(list: readonly T[]): Array<T & { family: IpFamily }> {
  const byFamily = new Map<IpFamily, T>();
  const out: Array<T & { family: IpFamily }> = [];
  for (const b of list) {
    const family = familyOf(b.host);
    if (family === null) throw new Error(`"${b.host}" is not an IP address`);
    const seen = byFamily.get(family);
    if (seen) {
      throw new Error(
        seen.host === b.host && seen.port === b.port
          ? `${formatBind(b)} is listed twice`
          : `${formatBind(seen)} and ${formatBind(b)} are both IPv${family}: at most one address per family (one IPv4 and one IPv6)`,
      );
    }
    byFamily.set(family, b);
    out.push({ ...b, family });
  }
  return out;
}

function parseEntry(entry: string): BindAddress {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(entry);
  if (!m) {
    if (isIP(entry) === 6) throw new Error(`"${entry}": an IPv6 address goes in brackets with a port, e.g. [${entry}]:5060`);
    throw new Error(`"${entry}" is not address:port (IPv6 as [address]:port), e.g. 0.0.0.0:5060 or [::]:5060`);
  }
  const [, v6, v4, portText] = m;
  const port = Number(portText);
  if (port > 65535) throw new Error(`"${entry}": the port must be 0-65535`);
  if (v6 !== undefined) {
    if (isIP(v6) !== 6) throw new Error(`"${entry}": only an IPv6 address goes in brackets`);
    if (/^::ffff:/i.test(v6) && v6.includes('.')) throw new Error(`"${entry}": an IPv4-mapped address; write the IPv4 address (${v6.slice(7)}:${port})`);
    return { family: 6, host: v6.toLowerCase(), port };
  }
  if (isIP(v4) !== 4) throw new Error(`"${entry}": "${v4}" is not an IP address (a name cannot be bound; use 0.0.0.0 or an address of this machine)`);
  return { family: 4, host: v4, port };
}
