'use client';

import { formatClock } from '@/lib/client/format';
import { useLiveHealth } from '@/lib/client/live';

/**
 * On every page while the registrar engine is not running: since when, why, and what that means.
 * When no engine ever reported to this database (`REGISTRAR_ENABLED=0` and no `npm run registrar`),
 * a quieter notice says so and how to start one.
 */
export function EngineBanner() {
  const { engine } = useLiveHealth();
  if (engine?.state === 'unknown') {
    return (
      <div className="site-banners">
        <div className="banner banner-engine-unknown" data-banner="engine-unknown">
          <strong>No registrar engine has reported yet</strong>, so no REGISTER is sent from here. It runs inside{' '}
          <code>npm start</code> unless <code>REGISTRAR_ENABLED=0</code>; then start it with <code>npm run registrar</code> against this
          database.
        </div>
      </div>
    );
  }
  if (engine?.state !== 'stopped') return null;
  const since = engine.since ?? engine.heartbeatAt ?? 0;
  return (
    <div className="site-banners">
      <div role="alert" className="banner banner-engine" data-banner="engine">
        <strong>The registrar engine is not running</strong> since{' '}
        {/* server and browser may format the time differently (time zone, locale) */}
        <time dateTime={new Date(since).toISOString()} suppressHydrationWarning>
          {formatClock(since)}
        </time>
        : {engine.reason ?? 'stopped'}. No REGISTER is sent; the states shown are the last known, not live.
      </div>
    </div>
  );
}
