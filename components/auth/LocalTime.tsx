import { formatTime } from '@/lib/client/format';

/**
 * A timestamp in the reader's locale and time zone. Rendered first on the server (its zone), then
 * again in the browser: the text may differ, which is expected, so React is told not to warn.
 */
export function LocalTime({ at }: { at: number }) {
  return (
    <time dateTime={new Date(at).toISOString()} suppressHydrationWarning>
      {formatTime(at)}
    </time>
  );
}
