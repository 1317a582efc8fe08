/**
 * Which database this process talks to: PostgreSQL when DATABASE_URL is a postgres:// (or
 * postgresql://) URL, else SQLite at DATABASE_PATH. Read once, at load: the tables (schema.ts) and
 * the dialect's SQL (sql-dialect.ts) follow it.
 */
export type DialectName = 'sqlite' | 'pg';

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}

export const dialectName: DialectName = isPostgresUrl(process.env.DATABASE_URL) ? 'pg' : 'sqlite';
