// Stable error codes for the REGISTER client engine. Tests and the supervisor
// match on `code`, never on the message text.
export type SipErrorCode =
  | 'E_PARSE'
  | 'E_TOO_LARGE'
  | 'E_TIMEOUT'
  | 'E_TRANSPORT'
  | 'E_DNS'
  | 'E_TLS'
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

export function isSipError(value: unknown): value is SipError {
  return value instanceof SipError;
}
