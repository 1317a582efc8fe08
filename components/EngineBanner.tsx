'use client';

import Link from 'next/link';
import { formatClock } from '@/lib/client/format';
import { useLiveHealth } from '@/lib/client/live';
import type { EngineNodeDown } from '@/lib/engine/health';

function Since({ at }: { at: number }) {
  // server and browser may format the time differently (time zone, locale)
  return (
    <time dateTime={new Date(at).toISOString()} suppressHydrationWarning>
      {formatClock(at)}
    </time>
  );
}

/** "node a (bind) since 12:00:01: why; node b …" */
function NodeList({ nodes }: { nodes: EngineNodeDown[] }) {
  return (
    <>
      {nodes.map((n, i) => (
        <span key={n.nodeId} data-node={n.nodeId}>
          {i > 0 ? '; ' : ''}
          <code>{n.nodeId}</code> since <Since at={n.since} />: {n.reason}
        </span>
      ))}
    </>
  );
}

/**
 * On every page while the registrar engine is not running: since when, why, and what that means.
 * When no engine ever reported to this database (`REGISTRAR_ENABLED=0` and no `npm run registrar`),
 * a quieter notice says so and how to start one. With several engine nodes, a node that died while
 * others run is named in a warning of its own: the engine still runs, and the dead node's
 * registrations move to the live nodes within the lease time.
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
  if (engine?.state === 'running' && engine.down && engine.down.length > 0) {
    const one = engine.down.length === 1;
    return (
      <div className="site-banners">
        <div role="alert" className="banner banner-engine-node" data-banner="engine-node">
          <strong>
            {one ? 'An engine node is down' : `${engine.down.length} engine nodes are down`}
          </strong>
          : <NodeList nodes={engine.down} />. Other nodes are running: {one ? 'its' : 'their'} registrations move to them within the lease
          time (<code>REGISTRAR_LEASE_S</code>). See <Link href="/nodes">Nodes</Link>.
        </div>
      </div>
    );
  }
  if (engine?.state !== 'stopped') return null;
  const since = engine.since ?? engine.heartbeatAt ?? 0;
  return (
    <div className="site-banners">
      <div role="alert" className="banner banner-engine" data-banner="engine">
        <strong>The registrar engine is not running</strong> since <Since at={since} />: {engine.reason ?? 'stopped'}. No REGISTER is sent;
        the states shown are the last known, not live.
        {engine.down && engine.down.length > 0 ? (
          <>
            {' '}
            No engine node runs: <NodeList nodes={engine.down} />.
          </>
        ) : null}
      </div>
    </div>
  );
}
