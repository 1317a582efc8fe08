// The SQL that differs between SQLite and PostgreSQL, one implementation per dialect
// (sql-sqlite.ts, sql-pg.ts); the rest of the code writes portable SQL through drizzle.
import type { SQL, SQLWrapper } from 'drizzle-orm';
import { dialectName } from './dialect';
import { pgSql } from './sql-pg';
import { sqliteSql } from './sql-sqlite';

/** A constraint the database refused a write for. */
export type ConstraintKind = 'unique' | 'foreign_key';

export interface DialectSql {
  /** `expr` contains `pattern` (a LIKE pattern with `\` as escape), ignoring ASCII case as SQLite's LIKE does. */
  likeCi(expr: SQLWrapper, pattern: string): SQL;
  /** The JSON array of strings in `column` holds `value`. */
  jsonArrayHas(column: SQLWrapper, value: string): SQL;
  /**
   * A derived table of text columns c0, c1, … read from `json`, a JSON array of arrays of strings
   * (a list of tuples sent as one parameter).
   */
  jsonTuples(json: string, width: number): SQL;
  /** The largest value of the text column that is all digits, as a number (null if none). */
  maxDigits(column: SQLWrapper): SQL<number | null>;
  /**
   * Ends a SELECT whose rows a claim then updates: PostgreSQL locks them and skips rows another
   * transaction holds (`FOR UPDATE SKIP LOCKED`: concurrent claimers take disjoint rows, nobody
   * waits); SQLite has one writer at a time (the UPDATE around it is atomic), so nothing.
   */
  lockSkipLocked(): SQL;
  /**
   * Ends a SELECT of rows whose values a write in the same transaction depends on: PostgreSQL
   * `FOR SHARE` (a concurrent UPDATE of them waits, or skips them with SKIP LOCKED); SQLite
   * nothing (the write transaction already excludes other writers).
   */
  lockShared(): SQL;
  /** Time now in ms since the epoch, as the database sees it. */
  nowMs(): SQL<number>;
  /** What constraint `err` (thrown by the driver) reports as violated, with the text naming it; null for other errors. */
  constraintViolation(err: unknown): { kind: ConstraintKind; detail: string } | null;
  /** `err` is a transient conflict to retry (a busy database, a serialization failure). */
  isBusy(err: unknown): boolean;
}

export const dialectSql: DialectSql = dialectName === 'pg' ? pgSql : sqliteSql;
