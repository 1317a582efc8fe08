// Maps socket-level failures to stable SipError codes.
import type { PeerCertificate } from 'node:tls';
import { SipError, type SipErrorCode } from '../errors';

/** OpenSSL verify results (and Node's own codes) by what an operator has to fix. */
const TLS_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'CERT_CHAIN_TOO_LONG',
  'UNABLE_TO_GET_CRL',
]);
const TLS_EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CRL_HAS_EXPIRED', 'CRL_NOT_YET_VALID']);
const TLS_HOSTNAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH', 'IP_ADDRESS_MISMATCH']);

/** The SipError code of a failed certificate check (Node's `authorizationError` or error `code`). */
export function tlsVerifyCode(code: string): SipErrorCode {
  if (TLS_HOSTNAME.has(code)) return 'E_TLS_HOSTNAME';
  if (TLS_EXPIRED.has(code)) return 'E_TLS_EXPIRED';
  if (TLS_UNTRUSTED.has(code)) return 'E_TLS_UNTRUSTED';
  return 'E_TLS_HANDSHAKE';
}

function isTlsCode(code: string): boolean {
  return TLS_HOSTNAME.has(code) || TLS_EXPIRED.has(code) || TLS_UNTRUSTED.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code.includes('CERT');
}

/**
 * `handshake`: the error came while a TLS handshake was under way (TCP connected, not yet
 * secure), so even a reset or a close is a failed handshake (E_TLS_HANDSHAKE), not a transport error.
 */
export function toTransportError(err: unknown, context: string, tls = false, handshake = false): SipError {
  const code = (err as { code?: string } | null)?.code ?? 'UNKNOWN';
  // OpenSSL errors carry a short `reason` ("wrong version number", "tlsv1 alert protocol version").
  const reason = (err as { reason?: unknown } | null)?.reason;
  if (tls && isTlsCode(code)) return new SipError(tlsVerifyCode(code), `${context}: ${code}${typeof reason === 'string' && reason ? `: ${reason}` : ''}`, { cause: err });
  if (tls && handshake) return new SipError('E_TLS_HANDSHAKE', `${context}: TLS handshake failed: ${code}`, { cause: err });
  return new SipError('E_TRANSPORT', `${context}: ${code}`, { cause: err });
}

/**
 * The error for a server certificate that failed verification, with what the certificate
 * says (subject, issuer, names, validity), e.g.
 * `tls 127.0.0.1:5061: CERT_HAS_EXPIRED: certificate has expired (subject CN=sip.example.com; issuer CN=Test CA; SAN DNS:sip.example.com; valid 2026-01-01T00:00:00Z … 2026-01-02T00:00:00Z)`.
 */
export function tlsVerifyError(code: string, reason: string | undefined, context: string, cert: PeerCertificate | null | undefined): SipError {
  const text = reason && reason !== code ? `${code}: ${reason}` : `${code}: ${VERIFY_TEXT[code] ?? 'certificate verification failed'}`;
  const details = describeCertificate(cert);
  return new SipError(tlsVerifyCode(code), `${context}: ${text}${details ? ` (${details})` : ''}`);
}

const VERIFY_TEXT: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  CERT_UNTRUSTED: 'certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's name or address is not in the certificate",
};

/** "subject CN=…; issuer CN=…; SAN DNS:…, IP Address:…; valid <from> … <to>", or '' without a certificate. */
export function describeCertificate(cert: PeerCertificate | null | undefined): string {
  if (!cert || Object.keys(cert).length === 0) return '';
  const parts: string[] = [];
  const subject = dn(cert.subject);
  if (subject) parts.push(`subject ${subject}`);
  const issuer = dn(cert.issuer);
  if (issuer) parts.push(`issuer ${issuer}`);
  if (cert.subjectaltname) parts.push(`SAN ${cert.subjectaltname}`);
  if (cert.valid_from || cert.valid_to) parts.push(`valid ${isoDate(cert.valid_from)} … ${isoDate(cert.valid_to)}`);
  return parts.join('; ');
}

function dn(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

/** OpenSSL's "Jan  1 00:00:00 2026 GMT" as ISO 8601 (as is when unparsable). */
function isoDate(s: string | undefined): string {
  if (!s) return '?';
  const t = Date.parse(s);
  return Number.isNaN(t) ? s : new Date(t).toISOString().replace('.000Z', 'Z');
}

/**
 * No socket of the target's address family (E_NO_IPV4 / E_NO_IPV6): `why` says why there is
 * none, e.g. "SIP_BIND 127.0.0.1:5060 has no IPv6 address" or "IPv6 is not available here (…)".
 */
export function noFamilyError(family: 4 | 6, target: { host: string; port: number }, why: string): SipError {
  const host = family === 6 ? `[${target.host}]` : target.host;
  return new SipError(family === 6 ? 'E_NO_IPV6' : 'E_NO_IPV4', `no IPv${family} socket to reach ${host}:${target.port}: ${why}`);
}

/** The system error code (EADDRINUSE, …) of `err` or of an error it wraps (its `cause`). */
export function systemErrorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as Error).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E') && !code.startsWith('E_')) return code;
  }
  return undefined;
}
