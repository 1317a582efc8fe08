-- Substring search of the registrations list (`q`) at 100,000 rows on PostgreSQL: trigram GIN
-- indexes (pg_trgm, a trusted extension shipped with PostgreSQL's contrib modules) on username,
-- domain and DDI, which answer the list's `col ILIKE '%text%'` conditions (a BitmapOr of the
-- three) instead of a scan of every row. The SQLite counterpart is the FTS5 trigram index of
-- drizzle/0010_registrations_search.sql. A common substring still reads as a scan (the planner
-- chooses), which stops early for the first page.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "registrations_username_trgm_idx" ON "registrations" USING gin ("username" gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "registrations_domain_trgm_idx" ON "registrations" USING gin ("domain" gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "registrations_ddi_trgm_idx" ON "registrations" USING gin ("ddi" gin_trgm_ops);
