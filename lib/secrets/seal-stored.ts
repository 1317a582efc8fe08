// Start-up conversion of stored SIP passwords: legacy clear text is sealed, and values sealed
// with a key other than the current one are re-sealed (this is how a key rotation completes).
import type Database from 'better-sqlite3';
import { isSecretError } from './errors';
import { openSecret, sealSecret } from './cipher';
import type { Keyring } from './key';

export interface SealStoredResult {
  /** Passwords (re-)encrypted with the current key. */
  sealed: number;
  /** Passwords left as they are because no configured key opens them. */
  unreadable: number;
}

interface PasswordRow {
  id: number;
  password: string;
}

/**
 * In one write transaction, seals every registrations.password (and notification channel
 * secret) that is clear text or sealed with a non-current key. A row that cannot be opened is counted and left untouched (never
 * destroyed: it opens again once its key is configured).
 */
export function sealStoredSecrets(sqlite: Database.Database, keyring: Keyring): SealStoredResult {
  const currentHeader = `enc:v1:${keyring.current.id}:`;
  // SIP passwords, and the notification channels' secrets (webhook signing secret, SMTP password).
  const columns = [
    { table: 'registrations', column: 'password' },
    { table: 'notification_channels', column: 'secret' },
  ];
  const statements = columns.map(({ table, column }) => ({
    stale: sqlite.prepare<[number, string], PasswordRow>(`SELECT id, ${column} AS password FROM ${table} WHERE ${column} IS NOT NULL AND substr(${column}, 1, ?) <> ?`),
    update: sqlite.prepare<[string, number]>(`UPDATE ${table} SET ${column} = ? WHERE id = ?`),
  }));
  const convert = sqlite.transaction((): SealStoredResult => {
    const result = { sealed: 0, unreadable: 0 };
    for (const { stale, update } of statements) {
      for (const row of stale.all(currentHeader.length, currentHeader)) {
        let plain: string;
        try {
          plain = openSecret(row.password, keyring);
        } catch (err) {
          if (!isSecretError(err)) throw err;
          result.unreadable++;
          continue;
        }
        update.run(sealSecret(plain, keyring), row.id);
        result.sealed++;
      }
    }
    return result;
  });
  return convert.immediate();
}
