// UDP transport (RFC 3261 §18.1.1, §18.2.1): one socket per address family (SIP_BIND), shared
// by all registrations; a target is reached from the socket of its own family, so Via and
// Contact name an address of that family. Large kernel buffers absorb the 10,000-registration burst.
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { SipError } from '../errors';
import { noFamilyError, toTransportError } from './errors';
import { familyOf, formatBind, isWildcard, validateBinds, type BindAddress, type IpFamily } from './sip-bind';
import type {
  InboundHandler,
  LocalAddress,
  SendErrorHandler,
  Transport,
  TransportCounters,
  TransportTarget,
} from './types';

export interface UdpTransportOptions {
  /** One address:port per family (SIP_BIND); port 0 picks an ephemeral port (tests). */
  binds: ReadonlyArray<{ host: string; port: number }>;
  /** SO_RCVBUF / SO_SNDBUF request; the kernel may clamp it (net.core.rmem_max). */
  socketBufferBytes?: number;
}

/** The socket of one family. */
interface Side {
  bind: BindAddress;
  socket: Socket | null;
  /** Bound address, read once after bind (getsockname is a syscall). */
  local: LocalAddress | null;
  opening: Promise<void> | null;
  /** Source address towards a target, when bound to the wildcard. */
  routes: Map<string, Promise<string>>;
  /** The same, once found: the address to advertise towards each target host. */
  found: Map<string, LocalAddress>;
}

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly counters: TransportCounters = { droppedInbound: 0, sendErrors: 0 };
  private readonly sides = new Map<IpFamily, Side>();
  /** Families dropped at open (no IPv6 on this host): why, for the error of a target of that family. */
  private readonly dropped = new Map<IpFamily, string>();
  private handler: InboundHandler = () => {};
  private readonly bufferBytes: number;
  /** The addresses bound, for the error of a family without one. */
  private readonly configured: string;

  constructor(options: UdpTransportOptions) {
    let binds: BindAddress[];
    try {
      binds = validateBinds(options.binds);
    } catch (err) {
      throw new SipError('E_CONFIG', `UDP bind: ${(err as Error).message}`);
    }
    for (const bind of binds) this.sides.set(bind.family, { bind, socket: null, local: null, opening: null, routes: new Map(), found: new Map() });
    this.configured = binds.map((b) => b.host).join(', ');
    this.bufferBytes = options.socketBufferBytes ?? 4 * 1024 * 1024;
  }

  /** The families this transport has a socket for (or will, once open), in SIP_BIND order. */
  get families(): IpFamily[] {
    return [...this.sides.keys()];
  }

  setInboundHandler(handler: InboundHandler): void {
    this.handler = handler;
  }

  /** Binds every family's socket. */
  async open(): Promise<void> {
    await Promise.all(this.families.map((f) => this.openFamily(f)));
  }

  /** Binds the socket of one family (idempotent); rejects with the system error as cause. */
  openFamily(family: IpFamily): Promise<void> {
    const side = this.sides.get(family);
    if (!side) return Promise.reject(new SipError('E_CONFIG', `no IPv${family} address in ${this.configured}`));
    side.opening ??= new Promise<void>((resolve, reject) => {
      const { host, port } = side.bind;
      // ipv6Only: [::]:5060 must not take IPv4's 0.0.0.0:5060 too (Linux binds :: dual-stack by default).
      const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', reuseAddr: false, ipv6Only: family === 6, lookup: literalLookup });
      const onBindError = (err: Error): void => {
        side.opening = null;
        socket.close();
        reject(toTransportError(err, `bind ${formatBind(side.bind)}`));
      };
      socket.once('error', onBindError);
      socket.bind(port, host, () => {
        socket.off('error', onBindError);
        socket.on('error', () => {
          this.counters.sendErrors++;
        });
        try {
          socket.setRecvBufferSize(this.bufferBytes);
          socket.setSendBufferSize(this.bufferBytes);
        } catch {
          // Unprivileged processes may be clamped or refused; defaults still work.
        }
        socket.on('message', (msg, rinfo) => {
          if (msg.length <= 4 && isCrlfKeepAlive(msg)) return;
          this.handler(msg, { transport: 'udp', host: rinfo.address, port: rinfo.port });
        });
        const a = socket.address();
        side.local = { host: a.address, port: a.port };
        side.socket = socket;
        resolve();
      });
    });
    return side.opening;
  }

  /** Closes a family's socket; openFamily() binds it again. */
  async closeFamily(family: IpFamily): Promise<void> {
    const side = this.sides.get(family);
    if (side) await closeSide(side);
  }

  /** Closes a family's socket and forgets the family: its targets fail with `why` (E_NO_IPV4/6). */
  async dropFamily(family: IpFamily, why: string): Promise<void> {
    const side = this.sides.get(family);
    if (!side) return;
    this.sides.delete(family);
    this.dropped.set(family, why);
    await closeSide(side);
  }

  /** Bound port of a family's socket, or null when it has none open. */
  boundPort(family: IpFamily): number | null {
    return this.sides.get(family)?.local?.port ?? null;
  }

  /** Bound address and port of a family's socket (default the first), e.g. to learn the ephemeral port in tests. */
  address(family: IpFamily = this.families[0] ?? 4): LocalAddress {
    const local = this.sides.get(family)?.local;
    if (!local) throw new SipError('E_CLOSED', `UDP transport has no open IPv${family} socket`);
    return { host: local.host, port: local.port };
  }

  send(target: TransportTarget, data: Buffer, onError?: SendErrorHandler): void {
    const side = this.sideFor(target);
    if (side instanceof SipError) {
      this.fail(side, onError);
      return;
    }
    const socket = side.socket;
    if (!socket) {
      this.fail(new SipError('E_CLOSED', 'UDP transport not open'), onError);
      return;
    }
    socket.send(data, target.port, target.host, (err) => {
      if (err) this.fail(toTransportError(err, `send to ${target.host}:${target.port}`), onError);
    });
  }

  async localAddressFor(target: TransportTarget): Promise<LocalAddress> {
    const side = this.sideFor(target);
    if (side instanceof SipError) throw side;
    const local = side.local;
    if (!local) throw new SipError('E_CLOSED', 'UDP transport not open');
    if (!isWildcard(side.bind.host)) return local;
    let route = side.routes.get(target.host);
    if (!route) {
      route = discoverSourceAddress(target, side.bind.family);
      side.routes.set(target.host, route);
      route.then(
        (host) => side.routes.get(target.host) === route && side.found.set(target.host, { host, port: local.port }),
        () => side.routes.delete(target.host),
      );
    }
    return { host: await route, port: local.port };
  }

  /** What localAddressFor answers, when that is known without waiting (the bound address, or a source address found before); else null. */
  localAddressNow(target: TransportTarget): LocalAddress | null {
    const side = this.sideFor(target);
    if (side instanceof SipError || !side.local) return null;
    return isWildcard(side.bind.host) ? (side.found.get(target.host) ?? null) : side.local;
  }

  async close(): Promise<void> {
    await Promise.all([...this.sides.values()].map(closeSide));
  }

  /** The socket of the target's family, or the error saying why there is none. */
  private sideFor(target: TransportTarget): Side | SipError {
    const family = familyOf(target.host);
    if (family === null) return new SipError('E_TRANSPORT', `${target.host} is not an IP address`);
    return this.sides.get(family) ?? noFamilyError(family, target, this.dropped.get(family) ?? `SIP_BIND has no IPv${family} address (${this.configured})`);
  }

  private fail(error: SipError, onError?: SendErrorHandler): void {
    this.counters.sendErrors++;
    onError?.(error);
  }
}

function closeSide(side: Side): Promise<void> {
  const socket = side.socket;
  side.socket = null;
  side.local = null;
  side.opening = null;
  side.routes.clear();
  side.found.clear();
  if (!socket) return Promise.resolve();
  return new Promise((resolve) => socket.close(() => resolve()));
}

/**
 * A datagram of only CR/LF: the keep-alive many peers send over UDP (the
 * RFC 5626 §3.5.1 CRLF form; §4.4.1 uses STUN on UDP). It carries no message,
 * needs no answer and is not malformed.
 */
function isCrlfKeepAlive(msg: Buffer): boolean {
  for (const b of msg) if (b !== 0x0d && b !== 0x0a) return false;
  return true;
}

/**
 * send() only gets IP literals (dns/ resolved names; the family is checked
 * first), so dgram's per-datagram dns.lookup() and its deferral are skipped.
 */
function literalLookup(address: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  callback(null, address, isIP(address));
}

/**
 * Source address the kernel would use towards `target`: connect() a throwaway
 * UDP socket (no packet is sent) and read its local address.
 */
function discoverSourceAddress(target: TransportTarget, family: IpFamily): Promise<string> {
  return new Promise((resolve, reject) => {
    const probe = createSocket(family === 6 ? 'udp6' : 'udp4');
    probe.once('error', (err) => {
      probe.close();
      reject(toTransportError(err, `route to ${target.host}`));
    });
    probe.connect(target.port, target.host, () => {
      const { address } = probe.address();
      probe.close();
      resolve(address);
    });
  });
}
