'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { api, keys } from '@/lib/client/api';
import { plural } from '@/lib/client/format';
import { useCan } from '@/lib/client/session';
import type { DdiProvider } from '@/lib/client/types';
import { DeleteProviderButton } from './DeleteProviderButton';
import { ErrorNote } from './ErrorNote';
import { SortHeader } from './SortHeader';
import { TableToolbar } from './TableToolbar';

type Sort = 'name' | 'registrations';

/** Providers whose name, description or a DDI contains `q` (case-insensitive), sorted. */
function visibleProviders(all: readonly DdiProvider[], q: string, sort: Sort, order: 'asc' | 'desc'): DdiProvider[] {
  const needle = q.trim().toLowerCase();
  const found = needle
    ? all.filter((p) => p.name.toLowerCase().includes(needle) || (p.description ?? '').toLowerCase().includes(needle) || p.ddis.some((d) => d.includes(needle)))
    : [...all];
  const byName = (a: DdiProvider, b: DdiProvider) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true });
  found.sort((a, b) => (sort === 'name' ? byName(a, b) : a.registrationCount - b.registrationCount || byName(a, b)));
  return order === 'asc' ? found : found.reverse();
}

/**
 * The providers: searched and sorted here (they are few), by name or by how many registrations they
 * have, on the same table base as the registrations list and the dashboard (TableToolbar, SortHeader).
 */
export function ProvidersTable() {
  const providers = useQuery({ queryKey: keys.providers, queryFn: api.providers.list });
  const [notice, setNotice] = useState<string | null>(null);
  const canEdit = useCan('editor');
  const uid = useId();
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<Sort>('name');
  const [order, setOrder] = useState<'asc' | 'desc'>('asc');
  const rows = useMemo(() => visibleProviders(providers.data ?? [], q, sort, order), [providers.data, q, sort, order]);
  const sortBy = (s: Sort) => {
    if (s === sort) setOrder(order === 'asc' ? 'desc' : 'asc');
    else {
      setSort(s);
      // most registrations first is what one looks for
      setOrder(s === 'registrations' ? 'desc' : 'asc');
    }
  };
  const header = (column: Sort, label: string, className?: string) => (
    <SortHeader column={column} label={label} sort={sort} order={order} onSort={sortBy} className={className} />
  );
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
        <>
          <TableToolbar search={{ value: q, onChange: setQ, placeholder: 'Name, description, DDI…', describedBy: `${uid}-count` }} />
          <p id={`${uid}-count`} className="muted count" aria-live="polite">
            {q.trim() ? `${plural(rows.length, 'provider')} of ${providers.data.length.toLocaleString()}` : plural(rows.length, 'provider')}
          </p>
        </>
      ) : null}
      {providers.data && providers.data.length > 0 && rows.length === 0 ? <p className="empty">No providers match.</p> : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">DDI providers</caption>
            <thead>
              <tr>
                {header('name', 'Name')}
                <th scope="col">Description</th>
                <th scope="col" className="num">
                  DDIs
                </th>
                {header('registrations', 'Registrations', 'num')}
                {canEdit ? (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
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
                    <td className="actions-cell">
                      <div className="row-actions">
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
                      </div>
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
