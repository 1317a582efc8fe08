// SIP_DNS_SERVERS: the DNS servers the engine asks (RFC 3263 lookups), instead of the
// system resolver. Comma-separated `ip`, `ip:port`, `v6` or `[v6]:port`, e.g.
// `127.0.0.1:5353, [::1]:53, 192.0.2.53`. The result is what node:dns `setServers` takes.
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Parses the setting; throws naming the offending entry. An empty or absent setting is []. */
export function parseDnsServers(text: string | undefined): string[] {
  const out: string[] = [];
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    let host: string;
    let port: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      [, host, port] = bracketed;
      if (isIP(host) !== 6) throw new Error(`"${entry}": only an IPv6 address goes in brackets`);
    } else if (isIP(entry) === 6) {
      host = entry;
    } else {
      const i = entry.lastIndexOf(':');
      host = i < 0 ? entry : entry.slice(0, i);
      port = i < 0 ? undefined : entry.slice(i + 1);
      if (isIP(host) !== 4) throw new Error(`"${entry}" is not an IP address, ip:port or [v6]:port`);
    }
    if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
      throw new Error(`"${entry}": the port must be 1-65535`);
    }
    const family = isIP(host);
    out.push(port === undefined ? host : family === 6 ? `[${host}]:${Number(port)}` : `${host}:${Number(port)}`);
  }
  return out;
}

/** A resolver asking those servers, or undefined (the engine's default: the system's servers). */
export function resolverFor(servers: readonly string[]): Resolver | undefined {
  if (servers.length === 0) return undefined;
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  resolver.setServers([...servers]);
  return resolver;
}
