/**
 * Registrations as CSV (GET /api/registrations/export): the import's column names, every
 * registration in id order, never a password. Database handle passed in (importable by tsx
 * tests; the app goes through ./export-queries.ts).
 */
import { asc, eq } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { ddiProviders, registrations } from '../db/schema';
import { csvRecord } from '../csv/write';

/** What an export writes, as columns of the import (tests check it is all of them but the password). */
const exported = {
  ddiProviderId: registrations.ddiProviderId,
  ddiProviderName: ddiProviders.name,
  username: registrations.username,
  domain: registrations.domain,
  ddi: registrations.ddi,
  authUsername: registrations.authUsername,
  registerServerUri: registrations.registerServerUri,
  realm: registrations.realm,
  expires: registrations.expires,
  transport: registrations.transport,
  enabled: registrations.enabled,
};

/** The CSV header: every importable column except the password, the provider by id and name first. */
export const EXPORT_COLUMNS = Object.keys(exported) as (keyof typeof exported)[];

export async function exportCsv(db: Conn): Promise<string> {
  const rows = await db.select(exported).from(registrations).innerJoin(ddiProviders, eq(ddiProviders.id, registrations.ddiProviderId)).orderBy(asc(registrations.id));
  const parts = [csvRecord(EXPORT_COLUMNS)];
  for (const row of rows) parts.push(csvRecord(EXPORT_COLUMNS.map((c) => row[c])));
  return parts.join('');
}

/** `registrations-YYYY-MM-DD.csv` (UTC date). */
export function exportFilename(now = new Date()): string {
  return `registrations-${now.toISOString().slice(0, 10)}.csv`;
}
