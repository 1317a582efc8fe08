// TCP and TLS transports (RFC 3261 §18.1.1, §18.3; TLS per RFC 5922/5630).
// Outbound: one connection per target, reused by every registration using it,
// opened on demand and forgotten when it closes so the next send reconnects;
// idle ones carry CRLF keep-alives (RFC 5626 §4.4.1). Inbound: a listener on
// the advertised Contact port, one per address family (SIP_BIND); accepted
// connections join the same map, keyed by remote address, so responses go back
// over them (§18.2.2). A target is connected to from the side of its own family.
import { readFileSync } from 'node:fs';
import { connect as netConnect, createServer as netCreateServer, isIP, type Server, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type ConnectionOptions, createServer as tlsCreateServer, type TLSSocket } from 'node:tls';
import { SipError } from '../errors';
import { DEFAULT_LIMITS, type ParseLimits } from '../message/types';
import { mathRandom, type RandomSource } from '../util/random';
import { noFamilyError, tlsVerifyError, toTransportError } from './errors';
import { familyOf, formatBind, isWildcard, type IpFamily } from './sip-bind';
import { StreamFramer, type KeepAlive } from './stream-framer';
import type {
  ConnectionErrorHandler,
  InboundHandler,
  LocalAddress,
  RemoteAddress,
  SendErrorHandler,
  Transport,
  TransportCounters,
  TransportTarget,
} from './types';

/** RFC 5626 §3.5.1: a ping is a double CRLF, a pong a single one. */
const PING = Buffer.from('\r\n\r\n');
const PONG = Buffer.from('\r\n');

/** The local side of one address family (a SIP_BIND entry). */
export interface StreamSide {
  /**
   * IP address of that family: outbound connections to targets of the family come from it
   * (the kernel picks when it is the wildcard, 0.0.0.0 or ::), and the listener listens on it.
   */
  host: string;
  /** Listen on this port, read at open() (the engine passes that family's UDP port); omitted: no listener. */
  port?: () => number;
}

export interface StreamTransportOptions {
  limits?: ParseLimits;
  connectTimeoutMs?: number;
  /** PEM bundle of trusted CAs for TLS; system roots when omitted. */
  tlsCaFile?: string;
  /**
   * One side per address family (at most one each). Targets of a family without a side are
   * refused (E_NO_IPV4/E_NO_IPV6). Omitted: any family, source chosen by the kernel, no listener.
   * A side with a port accepts connections there (the Contact's port); TLS also needs tlsCertFile and tlsKeyFile.
   */
  sides?: StreamSide[];
  /** PEM certificate chain and private key of the TLS listener. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Most accepted connections at once; the listener drops further ones (default 1024). */
  maxInboundConnections?: number;
  /** Accepted connections without a byte either way for this long are closed (default 120 s). */
  inboundIdleMs?: number;
  /**
   * RFC 5626 §4.4.1 keep-alive period bound on outbound connections: each
   * interval is random in 80–100 % of it (default 120 s; 0 turns pings off).
   */
  keepAliveMs?: number;
  /** A pong missing this long after a ping loses the flow (default 10 s, RFC 5626 §4.4.1). */
  pongTimeoutMs?: number;
  random?: RandomSource;
}

export interface StreamCounters extends TransportCounters {
  /** Connections accepted by the listener. */
  accepted: number;
  pingsSent: number;
  pongsReceived: number;
  /** Pongs sent in answer to the peer's pings. */
  pongsSent: number;
  /** Outbound flows lost (closed or reset by the peer, pong missing). */
  flowsLost: number;
}

interface Connection {
  socket: Socket;
  key: string;
  remote: RemoteAddress;
  ready: Promise<LocalAddress>;
  connected: boolean;
  /** Accepted by our listener (never reported as a lost flow, never pinged). */
  inbound: boolean;
  /** Being closed by close(): not a lost flow. */
  closing: boolean;
  queue: Array<{ data: Buffer; onError?: SendErrorHandler }>;
  /** A SIP message went either way since the last keep-alive tick. */
  busy: boolean;
  keepAliveTimer: NodeJS.Timeout | null;
  pongTimer: NodeJS.Timeout | null;
  awaitingPong: boolean;
}

export class StreamTransport implements Transport {
  readonly counters: StreamCounters = { droppedInbound: 0, sendErrors: 0, accepted: 0, pingsSent: 0, pongsReceived: 0, pongsSent: 0, flowsLost: 0 };
  private readonly connections = new Map<string, Connection>();
  /** Accepted connections (also those shadowed in `connections` by one to the same address). */
  private readonly inbound = new Set<Connection>();
  /** Peers (connection keys) that answered a ping: only their missing pongs count (RFC 5626 §4.4.1). */
  private readonly pongingPeers = new Set<string>();
  private handler: InboundHandler = () => {};
  private connectionErrorHandler: ConnectionErrorHandler = () => {};
  private readonly limits: ParseLimits;
  private readonly connectTimeoutMs: number;
  private readonly ca: Buffer | undefined;
  /** null: any family (no sides given). */
  private readonly sides: Map<IpFamily, SideState> | null;
  /** Families dropped at open (no IPv6 on this host): why, for the error of a target of that family. */
  private readonly dropped = new Map<IpFamily, string>();
  private readonly cert: { cert: Buffer; key: Buffer } | undefined;
  private readonly maxInbound: number;
  private readonly inboundIdleMs: number;
  private readonly keepAliveMs: number;
  private readonly pongTimeoutMs: number;
  private readonly random: RandomSource;

  constructor(
    readonly protocol: 'tcp' | 'tls',
    options: StreamTransportOptions = {},
  ) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    const isTls = protocol === 'tls';
    this.ca = isTls && options.tlsCaFile ? readPem(options.tlsCaFile, 'TLS CA') : undefined;
    const listens = options.sides?.some((side) => side.port) ?? false;
    if (isTls && listens && !(options.tlsCertFile && options.tlsKeyFile)) throw new SipError('E_CONFIG', 'a TLS listener needs a certificate and a key file');
    this.cert = isTls && listens ? { cert: readPem(options.tlsCertFile!, 'TLS certificate'), key: readPem(options.tlsKeyFile!, 'TLS key') } : undefined;
    this.sides = options.sides ? sideStates(options.sides) : null;
    this.maxInbound = options.maxInboundConnections ?? 1024;
    this.inboundIdleMs = options.inboundIdleMs ?? 120_000;
    this.keepAliveMs = options.keepAliveMs ?? 120_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 10_000;
    this.random = options.random ?? mathRandom;
  }

  /** Starts the listeners, if configured; rejects (E_TRANSPORT) when a port cannot be bound. */
  async open(): Promise<void> {
    await Promise.all([...(this.sides?.keys() ?? [])].map((f) => this.openFamily(f)));
  }

  /** Starts the listener of one family, if it has one (idempotent); rejects with the system error as cause. */
  openFamily(family: IpFamily): Promise<void> {
    const side = this.sides?.get(family);
    if (!side?.port) return Promise.resolve();
    const listenPort = side.port;
    side.opening ??= new Promise<void>((resolve, reject) => {
      const server = this.cert
        ? tlsCreateServer({ ...this.cert, handshakeTimeout: this.connectTimeoutMs }).on('secureConnection', (s: Socket) => this.accept(s))
        : netCreateServer((s) => this.accept(s));
      server.maxConnections = this.maxInbound;
      const port = listenPort();
      const onListenError = (err: Error): void => {
        side.opening = null;
        reject(toTransportError(err, `${this.protocol} listen ${formatBind({ host: side.host, port })}`));
      };
      server.once('error', onListenError);
      // ipv6Only: [::]:5060 must not take IPv4's 0.0.0.0:5060 too (Linux listens on :: dual-stack by default).
      server.listen({ host: side.host, port, exclusive: true, ipv6Only: family === 6 }, () => {
        server.off('error', onListenError);
        // Accept errors (EMFILE …) must not crash the process; the listener keeps going.
        server.on('error', () => {});
        side.server = server;
        resolve();
      });
    });
    return side.opening;
  }

  /** Closes a family's listener; openFamily() listens again. */
  async closeFamily(family: IpFamily): Promise<void> {
    const side = this.sides?.get(family);
    if (side) await closeListener(side);
  }

  /** Closes a family's listener and forgets the family: its targets fail with `why` (E_NO_IPV4/6). */
  async dropFamily(family: IpFamily, why: string): Promise<void> {
    const side = this.sides?.get(family);
    if (!side) return;
    this.sides!.delete(family);
    this.dropped.set(family, why);
    await closeListener(side);
  }

  /** Port of the first family's listener, or null when it is not listening. */
  get listenPort(): number | null {
    const first = this.sides?.keys().next().value;
    return first === undefined ? null : this.listenPortOf(first);
  }

  /** Port of a family's listener, or null when it is not listening. */
  listenPortOf(family: IpFamily): number | null {
    const a = this.sides?.get(family)?.server?.address();
    return a && typeof a === 'object' ? a.port : null;
  }

  setInboundHandler(handler: InboundHandler): void {
    this.handler = handler;
  }

  setConnectionErrorHandler(handler: ConnectionErrorHandler): void {
    this.connectionErrorHandler = handler;
  }

  send(target: TransportTarget, data: Buffer, onError?: SendErrorHandler): void {
    let conn: Connection | undefined;
    if (target.existingConnection) {
      conn = this.connections.get(this.key(target));
      if (!conn || conn.socket.destroyed) {
        this.fail(new SipError('E_TRANSPORT', `no open ${this.protocol} connection to ${target.host}:${target.port}`), onError);
        return;
      }
    } else {
      const refused = this.familyRefusal(target);
      if (refused) {
        this.fail(refused, onError);
        return;
      }
      conn = this.connectionFor(target);
    }
    this.write(conn, data, onError);
  }

  localAddressFor(target: TransportTarget): Promise<LocalAddress> {
    const refused = this.familyRefusal(target);
    return refused ? Promise.reject(refused) : this.connectionFor(target).ready;
  }

  /** Closes the listener and every connection; none of them is reported as a lost flow. */
  async close(): Promise<void> {
    const all = new Set([...this.connections.values(), ...this.inbound]);
    this.connections.clear();
    this.inbound.clear();
    for (const conn of all) {
      conn.closing = true;
      conn.socket.destroy();
    }
    await Promise.all([...(this.sides?.values() ?? [])].map(closeListener));
  }

  /** Why a target cannot be connected to: no side of its family; null when it can. */
  private familyRefusal(target: TransportTarget): SipError | null {
    if (!this.sides) return null;
    const family = familyOf(target.host);
    if (family === null) return new SipError('E_TRANSPORT', `${target.host} is not an IP address`);
    if (this.sides.has(family)) return null;
    const bound = [...this.sides.values()].map((side) => side.host).join(', ');
    return noFamilyError(family, target, this.dropped.get(family) ?? `SIP_BIND has no IPv${family} address (${bound || 'none'})`);
  }

  private key(target: { host: string; port: number; serverName?: string }): string {
    return `${target.host}|${target.port}|${target.serverName ?? ''}`;
  }

  private write(conn: Connection, data: Buffer, onError?: SendErrorHandler): void {
    if (!conn.connected) {
      conn.queue.push({ data, onError });
      return;
    }
    conn.busy = true;
    conn.socket.write(data, (err) => {
      if (err) this.fail(toTransportError(err, 'write', this.protocol === 'tls'), onError);
    });
  }

  private connectionFor(target: TransportTarget): Connection {
    const key = this.key(target);
    const existing = this.connections.get(key);
    if (existing && !existing.socket.destroyed) return existing;

    const isTls = this.protocol === 'tls';
    const servername = target.serverName && !isIP(target.serverName) ? target.serverName : undefined;
    // From our address of the target's family (SIP_BIND), unless that is the wildcard.
    const sideHost = this.sides?.get(familyOf(target.host) ?? 4)?.host;
    const localAddress = sideHost && !isWildcard(sideHost) ? sideHost : undefined;
    // TLS: the certificate is verified in 'secureConnect' below (chain, validity and name,
    // exactly as rejectUnauthorized would), so that a refusal can say what the server's
    // certificate is; nothing is written before that check passed.
    const socket = isTls
      ? // tls.connect() hands its options to net.Socket#connect, which honours localAddress (not in ConnectionOptions' type).
        tlsConnect({ host: target.host, port: target.port, localAddress, servername, ca: this.ca, rejectUnauthorized: false } as ConnectionOptions)
      : netConnect({ host: target.host, port: target.port, localAddress });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.setTimeout(this.connectTimeoutMs);

    const remote: RemoteAddress = { transport: this.protocol, host: target.host, port: target.port };
    let resolveReady!: (a: LocalAddress) => void;
    let rejectReady!: (e: SipError) => void;
    const ready = new Promise<LocalAddress>((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    ready.catch(() => {});
    const conn = newConnection(socket, key, remote, ready, false);
    this.connections.set(key, conn);

    const context = `${this.protocol} ${target.host}:${target.port}`;
    // TLS: TCP is connected and the handshake under way: failures now are TLS failures.
    let handshaking = false;
    if (isTls) socket.once('connect', () => (handshaking = !conn.connected));
    socket.once(isTls ? 'secureConnect' : 'connect', () => {
      if (isTls) {
        handshaking = false;
        const refused = verifyFailure(socket as TLSSocket, servername ?? target.host, context);
        if (refused) {
          socket.destroy(refused);
          return;
        }
      }
      socket.setTimeout(0);
      conn.connected = true;
      resolveReady({ host: socket.localAddress ?? '0.0.0.0', port: socket.localPort ?? 0 });
      const queued = conn.queue;
      conn.queue = [];
      for (const q of queued) this.write(conn, q.data, q.onError);
      this.scheduleKeepAlive(conn);
    });
    socket.on('timeout', () =>
      socket.destroy(handshaking ? new SipError('E_TLS_HANDSHAKE', `${context}: TLS handshake timeout`) : new SipError('E_TRANSPORT', 'connect timeout')),
    );
    this.attach(conn, (error) => rejectReady(error), () => handshaking);
    return conn;
  }

  /** A connection accepted by the listener: kept for responses, closed when idle. */
  private accept(socket: Socket): void {
    this.counters.accepted++;
    const remote: RemoteAddress = { transport: this.protocol, host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const key = this.key(remote);
    const conn = newConnection(socket, key, remote, Promise.resolve({ host: socket.localAddress ?? '0.0.0.0', port: socket.localPort ?? 0 }), true);
    conn.connected = true;
    this.inbound.add(conn);
    const existing = this.connections.get(key);
    if (!existing || existing.socket.destroyed) this.connections.set(key, conn);
    socket.setNoDelay(true);
    socket.setTimeout(this.inboundIdleMs);
    socket.on('timeout', () => socket.destroy());
    this.attach(conn, () => {});
  }

  /** Framing, keep-alives and the end of a connection, inbound or outbound. */
  private attach(conn: Connection, onFailed: (error: SipError) => void, handshaking: () => boolean = () => false): void {
    const { socket, remote } = conn;
    const framer = new StreamFramer(this.limits, (kind) => this.keepAliveReceived(conn, kind));
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch {
        this.counters.droppedInbound++;
        socket.destroy();
        return;
      }
      if (frames.length > 0) conn.busy = true;
      for (const f of frames) this.handler(f, remote);
    });
    let failed = false;
    const failConnection = (error: SipError): void => {
      if (this.connections.get(conn.key) === conn) this.connections.delete(conn.key);
      this.inbound.delete(conn);
      if (failed) return;
      failed = true;
      clearTimeout(conn.keepAliveTimer ?? undefined);
      clearTimeout(conn.pongTimer ?? undefined);
      onFailed(error);
      const queued = conn.queue;
      conn.queue = [];
      for (const q of queued) this.fail(error, q.onError);
      if (conn.connected && !conn.inbound && !conn.closing) {
        this.counters.flowsLost++;
        this.connectionErrorHandler(remote, error);
      }
    };
    socket.on('error', (err) => {
      failConnection(err instanceof SipError ? err : toTransportError(err, `${this.protocol} ${remote.host}:${remote.port}`, this.protocol === 'tls', handshaking()));
    });
    socket.on('close', () => failConnection(new SipError('E_TRANSPORT', 'connection closed')));
  }

  private keepAliveReceived(conn: Connection, kind: KeepAlive): void {
    if (kind === 'ping') {
      // RFC 5626 §3.5.1: answer a double CRLF with a single one.
      this.counters.pongsSent++;
      conn.socket.write(PONG);
      return;
    }
    if (!conn.awaitingPong) return;
    this.counters.pongsReceived++;
    conn.awaitingPong = false;
    this.pongingPeers.add(conn.key);
    clearTimeout(conn.pongTimer ?? undefined);
    conn.pongTimer = null;
  }

  /** RFC 5626 §4.4.1: the next keep-alive in 80–100 % of the period. */
  private scheduleKeepAlive(conn: Connection): void {
    if (this.keepAliveMs <= 0 || conn.closing) return;
    const delay = this.keepAliveMs * (0.8 + 0.2 * this.random());
    conn.keepAliveTimer = setTimeout(() => this.keepAliveTick(conn), delay);
    conn.keepAliveTimer.unref();
  }

  /**
   * Pings an idle flow. The pong must come within pongTimeoutMs, else the
   * flow is lost; a peer that never answered a ping is not judged by it
   * (it may not implement RFC 5626) but keeps being pinged.
   */
  private keepAliveTick(conn: Connection): void {
    conn.keepAliveTimer = null;
    if (conn.socket.destroyed) return;
    if (!conn.busy) {
      this.counters.pingsSent++;
      conn.awaitingPong = true;
      conn.socket.write(PING);
      if (this.pongingPeers.has(conn.key) && !conn.pongTimer) {
        conn.pongTimer = setTimeout(() => conn.socket.destroy(new SipError('E_TRANSPORT', 'keep-alive pong missing')), this.pongTimeoutMs);
        conn.pongTimer.unref();
      }
    }
    conn.busy = false;
    this.scheduleKeepAlive(conn);
  }

  private fail(error: SipError, onError?: SendErrorHandler): void {
    this.counters.sendErrors++;
    onError?.(error);
  }
}

interface SideState extends StreamSide {
  server: Server | null;
  opening: Promise<void> | null;
}

function sideStates(sides: readonly StreamSide[]): Map<IpFamily, SideState> {
  const out = new Map<IpFamily, SideState>();
  for (const side of sides) {
    const family = familyOf(side.host);
    if (family === null) throw new SipError('E_CONFIG', `stream side ${side.host}: not an IP address`);
    if (out.has(family)) throw new SipError('E_CONFIG', `stream sides: two IPv${family} addresses (${out.get(family)!.host}, ${side.host})`);
    out.set(family, { ...side, server: null, opening: null });
  }
  return out;
}

async function closeListener(side: SideState): Promise<void> {
  const server = side.server;
  side.server = null;
  side.opening = null;
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
}

function newConnection(socket: Socket, key: string, remote: RemoteAddress, ready: Promise<LocalAddress>, inbound: boolean): Connection {
  return { socket, key, remote, ready, connected: false, inbound, closing: false, queue: [], busy: false, keepAliveTimer: null, pongTimer: null, awaitingPong: false };
}

/**
 * Null when the server's certificate verified (chain to a trusted CA, validity, and the name or
 * address we connected to, RFC 5922 §7), else the error to fail the connection with: its code
 * says what is wrong, its message what the certificate says.
 */
function verifyFailure(socket: TLSSocket, hostname: string, context: string): SipError | null {
  if (socket.authorized) return null;
  const cert = socket.getPeerCertificate();
  // Node sets authorizationError to the OpenSSL verify code (a string), or to the code of the
  // name check (ERR_TLS_CERT_ALTNAME_INVALID); its @types say Error.
  const raw = socket.authorizationError as unknown;
  const code = typeof raw === 'string' ? raw : ((raw as { code?: string } | null)?.code ?? 'UNKNOWN');
  let reason: string | undefined;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' && cert && Object.keys(cert).length > 0) reason = checkServerIdentity(hostname, cert)?.message;
  else if (raw instanceof Error) reason = raw.message;
  return tlsVerifyError(code, reason, context, cert);
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new SipError('E_CONFIG', `cannot read ${what} file ${path}`, { cause: err });
  }
}
