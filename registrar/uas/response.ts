// Responses built by a stateless UAS (RFC 3261 §8.2.6, §8.2.7): Via, From,
// To, Call-ID and CSeq copied from the request, `received`/`rport` on the top
// Via (§18.2.1, RFC 3581 §4), a To-tag derived from the request so that a
// retransmission gets the very same response.
import { createHash } from 'node:crypto';
import { splitHeaderList } from '../message/headers';
import type { SipRequest } from '../message/types';
import { parseVia } from '../message/via';
import { formatHost } from '../message/uri';
import type { RemoteAddress } from '../transport/types';

export interface ResponseSpec {
  status: number;
  reason: string;
  /** Extra [name, value] pairs after the copied headers, in wire order. */
  headers?: ReadonlyArray<readonly [string, string]>;
}

/**
 * Serializes the response to `request`, which arrived from `remote`. Headers
 * the request lacks are left out (a 400 for a request without From still
 * goes back). Content-Length is always written (§18.3).
 */
export function buildResponse(request: SipRequest, remote: RemoteAddress, spec: ResponseSpec, server: string): Buffer {
  const h = request.headers;
  const parts: string[] = [`SIP/2.0 ${spec.status} ${spec.reason}\r\n`];
  const vias = h.getAll('via').flatMap((line) => splitHeaderList(line));
  vias.forEach((via, i) => parts.push('Via: ', i === 0 ? stampTopVia(via, remote) : via, '\r\n'));
  const from = h.get('from');
  if (from !== undefined) parts.push('From: ', from, '\r\n');
  const to = h.get('to');
  if (to !== undefined) parts.push('To: ', withToTag(to, request), '\r\n');
  const callId = h.get('call-id');
  if (callId !== undefined) parts.push('Call-ID: ', callId, '\r\n');
  const cseq = h.get('cseq');
  if (cseq !== undefined) parts.push('CSeq: ', cseq, '\r\n');
  for (const [name, value] of spec.headers ?? []) parts.push(name, ': ', value, '\r\n');
  parts.push('Server: ', server, '\r\n', 'Content-Length: 0\r\n\r\n');
  return Buffer.from(parts.join(''), 'utf8');
}

/**
 * §18.2.1: `received` when the sent-by host is not the packet's source
 * address; RFC 3581 §4: with `rport`, always `received` and the source port
 * as the `rport` value. An unparsable Via is copied unchanged.
 */
export function stampTopVia(via: string, remote: RemoteAddress): string {
  let parsed;
  try {
    parsed = parseVia(via);
  } catch {
    return via;
  }
  const params = new Map(parsed.params);
  const rport = params.has('rport');
  if (rport) params.set('rport', String(remote.port));
  if (rport || parsed.host.toLowerCase() !== remote.host.toLowerCase()) params.set('received', remote.host);
  let out = `SIP/2.0/${parsed.protocol} ${formatHost(parsed.host)}${parsed.port !== null ? `:${parsed.port}` : ''}`;
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}

/**
 * §8.2.6.2: the UAS adds a To-tag unless the request already has one. Derived
 * from the top Via branch (the transaction, §17.2.3) plus Call-ID and CSeq,
 * so a retransmitted request gets the same tag.
 */
function withToTag(to: string, request: SipRequest): string {
  const gt = to.lastIndexOf('>');
  if (/;\s*tag\s*=/i.test(gt >= 0 ? to.slice(gt) : to)) return to;
  return `${to};tag=${toTag(request)}`;
}

function toTag(request: SipRequest): string {
  const h = request.headers;
  const seed = `${topVia(h.getAll('via'))}\n${h.get('call-id') ?? ''}\n${h.get('cseq') ?? ''}`;
  return createHash('sha256').update(seed).digest('hex').slice(0, 16);
}

function topVia(lines: readonly string[]): string {
  const first = lines[0];
  if (first === undefined) return '';
  try {
    return parseVia(splitHeaderList(first)[0] ?? '').params.get('branch') ?? first;
  } catch {
    return first;
  }
}
