// REGISTER construction, RFC 3261 §10.2 with rport (RFC 3581 §3).
import { serializeRequest } from '../message/serializer';
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
  /** Full Contact URI (without <>). */
  contact: string;
  expires: number;
  transport: TransportProtocol;
  viaHost: string;
  viaPort: number;
  userAgent: string;
  authorization: ReadonlyArray<readonly [string, string]>;
}

export interface BuiltRequest {
  data: Buffer;
  branch: string;
}

export function contactUri(ddi: string, host: string, port: number, transport: TransportProtocol): string {
  return `sip:${ddi}@${formatHost(host)}:${port};transport=${transport}`;
}

export function buildRegister(p: RegisterParams): BuiltRequest {
  const branch = newBranch();
  const headers: Array<readonly [string, string]> = [
    // §18.1.1 sent-by; rport asks for symmetric response routing through NAT.
    ['Via', `SIP/2.0/${p.transport.toUpperCase()} ${formatHost(p.viaHost)}:${p.viaPort};rport;branch=${branch}`],
    ['Max-Forwards', '70'],
    ['From', `<${p.aor}>;tag=${p.fromTag}`],
    ['To', `<${p.aor}>`],
    ['Call-ID', p.callId],
    ['CSeq', `${p.cseq} REGISTER`],
    ['Contact', `<${p.contact}>`],
    ['Expires', String(p.expires)],
    ...p.authorization,
    ['User-Agent', p.userAgent],
  ];
  return { data: serializeRequest({ method: 'REGISTER', uri: p.requestUri, headers }), branch };
}
