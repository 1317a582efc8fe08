// TCP and TLS transports (RFC 3261 §18.1.1, §18.3; TLS per RFC 5922/5630).
// One connection per target, reused by every registration using it, opened
// on demand and forgotten when it closes so the next send reconnects.
import { readFileSync } from 'node:fs';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { SipError } from '../errors';
import { DEFAULT_LIMITS, type ParseLimits } from '../message/types';
import { toTransportError } from './errors';
import { StreamFramer } from './stream-framer';
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

export interface StreamTransportOptions {
  limits?: ParseLimits;
  connectTimeoutMs?: number;
  /** PEM bundle of trusted CAs for TLS; system roots when omitted. */
  tlsCaFile?: string;
}

interface Connection {
  socket: Socket;
  remote: RemoteAddress;
  ready: Promise<LocalAddress>;
  connected: boolean;
  queue: Array<{ data: Buffer; onError?: SendErrorHandler }>;
}

export class StreamTransport implements Transport {
  readonly counters: TransportCounters = { droppedInbound: 0, sendErrors: 0 };
  private readonly connections = new Map<string, Connection>();
  private handler: InboundHandler = () => {};
  private connectionErrorHandler: ConnectionErrorHandler = () => {};
  private readonly limits: ParseLimits;
  private readonly connectTimeoutMs: number;
  private readonly ca: Buffer | undefined;

  constructor(
    readonly protocol: 'tcp' | 'tls',
    options: StreamTransportOptions = {},
  ) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.ca = protocol === 'tls' && options.tlsCaFile ? readCaFile(options.tlsCaFile) : undefined;
  }

  open(): Promise<void> {
    return Promise.resolve();
  }

  setInboundHandler(handler: InboundHandler): void {
    this.handler = handler;
  }

  setConnectionErrorHandler(handler: ConnectionErrorHandler): void {
    this.connectionErrorHandler = handler;
  }

  send(target: TransportTarget, data: Buffer, onError?: SendErrorHandler): void {
    const conn = this.connectionFor(target);
    if (!conn.connected) {
      conn.queue.push({ data, onError });
      return;
    }
    conn.socket.write(data, (err) => {
      if (err) this.fail(toTransportError(err, 'write', this.protocol === 'tls'), onError);
    });
  }

  localAddressFor(target: TransportTarget): Promise<LocalAddress> {
    return this.connectionFor(target).ready;
  }

  close(): Promise<void> {
    for (const conn of this.connections.values()) conn.socket.destroy();
    this.connections.clear();
    return Promise.resolve();
  }

  private key(target: TransportTarget): string {
    return `${target.host}|${target.port}|${target.serverName ?? ''}`;
  }

  private connectionFor(target: TransportTarget): Connection {
    const key = this.key(target);
    const existing = this.connections.get(key);
    if (existing && !existing.socket.destroyed) return existing;

    const isTls = this.protocol === 'tls';
    const socket = isTls
      ? tlsConnect({
          host: target.host,
          port: target.port,
          servername: target.serverName && !isIP(target.serverName) ? target.serverName : undefined,
          ca: this.ca,
          rejectUnauthorized: true,
        })
      : netConnect({ host: target.host, port: target.port });
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
    const conn: Connection = { socket, remote, ready, connected: false, queue: [] };
    this.connections.set(key, conn);

    const framer = new StreamFramer(this.limits);
    socket.once(isTls ? 'secureConnect' : 'connect', () => {
      socket.setTimeout(0);
      conn.connected = true;
      resolveReady({ host: socket.localAddress ?? '0.0.0.0', port: socket.localPort ?? 0 });
      const queued = conn.queue;
      conn.queue = [];
      for (const q of queued) this.send(target, q.data, q.onError);
    });
    socket.on('timeout', () => socket.destroy(new SipError('E_TRANSPORT', 'connect timeout')));
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch {
        this.counters.droppedInbound++;
        socket.destroy();
        return;
      }
      for (const f of frames) this.handler(f, remote);
    });
    let failed = false;
    const failConnection = (error: SipError): void => {
      if (this.connections.get(key) === conn) this.connections.delete(key);
      if (failed) return;
      failed = true;
      rejectReady(error);
      const queued = conn.queue;
      conn.queue = [];
      for (const q of queued) this.fail(error, q.onError);
      if (conn.connected) this.connectionErrorHandler(remote, error);
    };
    socket.on('error', (err) => {
      failConnection(err instanceof SipError ? err : toTransportError(err, `${this.protocol} ${target.host}:${target.port}`, isTls));
    });
    socket.on('close', () => failConnection(new SipError('E_TRANSPORT', 'connection closed')));
    return conn;
  }

  private fail(error: SipError, onError?: SendErrorHandler): void {
    this.counters.sendErrors++;
    onError?.(error);
  }
}

function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new SipError('E_CONFIG', `cannot read TLS CA file ${path}`, { cause: err });
  }
}
