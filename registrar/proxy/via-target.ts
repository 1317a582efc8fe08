// Where a response goes (RFC 3261 §18.2.2, RFC 3581 §4), read from the Via it is sent to:
//   reliable transport  → "the response MUST be sent using the existing connection to the source
//                          of the original request" (received + rport: the inbound connection);
//   maddr               → that address (rare; not used by carriers we relay for);
//   rport with a value  → received : rport (RFC 3581 §4, symmetric response routing);
//   received            → received : sent-by port (or 5060);
//   otherwise           → sent-by host : port (a name is resolved, RFC 3263 §5).
import { isIP } from 'node:net';
import type { Via } from '../message/via';
import type { TransportProtocol, TransportTarget } from '../transport/types';

const PROTOCOLS: Record<string, TransportProtocol> = { UDP: 'udp', TCP: 'tcp', TLS: 'tls' };

/** The target of a response sent to `via`, or null when its transport is not ours. `host` may be a name. */
export function responseTarget(via: Via): TransportTarget | null {
  const transport = PROTOCOLS[via.protocol.split('/').pop()?.toUpperCase() ?? ''];
  if (!transport) return null;
  const maddr = via.params.get('maddr');
  const received = via.params.get('received');
  const rport = via.params.get('rport');
  const defaultPort = transport === 'tls' ? 5061 : 5060;
  const host = maddr || received || via.host;
  const rportNumber = rport && /^\d{1,5}$/.test(rport) ? Number(rport) : null;
  const port = maddr ? (via.port ?? defaultPort) : (rportNumber ?? via.port ?? defaultPort);
  return { transport, host, port, existingConnection: transport !== 'udp' };
}

/** Whether a response target still needs a DNS lookup (sent-by is a name and no received). */
export function needsLookup(target: TransportTarget): boolean {
  return isIP(target.host) === 0;
}
