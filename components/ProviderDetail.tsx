'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';
import { formatTime, plural } from '@/lib/client/format';
import { useCan } from '@/lib/client/session';
import { ddiProviderGlossary as g } from '@/lib/glossary';
import { DeleteProviderButton } from './DeleteProviderButton';
import { ErrorNote } from './ErrorNote';
import { ProviderForm } from './ProviderForm';
import { RegistrationsTable } from './RegistrationsTable';

function useProvider(id: number) {
  return useQuery({ queryKey: keys.provider(id), queryFn: () => api.providers.get(id) });
}

export function ProviderDetail({ id }: { id: number }) {
  const provider = useProvider(id);
  const canEdit = useCan('editor');
  if (provider.isLoading) return <p className="muted">Loading provider…</p>;
  if (!provider.data) return <ErrorNote error={provider.error} what="This provider" />;
  const p = provider.data;
  return (
    <>
      <div className="page-head">
        <h1>{p.name}</h1>
        {canEdit ? (
          <div className="actions">
            <Link href={`/providers/${p.id}/edit`} className="button">
              Edit provider
            </Link>
            <DeleteProviderButton provider={p} redirectTo="/providers" />
          </div>
        ) : null}
      </div>
      <dl className="facts card">
        <div>
          <dt>{g.description.label}</dt>
          <dd>{p.description || <span className="muted">—</span>}</dd>
        </div>
        <div>
          <dt>{g.ddis.label}</dt>
          <dd>{p.ddis.length === 0 ? <span className="muted">None</span> : <span className="mono">{p.ddis.join(', ')}</span>}</dd>
        </div>
        <div>
          <dt>{g.forwardTo.label}</dt>
          <dd>{p.forwardTo ? <span className="mono">{p.forwardTo}</span> : <span className="muted">SIP_FORWARD_TO (engine setting)</span>}</dd>
        </div>
        <div>
          <dt>{g.alertHoldS.label}</dt>
          <dd>{p.alertHoldS !== null && p.alertHoldS !== undefined ? `${p.alertHoldS} s` : <span className="muted">ALERTS_HOLD_S (portal setting)</span>}</dd>
        </div>
        <div>
          <dt>Registrations</dt>
          <dd>{plural(p.registrationCount, 'registration')}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>{formatTime(p.updatedAt)}</dd>
        </div>
      </dl>
      <section aria-labelledby="provider-registrations" id="registrations">
        <div className="page-head">
          <h2 id="provider-registrations">Registrations of {p.name}</h2>
          {canEdit ? (
            <Link href={`/registrations/new?ddiProviderId=${p.id}&from=provider`} className="button button-primary">
              Add registration
            </Link>
          ) : null}
        </div>
        <RegistrationsTable providerId={p.id} />
      </section>
    </>
  );
}

export function ProviderEdit({ id }: { id: number }) {
  // always load fresh: the form's values and its revision come from here
  const provider = useQuery({ queryKey: keys.provider(id), queryFn: () => api.providers.get(id), staleTime: 0, refetchOnMount: 'always' });
  if (provider.isLoading || (provider.isFetching && !provider.isFetchedAfterMount)) return <p className="muted">Loading provider…</p>;
  if (!provider.data) return <ErrorNote error={provider.error} what="This provider" />;
  return (
    <>
      <h1>Edit provider {provider.data.name}</h1>
      <ProviderForm provider={provider.data} />
    </>
  );
}
