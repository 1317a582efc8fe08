// UDP transport (RFC 3261 §18.1.1, §18.2.1): one socket for all registrations.
// Large kernel buffers absorb the 10,000-registration burst.
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { SipError } from '../errors';
import { toTransportError } from './errors';
import type {
  InboundHandler,
  LocalAddress,
  SendErrorHandler,
  Transport,
  TransportCounters,
  TransportTarget,
} from './types';

export interface UdpTransportOptions {
  bindAddress?: string;
  /** 0 picks an ephemeral port (tests). */
  bindPort?: number;
  /** SO_RCVBUF / SO_SNDBUF request; the kernel may clamp it (net.core.rmem_max). */
  socketBufferBytes?: number;
}

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly counters: TransportCounters = { droppedInbound: 0, sendErrors: 0 };
  private socket: Socket | null = null;
  /** Bound address, read once after bind (getsockname is a syscall). */
  private local: LocalAddress | null = null;
  private opening: Promise<void> | null = null;
  private handler: InboundHandler = () => {};
  private readonly routeCache = new Map<string, Promise<string>>();
  private readonly bindAddress: string;
  private readonly bindPort: number;
  private readonly bufferBytes: number;
  private readonly family: 4 | 6;

  constructor(options: UdpTransportOptions = {}) {
    this.bindAddress = options.bindAddress ?? '0.0.0.0';
    this.bindPort = options.bindPort ?? 5060;
    this.bufferBytes = options.socketBufferBytes ?? 4 * 1024 * 1024;
    this.family = isIP(this.bindAddress) === 6 ? 6 : 4;
  }

  setInboundHandler(handler: InboundHandler): void {
    this.handler = handler;
  }

  open(): Promise<void> {
    this.opening ??= new Promise<void>((resolve, reject) => {
      const socket = createSocket({ type: this.family === 6 ? 'udp6' : 'udp4', reuseAddr: false, lookup: literalLookup });
      const onBindError = (err: Error): void => reject(toTransportError(err, `bind ${this.bindAddress}:${this.bindPort}`));
      socket.once('error', onBindError);
      socket.bind(this.bindPort, this.bindAddress, () => {
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
        this.local = { host: a.address, port: a.port };
        this.socket = socket;
        resolve();
      });
    });
    return this.opening;
  }

  get isOpen(): boolean {
    return this.local !== null;
  }

  /** Bound address and port, e.g. to learn the ephemeral port in tests. */
  address(): LocalAddress {
    if (!this.local) throw new SipError('E_CLOSED', 'UDP transport not open');
    return { host: this.local.host, port: this.local.port };
  }

  send(target: TransportTarget, data: Buffer, onError?: SendErrorHandler): void {
    const socket = this.socket;
    if (!socket) {
      this.fail(new SipError('E_CLOSED', 'UDP transport not open'), onError);
      return;
    }
    if (isIP(target.host) !== this.family) {
      this.fail(new SipError('E_TRANSPORT', `IPv${this.family} socket cannot reach ${target.host}`), onError);
      return;
    }
    socket.send(data, target.port, target.host, (err) => {
      if (err) this.fail(toTransportError(err, `send to ${target.host}:${target.port}`), onError);
    });
  }

  async localAddressFor(target: TransportTarget): Promise<LocalAddress> {
    const local = this.local;
    if (!local) throw new SipError('E_CLOSED', 'UDP transport not open');
    const port = local.port;
    if (this.bindAddress !== '0.0.0.0' && this.bindAddress !== '::') return local;
    let route = this.routeCache.get(target.host);
    if (!route) {
      route = discoverSourceAddress(target, this.family);
      this.routeCache.set(target.host, route);
      route.catch(() => this.routeCache.delete(target.host));
    }
    return { host: await route, port };
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    this.local = null;
    this.opening = null;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  private fail(error: SipError, onError?: SendErrorHandler): void {
    this.counters.sendErrors++;
    onError?.(error);
  }
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
function discoverSourceAddress(target: TransportTarget, family: 4 | 6): Promise<string> {
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
