import type { RunResult } from 'better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema';

/** The database handle or a transaction on it. */
export type Conn = BaseSQLiteDatabase<'sync', RunResult, typeof schema>;
