'use client';

import { formatClock } from '@/lib/client/format';
import { useLiveHealth } from '@/lib/client/live';

/** While the live stream has been lost for more than 5 s: since when the states shown are old. */
export function StreamLostBanner() {
  const { streamStale, lostAt } = useLiveHealth();
  if (!streamStale || lostAt === null) return null;
  return (
    <div role="alert" className="banner banner-stream" data-banner="stream">
      <strong>Connection to the portal lost at {formatClock(lostAt)}</strong>; states shown are from then. Reconnecting…
    </div>
  );
}
