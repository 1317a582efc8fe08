/**
 * The client address used for sign-in throttling and session records. It is the socket's peer,
 * unless that peer is a proxy listed in TRUST_PROXY: then the nearest X-Forwarded-For entry that
 * is not itself a trusted proxy (entries further left can be forged by the client).
 */
const normalize = (address: string) => address.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '').toLowerCase();

export function parseTrustedProxies(list: string | undefined): Set<string> {
  return new Set((list ?? '').split(',').map(normalize).filter(Boolean));
}

export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, trusted: Set<string>): string {
  const socket = normalize(peer ?? '');
  if (!trusted.has(socket) || !forwardedFor) return socket;
  const hops = forwardedFor.split(',').map(normalize).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trusted.has(hops[i]!)) return hops[i]!;
  }
  return hops[0] ?? socket;
}

/** True when the socket peer is a proxy listed in TRUST_PROXY (only then are its X-Forwarded-* headers believed). */
export function isTrustedPeer(peer: string | undefined, trusted: Set<string>): boolean {
  return trusted.has(normalize(peer ?? ''));
}
