// The `q` condition of the registrations list: a substring of username, domain, DDI or the DDI
// provider's name (case-insensitive for ASCII, `%` and `_` literal). At 100,000 registrations a
// LIKE scan of every row costs 25–60 ms, twice per page (count and rows), so:
//  - a rare substring (at most RARE_MAX matches in the FTS5 trigram index `registrations_search`,
//    migration 0011, read with a LIMIT so the probe stays cheap) is answered from the index: its
//    row ids become an id list;
//  - a common one (or one shorter than a trigram, or with non-ASCII characters) keeps the LIKE
//    scan, which stops early for the first page when most rows match (its count still scans:
//    15–45 ms at 100,000).
// A match of a provider's name adds that provider's registrations (through its index).
// Another database backend keeps this contract: the same rows as the LIKE condition.
import { inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { ddiProviders, registrations } from '../db/schema';

/** Above this many index matches the LIKE scan is the cheaper plan (it stops early for page 1). */
export const RARE_MAX = 2000;

/** `%text%` for LIKE … ESCAPE '\', with the wildcards of `text` escaped. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** An FTS5 phrase: the text in double quotes, inner quotes doubled (no operators, no wildcards). */
function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** The WHERE condition for `q` (already trimmed, not empty). */
export function searchCondition(db: Conn, q: string): SQL {
  const p = likePattern(q);
  const providers = db.all<{ id: number }>(sql`select ${ddiProviders.id} as id from ${ddiProviders} where ${ddiProviders.name} like ${p} escape '\\'`).map((r) => r.id);
  const byProvider = providers.length > 0 ? inArray(registrations.ddiProviderId, providers) : null;
  // A trigram index needs three characters; case folding of the index is Unicode, LIKE's ASCII only: keep LIKE for non-ASCII.
  if ([...q].length >= 3 && /^[\x20-\x7e]*$/.test(q)) {
    // At most RARE_MAX + 1 row ids: few enough to hand to the query as a list, which SQLite reads
    // by rowid (an `IN (subquery)` made it scan every registration against a Bloom filter).
    const ids = db.all<{ id: number }>(sql`select rowid as id from registrations_search where registrations_search match ${ftsPhrase(q)} limit ${RARE_MAX + 1}`).map((r) => r.id);
    if (ids.length <= RARE_MAX) {
      const indexed = ids.length > 0 ? inArray(registrations.id, ids) : sql`0`;
      // The provider part is an index search too (registrations_provider_idx): SQLite reads the union without a scan.
      return byProvider ? or(indexed, byProvider)! : indexed;
    }
  }
  const like = or(
    sql`${registrations.username} like ${p} escape '\\'`,
    sql`${registrations.domain} like ${p} escape '\\'`,
    sql`${registrations.ddi} like ${p} escape '\\'`,
  )!;
  return byProvider ? or(like, byProvider)! : like;
}
