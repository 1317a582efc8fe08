// Where the keys come from: SECRET_KEY (and SECRET_KEY_PREVIOUS during a rotation), else the
// generated key file in the data directory.
import { dirname, resolve } from 'node:path';
import { env, type Env } from '../env';
import { log as portalLog } from '../log';
import { createKeyring, parseKey, type Keyring } from './key';
import { readOrCreateKeyFile } from './key-file';

export type { Keyring } from './key';

export interface KeyringSource {
  /** SECRET_KEY: 32 bytes as 64 hex characters or base64/base64url. */
  secretKey?: string;
  /** SECRET_KEY_PREVIOUS: an old key still accepted for opening while a rotation completes. */
  previousKey?: string;
  /** Where `secret.key` is read or generated when `secretKey` is not given. */
  dataDir: string;
  /** Receives notices (key file generated, permissions narrowed). Default: the portal's logger, at warn. */
  log?: (message: string) => void;
}

/** Builds the keyring; throws a SecretError naming the variable or file when a key is unusable. */
export function loadKeyring(source: KeyringSource): Keyring {
  const log = source.log ?? ((m: string) => portalLog.warn(m));
  const current = source.secretKey !== undefined
    ? parseKey(source.secretKey, 'SECRET_KEY')
    : readOrCreateKeyFile(source.dataDir, log);
  const previous = source.previousKey !== undefined ? parseKey(source.previousKey, 'SECRET_KEY_PREVIOUS') : undefined;
  return createKeyring(current, previous);
}

/** The keyring of a validated environment; the data directory is the database's directory. */
export function keyringFromEnv(config: Pick<Env, 'SECRET_KEY' | 'SECRET_KEY_PREVIOUS' | 'DATABASE_PATH'>): Keyring {
  return loadKeyring({
    secretKey: config.SECRET_KEY,
    previousKey: config.SECRET_KEY_PREVIOUS,
    dataDir: dirname(resolve(config.DATABASE_PATH)),
  });
}

const holder = globalThis as typeof globalThis & { __portalKeyring?: Keyring };

/** The process-wide keyring for the configured environment (built on first use). */
export function getKeyring(): Keyring {
  holder.__portalKeyring ??= keyringFromEnv(env());
  return holder.__portalKeyring;
}
