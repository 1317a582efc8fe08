// SIP/SIPS URI (RFC 3261 §19.1): sip:user:password@host:port;params?headers
// Hosts may be names, IPv4 or [IPv6] references.
import { isIP } from 'node:net';
import { SipError } from '../errors';
import { formatParams, parseParams, type Params } from './params';

export interface SipUri {
  scheme: 'sip' | 'sips';
  user: string | null;
  /** Host without IPv6 brackets. */
  host: string;
  port: number | null;
  params: Params;
  headers: string | null;
}

export function parseUri(text: string): SipUri {
  const raw = text.trim();
  const colon = raw.indexOf(':');
  const scheme = raw.slice(0, colon).toLowerCase();
  if (colon < 0 || (scheme !== 'sip' && scheme !== 'sips')) throw new SipError('E_PARSE', 'URI scheme must be sip or sips');
  let rest = raw.slice(colon + 1);

  let headers: string | null = null;
  const q = rest.indexOf('?');
  if (q >= 0) {
    headers = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }

  let user: string | null = null;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const pw = userinfo.indexOf(':');
    user = pw >= 0 ? userinfo.slice(0, pw) : userinfo;
    if (!user) throw new SipError('E_PARSE', 'empty user part in URI');
    rest = rest.slice(at + 1);
  }

  let hostport: string;
  let paramText = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new SipError('E_PARSE', 'unterminated IPv6 reference');
    const semi = rest.indexOf(';', close);
    hostport = semi >= 0 ? rest.slice(0, semi) : rest;
    paramText = semi >= 0 ? rest.slice(semi) : '';
  } else {
    const semi = rest.indexOf(';');
    hostport = semi >= 0 ? rest.slice(0, semi) : rest;
    paramText = semi >= 0 ? rest.slice(semi) : '';
  }

  const { host, port } = parseHostPort(hostport);
  return { scheme, user, host, port, params: parseParams(paramText), headers };
}

export function parseHostPort(text: string): { host: string; port: number | null } {
  let host: string;
  let portText = '';
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new SipError('E_PARSE', 'unterminated IPv6 reference');
    host = text.slice(1, close);
    if (isIP(host) !== 6) throw new SipError('E_PARSE', 'invalid IPv6 reference');
    const tail = text.slice(close + 1);
    if (tail) {
      if (tail[0] !== ':') throw new SipError('E_PARSE', 'junk after IPv6 reference');
      portText = tail.slice(1);
    }
  } else {
    const c = text.indexOf(':');
    host = c >= 0 ? text.slice(0, c) : text;
    portText = c >= 0 ? text.slice(c + 1) : '';
  }
  host = host.trim();
  if (!host || !isValidHostChars(host)) throw new SipError('E_PARSE', 'invalid host');
  let port: number | null = null;
  if (portText) {
    port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw new SipError('E_PARSE', 'invalid port');
  }
  return { host, port };
}

function isValidHostChars(host: string): boolean {
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x3a || c === 0x5f;
    if (!ok) return false;
  }
  return true;
}

/** Host as it appears in a URI or Via: IPv6 addresses get brackets. */
export function formatHost(host: string): string {
  return host.indexOf(':') >= 0 ? `[${host}]` : host;
}

export function formatUri(uri: SipUri): string {
  const user = uri.user !== null ? `${uri.user}@` : '';
  const port = uri.port !== null ? `:${uri.port}` : '';
  const headers = uri.headers !== null ? `?${uri.headers}` : '';
  return `${uri.scheme}:${user}${formatHost(uri.host)}${port}${formatParams(uri.params)}${headers}`;
}

/**
 * URI equality for binding matching (RFC 3261 §19.1.4, simplified to the
 * parts a registrar echoes back): scheme, user, host and effective port.
 */
export function sameBindingAddress(a: SipUri, b: SipUri): boolean {
  return a.scheme === b.scheme && a.user === b.user && a.host.toLowerCase() === b.host.toLowerCase() && effectivePort(a) === effectivePort(b);
}

function effectivePort(u: SipUri): number {
  return u.port ?? (u.scheme === 'sips' || u.params.get('transport')?.toLowerCase() === 'tls' ? 5061 : 5060);
}
