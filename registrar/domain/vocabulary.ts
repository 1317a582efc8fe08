// The domain vocabulary shared by the engine, the database schema, the API contracts and the UI:
// the words each side must spell the same way. Pure data and types, no imports: the engine, lib/
// and client components may all import this module (it is, with registrar/index.ts, one of the
// engine's two public entries; the lint rules in eslint.config.mjs enforce that).

/** Observable state of one registration (the engine emits it on every transition; stored as text). */
export const REGISTRATION_STATES = [
  'disabled',
  'pending',
  'registering',
  'registered',
  'retrying',
  'rejected',
  'unregistering',
  'unregistered',
] as const;
export type RegistrationState = (typeof REGISTRATION_STATES)[number];

/** Local (non-SIP) causes the engine reports as `reason` when no usable response was received. */
export const LOCAL_CAUSES = [
  'timeout',
  'dns',
  'transport',
  /** TLS: the server's certificate is not signed by a trusted CA (SIP_TLS_CA_FILE or the system roots). */
  'tls-untrusted',
  /** TLS: the server's certificate has expired or is not yet valid. */
  'tls-expired',
  /** TLS: the server's certificate does not name the host or address connected to. */
  'tls-hostname',
  /** TLS: the handshake failed (no TLS on that port, protocol alert, reset or timeout during it). */
  'tls-handshake',
  /** The server is IPv4 (IPv6) and the engine has no socket of that family: SIP_BIND lists none, or the host has no IPv6. */
  'no-ipv4',
  'no-ipv6',
  'auth-realm',
  'auth-unsupported',
  'no-credentials',
  'too-many-redirects',
  /** A 3xx pointed back at a URI already tried in the same exchange, or at the server that sent it. */
  'redirect-loop',
  'bad-response',
  'closed',
  'config',
  /** A binding query (RFC 3261 §10.2.3) answered without our Contact: the registrar lost it. */
  'binding-lost',
  /** The TCP/TLS connection carrying the binding was closed or reset, or stopped answering keep-alives. */
  'connection-closed',
  /** The granted lifetime ran out before a refresh succeeded. */
  'expired',
  /** A 2xx to our REGISTER that does not list our Contact (with a usable expiry): not bound. */
  'binding-missing',
  /** Every resolved server is in a range this engine may not send to (nothing was sent). */
  'denied',
  /** "Test registration" only: no SIP answer in time (no server, a closed or filtered port, not SIP). */
  'no-answer',
] as const;
export type LocalCause = (typeof LOCAL_CAUSES)[number];

/** What each local cause means, for operators (tooltips next to the outcome). */
export const LOCAL_CAUSE_EXPLANATIONS: Record<LocalCause, string> = {
  timeout: 'no answer from the server',
  dns: 'the server name could not be resolved',
  transport: 'the connection failed',
  'tls-untrusted': "the server's TLS certificate is not signed by a trusted CA (self-signed, unknown issuer or incomplete chain): set SIP_TLS_CA_FILE to its CA, or have the carrier send the full chain",
  'tls-expired': "the server's TLS certificate has expired or is not yet valid (or this machine's clock is wrong)",
  'tls-hostname': "the server's TLS certificate does not name the host or address connected to (check the register server URI / domain)",
  'tls-handshake': 'the TLS handshake failed: no TLS on that port, no common protocol version or cipher, or the connection was reset or timed out during it',
  'no-ipv4': 'the server has an IPv4 address and the engine no IPv4 socket: add an IPv4 address to SIP_BIND (e.g. 0.0.0.0:5060)',
  'no-ipv6': 'the server has an IPv6 address and the engine no IPv6 socket: add an IPv6 address to SIP_BIND (e.g. [::]:5060), or this host has no IPv6 (see the trace and the registrar log)',
  'auth-realm': 'the server asked for an unexpected realm',
  'auth-unsupported': 'the server asked for an unsupported authentication',
  'no-credentials': 'the server asked for a password but none is saved',
  'too-many-redirects': 'too many redirects',
  'redirect-loop': 'the server redirected back to a server or address already tried (redirect loop)',
  'bad-response': 'the server sent an unusable answer',
  closed: 'the connection was closed',
  config: 'the settings cannot be used',
  'binding-lost': 'the registrar no longer lists our binding (binding audit); registering again',
  'connection-closed': 'the server closed the TCP/TLS connection carrying the binding; registering again',
  expired: 'the binding lapsed before a refresh succeeded',
  'binding-missing': 'the registrar answered 2xx without listing our Contact (or without a usable expiry): not bound',
  denied: 'the server is in an address range an administrator has denied',
  'no-answer': 'no SIP answer in time: no server there, a closed or filtered port, or not SIP',
};

/**
 * Causes engines no longer report but stored statuses and events may still carry: `tls` was split
 * into the four tls-* causes; rows written before that keep it until the registration moves on.
 */
export const RETIRED_LOCAL_CAUSE_EXPLANATIONS: Readonly<Record<string, string>> = {
  tls: 'the TLS handshake failed',
};

/** Protocols a message travels over (the engine has one Transport for each). */
export const TRANSPORT_PROTOCOLS = ['udp', 'tcp', 'tls'] as const;
export type TransportProtocol = (typeof TRANSPORT_PROTOCOLS)[number];

/**
 * A registration's transport setting, the one list of them (the portal's form, API and
 * database column read it): a fixed protocol, or `auto` where DNS decides (RFC 3263 §4.1,
 * dns/resolve-targets.ts). `auto` comes first: it is the default for new registrations.
 */
export const TRANSPORT_SETTINGS = ['auto', ...TRANSPORT_PROTOCOLS] as const;
export type TransportSetting = (typeof TRANSPORT_SETTINGS)[number];

export function isTransportSetting(value: unknown): value is TransportSetting {
  return (TRANSPORT_SETTINGS as readonly unknown[]).includes(value);
}

/** Operator roles, most powerful first (admin ⊃ editor ⊃ viewer, lib/auth/roles.ts). */
export const ROLES = ['admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Directions of a SIP trace entry: a message sent, a message received, or the engine's own
 * remark between messages (e.g. why a refresh replaced a binding query).
 */
export const TRACE_DIRECTIONS = ['out', 'in', 'note'] as const;
export type TraceDirection = (typeof TRACE_DIRECTIONS)[number];
