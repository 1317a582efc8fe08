// The `q` condition of the registrations list: a substring of username, domain, DDI or the DDI
// provider's name (case-insensitive for ASCII, `%` and `_` literal). At 100,000 registrations a
// LIKE scan of every row costs 15–45 ms (three LIKEs a row when the first does not match), for the
// count of every page, so on SQLite, from the FTS5 trigram index `registrations_search` (migration
// 0011), by how many rows it matches (probed with LIMITs, so the probes stay cheap):
//  - rare (at most RARE_MAX): its row ids become an id list;
//  - in between (at most COMMON_MAX): `id IN (the index's matches)`, which SQLite reads from the
//    index (`q=perf1`, 11,111 of 100,000: the count 43 → 4.6 ms, measured by tests/bench/search.ts);
//  - common (more, or shorter than a trigram, or with non-ASCII characters): the LIKE scan, which
//    stops early for the first page and whose count short-cuts on the first column matching (the
//    index subquery took 64 ms for a substring of every row, LIKE 15).
// A match of a provider's name adds that provider's registrations (through its index).
// PostgreSQL: ILIKE, read through the pg_trgm indexes of migration drizzle-pg/0008 when the planner
// finds them cheaper. Either way: the same rows as the LIKE condition.
import { inArray, or, sql, type SQL } from 'drizzle-orm';
import { rows, type Conn } from '../db/conn';
import { dialectName } from '../db/dialect';
import { dialectSql } from '../db/sql-dialect';
import { ddiProviders, registrations } from '../db/schema';

/** At most this many index matches: an id list. */
export const RARE_MAX = 2000;
/** Above this many index matches the LIKE scan is the cheaper plan (it stops early for page 1). */
export const COMMON_MAX = 20_000;

/** `%text%` for LIKE … ESCAPE '\', with the wildcards of `text` escaped. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** An FTS5 phrase: the text in double quotes, inner quotes doubled (no operators, no wildcards). */
function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** The WHERE condition for `q` (already trimmed, not empty). */
export async function searchCondition(db: Conn, q: string): Promise<SQL> {
  const p = likePattern(q);
  const providers = (await db.select({ id: ddiProviders.id }).from(ddiProviders).where(dialectSql.likeCi(ddiProviders.name, p))).map((r) => r.id);
  const byProvider = providers.length > 0 ? inArray(registrations.ddiProviderId, providers) : null;
  // A trigram index needs three characters; case folding of the index is Unicode, LIKE's ASCII only: keep LIKE for non-ASCII.
  // (PostgreSQL: no FTS5 index; the case-insensitive LIKE below, ILIKE there.)
  if (dialectName === 'sqlite' && [...q].length >= 3 && /^[\x20-\x7e]*$/.test(q)) {
    // At most RARE_MAX + 1 row ids: few enough to hand to the query as a list, which SQLite reads
    // by rowid (an `IN (subquery)` made it scan every registration against a Bloom filter).
    const ids = (await rows<{ id: number }>(db, sql`select rowid as id from registrations_search where registrations_search match ${ftsPhrase(q)} limit ${RARE_MAX + 1}`)).map((r) => r.id);
    if (ids.length <= RARE_MAX) {
      const indexed = ids.length > 0 ? inArray(registrations.id, ids) : sql`0`;
      // The provider part is an index search too (registrations_provider_idx): SQLite reads the union without a scan.
      return byProvider ? or(indexed, byProvider)! : indexed;
    }
    const [probe] = await rows<{ n: number }>(
      db,
      sql`select count(*) as n from (select rowid from registrations_search where registrations_search match ${ftsPhrase(q)} limit ${COMMON_MAX + 1})`,
    );
    if (probe!.n <= COMMON_MAX) {
      const indexed = sql`${registrations.id} in (select rowid from registrations_search where registrations_search match ${ftsPhrase(q)})`;
      return byProvider ? or(indexed, byProvider)! : indexed;
    }
  }
  const like = or(dialectSql.likeCi(registrations.username, p), dialectSql.likeCi(registrations.domain, p), dialectSql.likeCi(registrations.ddi, p))!;
  return byProvider ? or(like, byProvider)! : like;
}
