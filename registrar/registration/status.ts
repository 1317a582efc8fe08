// Observable state of one registration (emitted on every transition).
export type RegistrationState =
  | 'disabled'
  | 'pending'
  | 'registering'
  | 'registered'
  | 'retrying'
  | 'rejected'
  | 'unregistering'
  | 'unregistered';

/** A zero count for every state (counters, metrics). */
export function countByState(): Record<RegistrationState, number> {
  return { disabled: 0, pending: 0, registering: 0, registered: 0, retrying: 0, rejected: 0, unregistering: 0, unregistered: 0 };
}

/** Local (non-SIP) causes used as `reason` when no response was received. */
export type LocalCause =
  | 'timeout'
  | 'dns'
  | 'transport'
  /** TLS: the server's certificate is not signed by a trusted CA (SIP_TLS_CA_FILE or the system roots). */
  | 'tls-untrusted'
  /** TLS: the server's certificate has expired or is not yet valid. */
  | 'tls-expired'
  /** TLS: the server's certificate does not name the host or address connected to. */
  | 'tls-hostname'
  /** TLS: the handshake failed (no TLS on that port, protocol alert, reset or timeout during it). */
  | 'tls-handshake'
  /** The server is IPv4 (IPv6) and the engine has no socket of that family: SIP_BIND lists none, or the host has no IPv6. */
  | 'no-ipv4'
  | 'no-ipv6'
  | 'auth-realm'
  | 'auth-unsupported'
  | 'no-credentials'
  | 'too-many-redirects'
  /** A 3xx pointed back at a URI already tried in the same exchange, or at the server that sent it. */
  | 'redirect-loop'
  | 'bad-response'
  | 'closed'
  | 'config'
  /** A binding query (RFC 3261 §10.2.3) answered without our Contact: the registrar lost it. */
  | 'binding-lost'
  /** The TCP/TLS connection carrying the binding was closed or reset, or stopped answering keep-alives. */
  | 'connection-closed'
  /** The granted lifetime ran out before a refresh succeeded. */
  | 'expired'
  /** A 2xx to our REGISTER that does not list our Contact (with a usable expiry): not bound. */
  | 'binding-missing'
  /** Every resolved server is in a range this engine may not send to (nothing was sent). */
  | 'denied'
  /** "Test registration" only: no SIP answer in time (no server, a closed or filtered port, not SIP). */
  | 'no-answer';

export interface RegistrationStatus {
  registrationId: string;
  state: RegistrationState;
  /** Last SIP status code, null for local causes. */
  code: number | null;
  /** SIP reason phrase or a LocalCause. */
  reason: string | null;
  /** Epoch ms of this transition. */
  at: number;
  /** Consecutive failed attempts (0 after a success). */
  attempts: number;
  requestedExpires: number;
  grantedExpires: number | null;
  /** Epoch ms when the current binding lapses. */
  expiresAt: number | null;
  /** Epoch ms of the next scheduled REGISTER (refresh or retry). */
  nextAttemptAt: number | null;
  /** 'ip:port/transport' of the server used last. */
  target: string | null;
  lastSuccessAt: number | null;
}

/**
 * Outcomes of binding audits (REGISTER without Contact, RFC 3261 §10.2.3): our Contact
 * listed; lost (not listed); answered without any Contact, or with an error, or not at all
 * (a refresh replaced it); replaced by a refresh because the registrar does not answer
 * queries usefully.
 */
export interface BindingCheckCounters {
  listed: number;
  lost: number;
  contactless: number;
  refused: number;
  failed: number;
  refreshed: number;
}

export function newBindingCheckCounters(): BindingCheckCounters {
  return { listed: 0, lost: 0, contactless: 0, refused: 0, failed: 0, refreshed: 0 };
}

export interface TraceEntry {
  /** 'note': the engine's own remark between messages (e.g. why a refresh replaced a binding query). */
  direction: 'out' | 'in' | 'note';
  at: number;
  /** 'ip:port/transport' */
  remote: string;
  /** Message text with digest responses and passwords redacted. */
  text: string;
}

export interface TraceEvent extends TraceEntry {
  registrationId: string;
}
