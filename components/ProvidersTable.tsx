'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, keys } from '@/lib/client/api';
import { useCan } from '@/lib/client/session';
import { DeleteProviderButton } from './DeleteProviderButton';
import { ErrorNote } from './ErrorNote';

export function ProvidersTable() {
  const providers = useQuery({ queryKey: keys.providers, queryFn: api.providers.list });
  const [notice, setNotice] = useState<string | null>(null);
  const canEdit = useCan('editor');
  return (
    <>
      <div role="status" aria-live="polite" className="flash-region">
        {notice ? <p className="alert alert-success">{notice}</p> : null}
      </div>
      <ErrorNote error={providers.error} />
      {providers.isLoading ? <p className="muted">Loading providers…</p> : null}
      {providers.data && providers.data.length === 0 ? (
        <p className="empty">
          No DDI providers yet.{canEdit ? <> <Link href="/providers/new">Create the first one</Link>.</> : null}
        </p>
      ) : null}
      {providers.data && providers.data.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">DDI providers</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col" className="num">
                  DDIs
                </th>
                <th scope="col" className="num">
                  Registrations
                </th>
                {canEdit ? (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {providers.data.map((p) => (
                <tr key={p.id}>
                  <th scope="row">
                    <Link href={`/providers/${p.id}`}>{p.name}</Link>
                  </th>
                  <td className="clip">{p.description || <span className="muted">—</span>}</td>
                  <td className="num">{p.ddis.length}</td>
                  <td className="num">
                    <Link href={`/providers/${p.id}#registrations`}>{p.registrationCount.toLocaleString()}</Link>
                  </td>
                  {canEdit ? (
                    <td className="row-actions">
                      <Link className="button button-small" href={`/providers/${p.id}/edit`} aria-label={`Edit provider ${p.name}`}>
                        Edit
                      </Link>
                      <Link
                        className="button button-small"
                        href={`/registrations/new?ddiProviderId=${p.id}`}
                        aria-label={`Add registration to ${p.name}`}
                      >
                        Add registration
                      </Link>
                      <DeleteProviderButton provider={p} small onDeleted={setNotice} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
