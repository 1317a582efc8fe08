/**
 * A fingerprint of the business tables, read straight from the test server's SQLite file: equal
 * before and after means a refused request changed nothing. Sessions and login failures are left
 * out (signing in and failed sign-ins legitimately write them), and so are the journal's `watch`
 * entries (reading a registration's SIP messages asks the engine to store them for a while).
 */
import { createHash } from 'node:crypto';
import { openSqlite } from './server';

export const BUSINESS_TABLES = ['ddi_providers', 'registrations', 'registration_changes', 'operators', 'api_tokens', 'audit_log', 'notification_channels'] as const;

/** Table → SHA-256 of all its rows in rowid order. */
export async function businessChecksum(dbPath: string): Promise<Record<string, string>> {
  const db = await openSqlite(dbPath);
  try {
    const out: Record<string, string> = {};
    for (const table of BUSINESS_TABLES) {
      const hash = createHash('sha256');
      const where = table === 'registration_changes' ? ` WHERE command <> 'watch'` : '';
      for (const row of db.prepare(`SELECT * FROM ${table}${where} ORDER BY rowid`).iterate()) hash.update(JSON.stringify(row)).update('\n');
      out[table] = hash.digest('hex');
    }
    return out;
  } finally {
    db.close();
  }
}
