// Is a URI (a Route value, a Request-URI, a Via sent-by) this proxy? RFC 3261 §16.4: "If the
// first value in the Route header field indicates this proxy, the proxy MUST remove that value
// from the request." Recognized by address, not by a token: a Record-Route this engine wrote
// before a restart is still ours. Ours = one of our listening ports on one of this host's
// addresses (every interface, the bind address, SIP_PUBLIC_HOST).
import { networkInterfaces } from 'node:os';
import type { SipUri } from '../message/uri';
import { defaultPort } from '../dns/resolve-targets';
import type { TransportProtocol } from '../transport/types';

export interface MyselfOptions {
  /** Advertised host (SIP_PUBLIC_HOST) and port, when set. */
  publicHost: string | null;
  publicPort: number | null;
  /** The bind address when it is not a wildcard. */
  bindAddress: string | null;
  /** Our listening ports now (ephemeral ones are known after open()). */
  ports: () => Partial<Record<TransportProtocol, number>>;
  /** This host's interface addresses (default: os.networkInterfaces(), read once). */
  interfaceAddresses?: () => string[];
}

export class Myself {
  private hosts: Set<string> | null = null;

  constructor(private readonly options: MyselfOptions) {}

  /** Whether `uri` names this proxy (host and effective port). */
  isMe(uri: SipUri): boolean {
    return this.isMyAddress(uri.host, uri.port ?? defaultPort(uri.scheme === 'sips' || uri.params.get('transport')?.toLowerCase() === 'tls' ? 'tls' : 'udp'));
  }

  isMyAddress(host: string, port: number): boolean {
    const ports = this.options.ports();
    const myPorts = new Set<number>(Object.values(ports).filter((p): p is number => typeof p === 'number'));
    if (this.options.publicPort !== null) myPorts.add(this.options.publicPort);
    return myPorts.has(port) && this.myHosts().has(host.toLowerCase());
  }

  private myHosts(): Set<string> {
    if (this.hosts) return this.hosts;
    const all = this.options.interfaceAddresses?.() ?? Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
    const hosts = new Set(all.map((a) => a.toLowerCase()));
    if (this.options.publicHost) hosts.add(this.options.publicHost.toLowerCase());
    if (this.options.bindAddress) hosts.add(this.options.bindAddress.toLowerCase());
    this.hosts = hosts;
    return hosts;
  }
}
