// Start-up conversion of stored SIP passwords: legacy clear text is sealed, and values sealed
// with a key other than the current one are re-sealed (this is how a key rotation completes).
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { notificationChannels, registrations } from '../db/schema';
import { isSecretError } from './errors';
import { openSecret, sealSecret } from './cipher';
import type { Keyring } from './key';

export interface SealStoredResult {
  /** Passwords (re-)encrypted with the current key. */
  sealed: number;
  /** Passwords left as they are because no configured key opens them. */
  unreadable: number;
}

/**
 * In one write transaction, seals every registrations.password (and notification channel
 * secret) that is clear text or sealed with a non-current key. A row that cannot be opened is
 * counted and left untouched (never destroyed: it opens again once its key is configured).
 */
export async function sealStoredSecrets(db: Db, keyring: Keyring): Promise<SealStoredResult> {
  const currentHeader = `enc:v1:${keyring.current.id}:`;
  // SIP passwords, and the notification channels' secrets (webhook signing secret, SMTP password).
  const columns = [
    { table: registrations, id: registrations.id, column: registrations.password, key: 'password' },
    { table: notificationChannels, id: notificationChannels.id, column: notificationChannels.secret, key: 'secret' },
  ] as const;
  return db.transaction(
    async (tx) => {
      const result = { sealed: 0, unreadable: 0 };
      for (const { table, id, column, key } of columns) {
        const stale = await tx
          .select({ id, value: column })
          .from(table)
          .where(and(isNotNull(column), sql`substr(${column}, 1, ${currentHeader.length}) <> ${currentHeader}`));
        for (const row of stale) {
          let plain: string;
          try {
            plain = openSecret(row.value!, keyring);
          } catch (err) {
            if (!isSecretError(err)) throw err;
            result.unreadable++;
            continue;
          }
          await tx.update(table).set({ [key]: sealSecret(plain, keyring) }).where(eq(id, row.id));
          result.sealed++;
        }
      }
      return result;
    },
    { behavior: 'immediate' },
  );
}
