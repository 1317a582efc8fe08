'use client';

import { useQuery } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';
import { formatTime } from '@/lib/client/format';
import { DeleteRegistrationButton } from './DeleteRegistrationButton';
import { ErrorNote } from './ErrorNote';
import { RegistrationForm } from './RegistrationForm';
import { StatusBadge } from './StatusBadge';

export function RegistrationDetail({ id }: { id: number }) {
  // always load fresh: the form's defaults (and the revision) come from here
  const reg = useQuery({ queryKey: keys.registration(id), queryFn: () => api.registrations.get(id), staleTime: 0, refetchOnMount: 'always' });
  if (reg.isLoading || (reg.isFetching && !reg.isFetchedAfterMount)) return <p className="muted">Loading registration…</p>;
  if (!reg.data) return <ErrorNote error={reg.error} what="This registration" />;
  const r = reg.data;
  const s = r.status;
  return (
    <>
      <div className="page-head">
        <h1>
          Registration #{r.id} <span className="muted subtitle">{r.username}@{r.domain}</span>
        </h1>
        <div className="actions">
          <DeleteRegistrationButton registration={r} redirectTo="/registrations" />
        </div>
      </div>
      <section className="card status-card" aria-labelledby="status-title">
        <h2 id="status-title">Status</h2>
        <dl className="facts">
          <div>
            <dt>State</dt>
            <dd>
              <StatusBadge status={s} />
            </dd>
          </div>
          {s ? (
            <>
              <div>
                <dt>Last response</dt>
                <dd>{s.code ? `${s.code} ${s.reason ?? ''}` : (s.reason ?? '—')}</dd>
              </div>
              <div>
                <dt>Granted expires</dt>
                <dd>{s.grantedExpires ? `${s.grantedExpires} s` : '—'}</dd>
              </div>
              <div>
                <dt>Binding expires at</dt>
                <dd>{formatTime(s.expiresAt)}</dd>
              </div>
              <div>
                <dt>Last success</dt>
                <dd>{formatTime(s.lastSuccessAt)}</dd>
              </div>
              <div>
                <dt>Next attempt</dt>
                <dd>{formatTime(s.nextAttemptAt)}</dd>
              </div>
            </>
          ) : null}
        </dl>
      </section>
      <RegistrationForm key={r.id} mode="edit" registration={r} />
    </>
  );
}
