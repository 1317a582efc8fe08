// SIP_PUBLIC_HOST: the host advertised in Via and Contact (RFC 3261 §18.1.1 sent-by, §10.2.1
// Contact) instead of the local address, per address family: a comma-separated list with at
// most one IPv4 and one IPv6 address (IPv6 with or without brackets), or one hostname, which
// applies to both. A target of a family without one gets the local address towards it.
import { familyOf, type IpFamily } from '../transport/sip-bind';

export type PublicHosts = Readonly<Record<IpFamily, string | null>>;

export const NO_PUBLIC_HOST: PublicHosts = { 4: null, 6: null };

/** Parses the setting; throws an Error naming the offending entry. Absent or blank: none. */
export function parsePublicHosts(text: string | undefined): PublicHosts {
  const entries = (text ?? '').split(',').map((e) => e.trim());
  if (entries.every((e) => e === '')) return NO_PUBLIC_HOST;
  const hosts: Record<IpFamily, string | null> = { 4: null, 6: null };
  let name: string | null = null;
  for (const entry of entries) {
    if (entry === '') throw new Error(`an empty entry in "${text}": separate the hosts with single commas`);
    const bare = entry.replace(/^\[(.*)\]$/, '$1');
    const family = familyOf(bare);
    if (family === null) {
      if (bare !== entry || !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(entry)) {
        throw new Error(`"${entry}" is neither an IP address nor a hostname (no port: the port is the SIP_BIND one)`);
      }
      name = entry;
      continue;
    }
    if (bare !== entry && family === 4) throw new Error(`"${entry}": only an IPv6 address goes in brackets`);
    if (hosts[family] !== null) throw new Error(`${hosts[family]} and ${bare} are both IPv${family}: at most one IPv4 and one IPv6 address`);
    hosts[family] = family === 6 ? bare.toLowerCase() : bare;
  }
  if (name !== null) {
    if (entries.length > 1) throw new Error(`the hostname ${name} applies to IPv4 and IPv6 alike: give it alone, or give addresses only`);
    return { 4: name, 6: name };
  }
  return hosts;
}

/** The public host for a target (an IP literal) of that family, or null: the local address then. */
export function publicHostFor(hosts: PublicHosts, targetHost: string): string | null {
  const family = familyOf(targetHost);
  return family === null ? null : hosts[family];
}
