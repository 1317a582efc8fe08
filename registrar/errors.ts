// Stable error codes for the REGISTER client engine. Tests and the supervisor
// match on `code`, never on the message text.
export type SipErrorCode =
  | 'E_PARSE'
  | 'E_TOO_LARGE'
  | 'E_TIMEOUT'
  | 'E_TRANSPORT'
  | 'E_DNS'
  /** The target is IPv4 and the engine has no IPv4 socket (SIP_BIND lists no IPv4 address). */
  | 'E_NO_IPV4'
  /** The target is IPv6 and the engine has no IPv6 socket (SIP_BIND lists none, or the host has no IPv6). */
  | 'E_NO_IPV6'
  /** TLS: the server's certificate is not signed by a trusted CA (self-signed, unknown issuer, incomplete chain). */
  | 'E_TLS_UNTRUSTED'
  /** TLS: the server's certificate has expired or is not yet valid. */
  | 'E_TLS_EXPIRED'
  /** TLS: the server's certificate does not name the host (or IP address) we connected to. */
  | 'E_TLS_HOSTNAME'
  /** TLS: the handshake itself failed (not TLS on that port, protocol alert, reset or timeout during it). */
  | 'E_TLS_HANDSHAKE'
  | 'E_AUTH_REALM'
  | 'E_AUTH_UNSUPPORTED'
  | 'E_CONFIG'
  | 'E_CLOSED';

export class SipError extends Error {
  readonly code: SipErrorCode;

  constructor(code: SipErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SipError';
    this.code = code;
  }
}
