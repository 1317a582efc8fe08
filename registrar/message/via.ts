// Via header helpers (RFC 3261 §8.1.1.7, §18.2.1, §20.42; rport RFC 3581).
import { SipError } from '../errors';
import { randomHex } from '../util/random';
import { splitHeaderList } from './headers';
import { parseParams, type Params } from './params';
import { parseHostPort } from './uri';

/** RFC 3261 §8.1.1.7: branches of compliant transactions start with this cookie. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

export function newBranch(): string {
  return BRANCH_MAGIC_COOKIE + randomHex(10);
}

export interface Via {
  protocol: string;
  host: string;
  port: number | null;
  params: Params;
}

export function parseVia(value: string): Via {
  // SIP/2.0/UDP host:port;params
  const m = value.trim();
  const slash2 = m.indexOf('/', m.indexOf('/') + 1);
  if (slash2 < 0) throw new SipError('E_PARSE', 'malformed Via');
  let i = slash2 + 1;
  while (i < m.length && m[i] !== ' ' && m[i] !== '\t') i++;
  const protocol = m.slice(slash2 + 1, i).trim().toUpperCase();
  const rest = m.slice(i).trim();
  const semi = rest.indexOf(';');
  const { host, port } = parseHostPort(semi >= 0 ? rest.slice(0, semi).trim() : rest);
  return { protocol, host, port, params: parseParams(semi >= 0 ? rest.slice(semi) : '') };
}

/**
 * Branch of the topmost Via, read without parsing the whole header: the hot
 * path for response matching (RFC 3261 §17.1.3).
 */
export function topViaBranch(viaHeaderValue: string | undefined): string | null {
  if (viaHeaderValue === undefined) return null;
  const first = splitFirstVia(viaHeaderValue);
  const idx = first.indexOf(';branch=');
  if (idx < 0) {
    // Unusual spelling (case, whitespace): fall back to the full parameter parser.
    try {
      return parseVia(first).params.get('branch') || null;
    } catch {
      return null;
    }
  }
  const start = idx + 8;
  let end = start;
  while (end < first.length && first[end] !== ';' && first[end] !== ' ' && first[end] !== ',') end++;
  return end > start ? first.slice(start, end) : null;
}

function splitFirstVia(value: string): string {
  const comma = value.indexOf(',');
  return comma < 0 ? value : splitHeaderList(value)[0] ?? '';
}
