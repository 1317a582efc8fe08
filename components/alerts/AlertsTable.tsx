'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, keys } from '@/lib/client/api';
import { LocalTime } from '../auth/LocalTime';
import { DeliveryStatus } from './DeliveryStatus';

type StateFilter = 'all' | 'open' | 'resolved';

/** Alerts, open first, with their notifications; re-read every 5 s. */
export function AlertsTable() {
  const [state, setState] = useState<StateFilter>('all');
  const [page, setPage] = useState(1);
  const { data, error, isPending } = useQuery({
    queryKey: keys.alertList(state, page),
    queryFn: () => api.alerts.list({ state, page, pageSize: 50 }),
    refetchInterval: 5_000,
  });
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  return (
    <>
      <div className="toolbar">
        <label>
          Show{' '}
          <select
            value={state}
            onChange={(e) => {
              setState(e.target.value as StateFilter);
              setPage(1);
            }}
          >
            <option value="all">All alerts</option>
            <option value="open">Open</option>
            <option value="resolved">Resolved</option>
          </select>
        </label>
        {data ? <span className="muted">{data.open === 1 ? '1 open alert' : `${data.open} open alerts`}</span> : null}
      </div>
      {error ? (
        <p role="alert" className="alert alert-error">
          {error.message}
        </p>
      ) : null}
      <div className="table-wrap card" aria-busy={isPending}>
        <table className="table" aria-label="Alerts">
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">What</th>
              <th scope="col">Failing since</th>
              <th scope="col">Opened</th>
              <th scope="col">Resolved</th>
              <th scope="col">Notifications</th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 ? (
              <tr>
                <td colSpan={6} className="muted">
                  No alerts{state === 'all' ? '' : ` ${state}`}.
                </td>
              </tr>
            ) : null}
            {data?.items.map((a) => (
              <tr key={a.id} data-alert-key={a.key} data-state={a.state}>
                <td>
                  <span className={`badge ${a.state === 'open' ? 'badge-rejected' : 'badge-registered'}`}>{a.state}</span>
                </td>
                <td>
                  {a.summary}
                  {a.scope !== 'registration' && a.state === 'open' && a.currentCount !== a.count ? <span className="muted"> (now {a.currentCount})</span> : null}
                </td>
                <td>
                  <LocalTime at={a.failingSince} />
                </td>
                <td>
                  <LocalTime at={a.openedAt} />
                </td>
                <td>{a.resolvedAt !== null ? <LocalTime at={a.resolvedAt} /> : <span className="muted">—</span>}</td>
                <td>
                  {a.deliveries.length === 0 ? (
                    <span className="muted">No channel</span>
                  ) : (
                    <ul className="plain-list">
                      {a.deliveries.map((d) => (
                        <li key={d.id}>
                          {d.channelName} ({d.event}): <DeliveryStatus delivery={d} />
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages > 1 ? (
        <div className="actions">
          <button type="button" className="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {page} of {pages}
          </span>
          <button type="button" className="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </div>
      ) : null}
    </>
  );
}
