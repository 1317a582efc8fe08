// REGISTER construction, RFC 3261 §10.2 with rport (RFC 3581 §3).
import { formatHost } from '../message/uri';
import { newBranch } from '../message/via';
import type { TransportProtocol } from '../transport/types';

export interface RegisterParams {
  requestUri: string;
  /** AOR, e.g. sip:alice@example.com (To and From). */
  aor: string;
  fromTag: string;
  callId: string;
  cseq: number;
  /** Full Contact URI (without <>); null for a binding query (§10.2.3: no Contact, no Expires). */
  contact: string | null;
  /**
   * Contacts removed by the same request, each with `;expires=0` (§10.2.2; §10.2.1.1: a Contact's
   * expires parameter overrides the Expires header): a binding taken over from another engine
   * node whose Contact differs from ours.
   */
  removeContacts?: readonly string[];
  expires: number;
  transport: TransportProtocol;
  viaHost: string;
  viaPort: number;
  userAgent: string;
  authorization: ReadonlyArray<readonly [string, string]>;
}

export interface BuiltRequest {
  data: Buffer;
  /** `data` as text, for the trace. */
  text: string;
  branch: string;
}

export function contactUri(ddi: string, host: string, port: number, transport: TransportProtocol): string {
  return `sip:${ddi}@${formatHost(host)}:${port};transport=${transport}`;
}

/**
 * The engine's one request writer (§7.1): start line, headers in wire order, CRLF; Content-Length
 * always (mandatory on streams, §18.3, harmless on UDP), written directly into one parts list.
 */
export function buildRegister(p: RegisterParams): BuiltRequest {
  const branch = newBranch();
  const parts: string[] = [
    'REGISTER ', p.requestUri, ' SIP/2.0\r\n',
    // §18.1.1 sent-by; rport asks for symmetric response routing through NAT.
    'Via: SIP/2.0/', TRANSPORT_TOKENS[p.transport], ' ', formatHost(p.viaHost), ':', String(p.viaPort), ';rport;branch=', branch,
    '\r\nMax-Forwards: 70\r\nFrom: <', p.aor, '>;tag=', p.fromTag,
    '\r\nTo: <', p.aor,
    '>\r\nCall-ID: ', p.callId,
    '\r\nCSeq: ', String(p.cseq), ' REGISTER\r\n',
  ];
  if (p.contact !== null) {
    // §10.2.1.2: one REGISTER may carry several Contacts; the registrar applies each (§10.3 step 7).
    for (const old of p.removeContacts ?? []) parts.push('Contact: <', old, '>;expires=0\r\n');
    parts.push('Contact: <', p.contact, '>\r\nExpires: ', String(p.expires), '\r\n');
  }
  for (const [name, value] of p.authorization) parts.push(name, ': ', value, '\r\n');
  parts.push('User-Agent: ', p.userAgent, '\r\nContent-Length: 0\r\n\r\n');
  const text = parts.join('');
  return { data: Buffer.from(text, 'utf8'), text, branch };
}

const TRANSPORT_TOKENS: Record<TransportProtocol, string> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };
