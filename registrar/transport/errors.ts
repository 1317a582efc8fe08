// Maps socket-level failures to stable SipError codes.
import { SipError } from '../errors';

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

export function toTransportError(err: unknown, context: string, tls = false): SipError {
  const code = (err as { code?: string } | null)?.code ?? 'UNKNOWN';
  const isTls = tls && (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code.includes('CERT'));
  return new SipError(isTls ? 'E_TLS' : 'E_TRANSPORT', `${context}: ${code}`, { cause: err });
}
