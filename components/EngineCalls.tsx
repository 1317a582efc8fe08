'use client';

import { useLiveHealth } from '@/lib/client/live';

/**
 * Calls at our Contact since the engine started, from its heartbeat (the engine may run in
 * another process): relayed to the PBX, and refused with 480 because no forward target is set.
 */
export function EngineCalls() {
  const { engine } = useLiveHealth();
  const calls = engine?.calls;
  if (!calls) return null;
  return (
    <section aria-labelledby="calls-title" className="engine-calls">
      <h2 id="calls-title" className="sr-only">
        Calls
      </h2>
      <p>
        Calls since the engine started:{' '}
        <strong data-calls="relayed">{calls.relayed.toLocaleString()}</strong> relayed to the PBX,{' '}
        <strong data-calls="refused">{calls.refused.toLocaleString()}</strong> refused
        {calls.refused > 0 ? (
          <span className="muted">
            {' '}
            (480: call forwarding is not configured — set <code>SIP_FORWARD_TO</code> or <em>Forward to</em> on the DDI provider)
          </span>
        ) : null}
        .
      </p>
    </section>
  );
}
