// Shared test helpers: build SIP responses for requests captured by the
// in-memory transport, as a registrar would (RFC 3261 §8.2.6).
import { parseMessage } from '../../../registrar/message/parser';
import type { SipRequest } from '../../../registrar/message/types';
import type { RemoteAddress } from '../../../registrar/transport/types';

export function parseRequest(data: Buffer | string): SipRequest {
  const m = parseMessage(typeof data === 'string' ? Buffer.from(data) : data);
  if (m.kind !== 'request') throw new Error('expected a request');
  return m;
}

export function respond(request: Buffer | string, status: number, reason: string, extraHeaders: string[] = []): string {
  const req = parseRequest(request);
  const h = req.headers;
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...h.getAll('via').map((v) => `Via: ${v}`),
    `From: ${h.get('from')}`,
    `To: ${h.get('to')}${status > 100 ? ';tag=srv1' : ''}`,
    `Call-ID: ${h.get('call-id')}`,
    `CSeq: ${h.get('cseq')}`,
    ...extraHeaders,
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}

export const SERVER: RemoteAddress = { transport: 'udp', host: '198.51.100.7', port: 5060 };

export function requestHeader(data: Buffer | string, name: string): string | undefined {
  return parseRequest(data).headers.get(name);
}
