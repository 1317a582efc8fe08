// The one transport interface the transaction layer talks to (RFC 3261 §18).
import type { TransportProtocol } from '../domain/vocabulary';
import type { SipError } from '../errors';

// The protocols and the transport settings are domain vocabulary (the portal's form, API and
// database column read them too): defined in domain/vocabulary.ts, re-exported for the engine.
export { TRANSPORT_PROTOCOLS, TRANSPORT_SETTINGS, isTransportSetting } from '../domain/vocabulary';
export type { TransportProtocol, TransportSetting } from '../domain/vocabulary';
export interface TransportTarget {
  transport: TransportProtocol;
  /** IP literal (resolution happens in dns/). */
  host: string;
  port: number;
  /** TLS SNI / certificate name (RFC 5922 §4: the domain from the URI). */
  serverName?: string;
  /**
   * Responses on streams (RFC 3261 §18.2.2): only over the connection the
   * request came on (or another open one to this address), never a new one.
   */
  existingConnection?: boolean;
}

export interface RemoteAddress {
  transport: TransportProtocol;
  host: string;
  port: number;
}

export interface LocalAddress {
  host: string;
  port: number;
}

/** Called once per complete inbound message. */
export type InboundHandler = (data: Buffer, remote: RemoteAddress) => void;

/** Called when a message could not be delivered (send error, connect/TLS failure, ICMP). */
export type SendErrorHandler = (error: SipError) => void;

/** A connection carrying requests failed after they were written (streams only). */
export type ConnectionErrorHandler = (remote: RemoteAddress, error: SipError) => void;

export interface TransportCounters {
  /** Inbound messages dropped by framing (oversize, garbage). */
  droppedInbound: number;
  sendErrors: number;
}

export interface Transport {
  readonly protocol: TransportProtocol;
  /** Starts listening / binds sockets. Idempotent. */
  open(): Promise<void>;
  send(target: TransportTarget, data: Buffer, onError?: SendErrorHandler): void;
  setInboundHandler(handler: InboundHandler): void;
  /** Stream transports report broken connections so waiting transactions fail fast. */
  setConnectionErrorHandler?(handler: ConnectionErrorHandler): void;
  /** Address and port to advertise in Via/Contact for messages to `target`. */
  localAddressFor(target: TransportTarget): Promise<LocalAddress>;
  /** localAddressFor's answer when it is known without waiting, else null (a fast path: no promise per REGISTER). */
  localAddressNow?(target: TransportTarget): LocalAddress | null;
  readonly counters: TransportCounters;
  close(): Promise<void>;
}

export function formatTarget(t: { host: string; port: number; transport: TransportProtocol }): string {
  return `${t.host.indexOf(':') >= 0 ? `[${t.host}]` : t.host}:${t.port}/${t.transport}`;
}

const labels = new WeakMap<TransportTarget, string>();

/**
 * formatTarget of a target used again and again (one of a cached lookup's, which every exchange to
 * that server sends to), formatted once: one string for all of them, not one per exchange.
 */
export function targetLabel(t: TransportTarget): string {
  let label = labels.get(t);
  if (label === undefined) labels.set(t, (label = formatTarget(t)));
  return label;
}
