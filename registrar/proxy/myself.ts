// Is a URI (a Route value, a Request-URI, a Via sent-by) this proxy? RFC 3261 §16.4: "If the
// first value in the Route header field indicates this proxy, the proxy MUST remove that value
// from the request." Recognized by address, not by a token: a Record-Route this engine wrote
// before a restart is still ours. Ours = one of our listening ports on one of this host's
// addresses (every interface, the bind address, SIP_PUBLIC_HOST).
import { networkInterfaces } from 'node:os';
import type { SipUri } from '../message/uri';
import { defaultPort } from '../dns/resolve-targets';

export interface MyselfOptions {
  /** Advertised hosts (SIP_PUBLIC_HOST, per family) and port, when set. */
  publicHosts: string[];
  publicPort: number | null;
  /** The SIP_BIND addresses that are not wildcards. */
  bindAddresses: string[];
  /** Our listening ports now, every family and transport (ephemeral ones are known after open()). */
  ports: () => number[];
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
    const myPorts = new Set<number>(this.options.ports());
    if (this.options.publicPort !== null) myPorts.add(this.options.publicPort);
    return myPorts.has(port) && this.myHosts().has(host.toLowerCase());
  }

  private myHosts(): Set<string> {
    if (this.hosts) return this.hosts;
    const all = this.options.interfaceAddresses?.() ?? Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
    const hosts = new Set(all.map((a) => a.toLowerCase()));
    for (const h of [...this.options.publicHosts, ...this.options.bindAddresses]) hosts.add(h.toLowerCase());
    this.hosts = hosts;
    return hosts;
  }
}
