// Stable error codes for secrets at rest. Callers and tests match on `code`, never on the
// message text; messages never contain a secret or a key.
export type SecretErrorCode =
  /** SECRET_KEY / SECRET_KEY_PREVIOUS is not 32 bytes in hex or base64. */
  | 'SECRET_KEY_INVALID'
  /** The key file in the data directory cannot be read or does not hold a 32-byte key. */
  | 'SECRET_KEY_FILE_INVALID'
  /** The value was sealed with a key that is not in the keyring. */
  | 'SECRET_KEY_UNKNOWN'
  /** The sealed value is malformed or fails authentication (altered, truncated). */
  | 'SECRET_CORRUPT';

export class SecretError extends Error {
  readonly code: SecretErrorCode;

  constructor(code: SecretErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretError';
    this.code = code;
  }
}

export function isSecretError(value: unknown): value is SecretError {
  return value instanceof SecretError;
}
