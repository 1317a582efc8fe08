'use client';

import { useQuery } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';
import { formatDuration, formatTime, plural } from '@/lib/client/format';
import type { EngineNode } from '@/lib/client/types';
import { ErrorNote } from './ErrorNote';

/** How often the panel re-reads the nodes (heartbeats come every REGISTRAR_HEARTBEAT_MS, 5 s by default). */
const REFRESH_MS = 5_000;

const STATE_LABEL: Record<EngineNode['state'], string> = { running: 'Running', stale: 'Stale', stopped: 'Stopped' };

/** Heartbeat age, measured on the server's clock (the answer's `at`), so a browser clock off by minutes does not matter. */
function HeartbeatCell({ node, at }: { node: EngineNode; at: number }) {
  const age = Math.max(0, at - node.heartbeatAt);
  const live = node.state === 'running';
  return (
    <td className="nowrap" title={formatTime(node.heartbeatAt)}>
      {formatDuration(age)} ago{' '}
      <span className={`node-beat ${live ? 'node-beat-live' : 'node-beat-stale'}`}>({live ? 'live' : node.state === 'stale' ? 'stale' : 'last'})</span>
    </td>
  );
}

/** The engine nodes sharing this database: which run, what each serves and how many registrations each holds. */
export function NodesPanel() {
  const nodes = useQuery({ queryKey: keys.nodes, queryFn: api.nodes.list, refetchInterval: REFRESH_MS });
  const data = nodes.data;
  const running = data?.items.filter((n) => n.state === 'running').length ?? 0;
  return (
    <section aria-labelledby="nodes-title">
      <h2 id="nodes-title" className="sr-only">
        Engine nodes
      </h2>
      <ErrorNote error={nodes.error} />
      {data ? (
        <p className="muted count" data-testid="nodes-summary">
          {plural(running, 'node')} running of {data.items.length.toLocaleString()}; {plural(data.registrations.enabled, 'enabled registration')},{' '}
          {data.registrations.unheld === 0 ? 'all held by a node' : `${data.registrations.unheld.toLocaleString()} held by no node`}.
        </p>
      ) : (
        <p className="muted count">Loading nodes…</p>
      )}
      <div className="table-wrap" aria-busy={nodes.isFetching}>
        <table className="table">
          <caption className="sr-only">Engine nodes</caption>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">SIP address</th>
              <th scope="col">State</th>
              <th scope="col">Last heartbeat</th>
              <th scope="col" className="num">
                Registrations held
              </th>
              <th scope="col">Version</th>
              <th scope="col" className="num">
                PID
              </th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {data && data.items.length === 0 ? (
              <tr>
                <td colSpan={8} className="muted">
                  No engine node has reported to this database yet.
                </td>
              </tr>
            ) : null}
            {data?.items.map((n) => (
              <tr key={n.nodeId} data-node={n.nodeId}>
                <th scope="row" className="mono">
                  {n.nodeId}
                </th>
                <td className="mono">{n.bind}</td>
                <td>
                  <span className={`node-state node-state-${n.state}`}>{STATE_LABEL[n.state]}</span>
                  {n.state === 'stale' ? <span className="muted small"> heartbeat silent (killed or hung)</span> : null}
                  {n.reason ? <span className="muted small">: {n.reason}</span> : null}
                </td>
                <HeartbeatCell node={n} at={data.at} />
                <td className="num">{n.held.toLocaleString()}</td>
                <td className="mono">{n.version ?? '—'}</td>
                <td className="num mono">{n.pid}</td>
                <td className="nowrap">{formatTime(n.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
