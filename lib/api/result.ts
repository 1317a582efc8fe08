import type { z } from 'zod';
import { errorText, log } from '../log';

/** Machine-readable error codes of the REST API and of the server actions. */
export const errorStatus = {
  invalid_json: 400,
  ambiguous_session: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf: 403,
  wrong_password: 403,
  setup_token: 403,
  not_found: 404,
  conflict: 409,
  has_registrations: 409,
  stale: 409,
  setup_done: 409,
  last_admin: 409,
  too_large: 413,
  unsupported_media_type: 415,
  misdirected: 421,
  validation: 422,
  throttled: 429,
  locked: 429,
  too_many_streams: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/**
 * One refused row of a bulk import: `row` is its 1-based number among the data rows (the CSV
 * header is not counted; in JSON the array position from 1), `line` the CSV line it starts on,
 * `field` the field (null: the row as a whole).
 */
export type RowError = { row: number; line?: number; field: string | null; message: string };

/**
 * `fields` maps a field name (the JSON key) to a message meant to be shown next to that field;
 * `current` (code `stale`) is the entity as it is now, for the form to show what changed;
 * `rows` (a refused import) every bad row.
 */
export type ApiError = { code: ErrorCode; message: string; fields?: Record<string, string>; current?: unknown; rows?: RowError[] };

/** What actions and services return instead of throwing. */
export type ActionResult<T> = { data: T } | { error: ApiError };

export const ok = <T>(data: T): { data: T } => ({ data });
export const fail = (code: ErrorCode, message: string, fields?: Record<string, string>): { error: ApiError } => ({
  error: fields ? { code, message, fields } : { code, message },
});

/** Runs a data-layer call; anything it throws becomes `internal` (message logged, never returned). */
export async function guarded<T>(what: string, fn: () => ActionResult<T> | Promise<ActionResult<T>>): Promise<ActionResult<T>> {
  try {
    return await fn();
  } catch (err) {
    log.error({ error: errorText(err) }, `${what} failed`);
    return fail('internal', 'Internal error.');
  }
}

/** First message per top-level field; nested array items are prefixed with their position. */
export function zodFields(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.path.length === 0) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) fields[key] ??= 'Unknown field.';
      }
      continue;
    }
    const key = String(issue.path[0]);
    if (fields[key]) continue;
    let message = issue.message;
    if (issue.code === 'invalid_type' && /received undefined$/.test(message)) message = 'This field is required.';
    if (issue.path.length > 1 && typeof issue.path[1] === 'number') message = `Item ${issue.path[1] + 1}: ${message}`;
    fields[key] = message;
  }
  return fields;
}

/** A 422 `validation` error built from a zod error. */
export function validationError(error: z.ZodError, message = 'Some fields are not valid.'): { error: ApiError } {
  const fields = zodFields(error);
  const root = error.issues.find((i) => i.path.length === 0 && i.code !== 'unrecognized_keys');
  if (root && Object.keys(fields).length === 0) return fail('validation', root.message.replace(/^Invalid input: expected object.*/, 'The body must be a JSON object.'));
  return fail('validation', message, fields);
}
