// Values a REGISTER client reads from responses (RFC 3261 §10.2.4, §10.2.8,
// §20.19, §20.23, §20.33).
import { parseNameAddrList, type NameAddr } from '../message/name-addr';
import type { SipResponse } from '../message/types';
import { parseParams, type Params } from '../message/params';
import { parseUri, sameBindingAddress, type SipUri } from '../message/uri';

function parseDeltaSeconds(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  let end = 0;
  const v = value.trim();
  while (end < v.length && v.charCodeAt(end) >= 48 && v.charCodeAt(end) <= 57) end++;
  if (end === 0 || end > 10) return null;
  return Number(v.slice(0, end));
}

/**
 * Lifetime granted to our binding by a 2xx (§10.2.4, §10.3 step 8: the 200 lists every
 * binding with its expiry): the `expires` param of the Contact matching ours, else the
 * Expires header, else — a Contact listed with no expiry at all — what we asked for.
 * Null when the 2xx does not bind us: our Contact is not listed, is listed with 0, or
 * with an expiry that does not parse and no usable Expires header. Other bindings of the
 * AOR (other devices) are ignored.
 */
export function grantedExpiry(response: SipResponse, ourContact: string, requested: number): number | null {
  const values = response.headers.getAll('contact');
  let params = values.length === 1 ? echoedParams(values[0], ourContact) : null;
  if (params === null) {
    let contacts: NameAddr[];
    try {
      contacts = parseNameAddrList(values);
    } catch {
      return null;
    }
    const uri = parseUri(ourContact);
    const ours = contacts.find((c) => sameBindingAddress(c.uri, uri));
    if (!ours) return null;
    params = ours.params;
  }
  const param = params.get('expires');
  const header = parseDeltaSeconds(response.headers.get('expires'));
  const granted = param === undefined || param === null ? (header ?? requested) : (parseDeltaSeconds(param) ?? header);
  return granted === null || granted === 0 ? null : granted;
}

/**
 * The header params of a Contact value that is our Contact as we sent it and nothing else
 * (`<our-uri>;expires=…`, as most registrars echo it): one binding, and the same URI text is the
 * same URI, so no parse of the URI is needed. Null for anything else (a display name, another
 * binding in the same value, a quoted param): the full parse decides.
 */
function echoedParams(value: string, ours: string): Params | null {
  const v = value.trim();
  if (v.charCodeAt(0) !== 60 /* < */ || !v.startsWith(ours, 1) || v.charCodeAt(ours.length + 1) !== 62 /* > */) return null;
  const tail = v.slice(ours.length + 2);
  if (tail.includes(',') || tail.includes('"')) return null;
  return parseParams(tail);
}

/** Retry-After in ms (§20.33), or null. */
export function retryAfterMs(response: SipResponse): number | null {
  const s = parseDeltaSeconds(response.headers.get('retry-after'));
  return s === null ? null : s * 1000;
}

/** Min-Expires of a 423 (§10.2.8, §20.23), or null. */
export function minExpires(response: SipResponse): number | null {
  return parseDeltaSeconds(response.headers.get('min-expires'));
}

function qValue(p: string | null | undefined): number {
  const n = p === null || p === undefined ? 1 : Number(p);
  return Number.isFinite(n) ? n : 0;
}

/** First redirect target of a 3xx, highest q first (§8.1.3.4, §20.10). */
export function redirectTarget(response: SipResponse): SipUri | null {
  let contacts: NameAddr[];
  try {
    contacts = parseNameAddrList(response.headers.getAll('contact'));
  } catch {
    return null;
  }
  let best: { uri: SipUri; q: number } | null = null;
  for (const c of contacts) {
    const cq = qValue(c.params.get('q'));
    if (!best || cq > best.q) best = { uri: c.uri, q: cq };
  }
  return best?.uri ?? null;
}
