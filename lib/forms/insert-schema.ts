// The insert schema of a table for a form, built from a dependency-free description of its
// columns (table-columns.generated.ts, written from the drizzle tables by scripts/table-columns.ts)
// instead of the tables themselves, so that the browser can parse with it: it follows drizzle-zod's
// createInsertSchema for the column kinds the forms use (tests/unit/forms/insert-schema.test.ts
// proves both accept and refuse the same values), and the same schema is re-parsed on the server.
import { z } from 'zod';

export type ColumnKind = 'text' | 'integer' | 'boolean' | 'json';

export interface ColumnDescription {
  kind: ColumnKind;
  notNull: boolean;
  hasDefault: boolean;
  /** A text column's allowed values. */
  enum?: readonly string[];
  /** Generated always: never written, left out as drizzle-zod does. */
  generated?: boolean;
}

export type TableColumns = Record<string, ColumnDescription>;

/** drizzle-zod's JSON value. */
const jsonValue = z.union([z.union([z.string(), z.number(), z.boolean(), z.null()]), z.record(z.string(), z.any()), z.array(z.any())]);

function baseSchema(column: ColumnDescription): z.ZodType {
  if (column.enum && column.enum.length > 0) return z.enum(column.enum as [string, ...string[]]);
  switch (column.kind) {
    case 'text':
      return z.string();
    // SQLite INTEGER: a safe integer.
    case 'integer':
      return z.int().gte(Number.MIN_SAFE_INTEGER).lte(Number.MAX_SAFE_INTEGER);
    case 'boolean':
      return z.boolean();
    case 'json':
      return jsonValue;
  }
}

type Refinement = z.ZodType | ((schema: z.ZodType) => z.ZodType);

/** A column's schema: its refinement when that is a schema, else the column's (refined) nullable when null is allowed, optional when null or a default is. */
type Shape<C extends TableColumns, R> = {
  -readonly [K in keyof C]: K extends keyof R ? (R[K] extends z.ZodType ? R[K] : z.ZodType) : z.ZodType;
};

/**
 * As drizzle-zod's createInsertSchema(table, refinements): a refinement that is a schema replaces
 * the column's; a function refines the column's schema, which is then nullable when the column
 * allows null and optional when it allows null or has a default.
 */
export function insertSchema<C extends TableColumns, R extends { [K in keyof C]?: Refinement }>(columns: C, refinements: R): z.ZodObject<Shape<C, R>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, column] of Object.entries(columns)) {
    const refinement = (refinements as Record<string, Refinement | undefined>)[key];
    if (refinement !== undefined && typeof refinement !== 'function') {
      shape[key] = refinement;
      continue;
    }
    if (column.generated) continue;
    let schema = refinement ? refinement(baseSchema(column)) : baseSchema(column);
    if (!column.notNull) schema = schema.nullable();
    if (!column.notNull || column.hasDefault) schema = schema.optional();
    shape[key] = schema;
  }
  return z.object(shape) as unknown as z.ZodObject<Shape<C, R>>;
}

/** `{ name: true, … }`: the pick() mask of the columns a form edits (the keys of its rules). */
export function fieldMask<R extends Record<string, unknown>>(rules: R): { [K in keyof R]: true } {
  return Object.fromEntries(Object.keys(rules).map((k) => [k, true])) as { [K in keyof R]: true };
}
