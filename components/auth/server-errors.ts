import type { FieldValues, Path, UseFormSetError } from 'react-hook-form';
import { ApiError } from '@/lib/client/api';

/**
 * Puts the server's per-field messages on the form's fields (those in `fields`) and returns the
 * message for the form's alert region.
 */
export function applyServerErrors<F extends FieldValues>(err: unknown, setError: UseFormSetError<F>, fields: readonly Path<F>[]): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : 'Something went wrong.';
  for (const [name, message] of Object.entries(err.fields)) {
    const field = fields.find((f) => f === name);
    if (field) setError(field, { type: 'server', message }, { shouldFocus: true });
  }
  return err.message;
}
