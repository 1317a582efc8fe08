// The generated key file `<dataDir>/secret.key`, used when SECRET_KEY is not set: 64 hex
// characters and a newline, mode 0600. Portal and `npm run registrar` may start together, so
// creation is exclusive and atomic: whoever loses the race reads the winner's key.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeDirectories } from '../fs/make-directories';
import { SecretError } from './errors';
import { KEY_BYTES, parseKey } from './key';

const KEY_FILE_NAME = 'secret.key';
const OWNER_ONLY = 0o600;

/** The key stored in `<dataDir>/secret.key`, generating the file first when it is missing. */
export function readOrCreateKeyFile(dataDir: string, log: (message: string) => void): Buffer {
  const path = join(dataDir, KEY_FILE_NAME);
  if (!existsSync(path) && createKeyFile(path)) log(`secrets: generated ${path}; back it up with the database`);
  return readKeyFile(path, log);
}

/**
 * Writes a new random key to a private temporary file, then hard-links it into place: link()
 * fails with EEXIST when another process won, and never exposes a half-written file (which an
 * exclusive create of the final name followed by a write would). True when this call created it.
 */
function createKeyFile(path: string): boolean {
  makeDirectories(dirname(path));
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, `${randomBytes(KEY_BYTES).toString('hex')}\n`, { flag: 'wx', mode: OWNER_ONLY });
  try {
    chmodSync(temp, OWNER_ONLY); // whatever the umask
    linkSync(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(temp);
  }
}

/** Reads the key file, first narrowing its permissions to 0600 (with a warning) when wider. */
function readKeyFile(path: string, log: (message: string) => void): Buffer {
  let text: string;
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & ~OWNER_ONLY) {
      chmodSync(path, OWNER_ONLY);
      log(`secrets: ${path} had mode ${mode.toString(8).padStart(4, '0')}; changed to 0600`);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SecretError('SECRET_KEY_FILE_INVALID', `cannot read the key file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseKey(text, `the key file ${path}`, 'SECRET_KEY_FILE_INVALID');
}
