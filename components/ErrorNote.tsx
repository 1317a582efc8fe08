import { ApiError } from '@/lib/client/api';

/** A query/mutation error as an alert; 404 gets a friendlier text. */
export function ErrorNote({ error, what }: { error: unknown; what?: string }) {
  if (!error) return null;
  const msg =
    error instanceof ApiError && error.status === 404
      ? `${what ?? 'This item'} was not found. It may have been deleted.`
      : error instanceof Error
        ? error.message
        : 'Something went wrong.';
  return (
    <p role="alert" className="alert alert-error">
      {msg}
    </p>
  );
}
