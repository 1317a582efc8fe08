/**
 * DNS rebinding defence: the portal answers only requests whose `Host` names it. A page on
 * `rebind.attacker.example` whose name is re-pointed at the portal's address sends
 * `Host: rebind.attacker.example`, which is not in this list, so it gets 421 and nothing else.
 *
 * Allowed: `localhost`, `127.0.0.1` and `[::1]` (any port), the configured HOST (any port; when it
 * is a wildcard address, this machine's interface addresses), and each ALLOWED_HOSTS entry: a
 * `host` (any port) or `host:port` (that port only).
 */
import { networkInterfaces } from 'node:os';

export type HostCheck = (hostHeader: string | null | undefined) => boolean;

type Entry = { host: string; port: number | null };

/** `host[:port]` (IPv6 in brackets) lower-cased, without a trailing dot; null when unparsable. */
export function parseHostHeader(value: string): Entry | null {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]\s/@]+?)\.?(?::(\d{1,5}))?$/.exec(v);
  if (!m) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && port > 65535) return null;
  return { host: m[1]!, port };
}

const bracketed = (address: string) => (address.includes(':') ? `[${address}]` : address);

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined)
    .map((i) => bracketed(i.address.replace(/%.*$/, '')).toLowerCase());
}

export function allowedHosts(config: { HOST: string; PORT: number; ALLOWED_HOSTS?: string | undefined }): HostCheck {
  const anyPort = new Set(['localhost', '127.0.0.1', '[::1]']);
  const withPort = new Set<string>();
  const host = config.HOST.trim().toLowerCase();
  if (WILDCARDS.has(host)) for (const a of interfaceAddresses()) anyPort.add(a);
  else anyPort.add(host.startsWith('[') || !host.includes(':') ? host : bracketed(host));
  for (const raw of (config.ALLOWED_HOSTS ?? '').split(',')) {
    const entry = raw.trim() ? parseHostHeader(raw) : null;
    if (!entry) continue;
    if (entry.port === null) anyPort.add(entry.host);
    else withPort.add(`${entry.host}:${entry.port}`);
  }
  return (hostHeader) => {
    if (!hostHeader) return false;
    const entry = parseHostHeader(hostHeader);
    if (!entry) return false;
    return anyPort.has(entry.host) || (entry.port !== null && withPort.has(`${entry.host}:${entry.port}`));
  };
}
