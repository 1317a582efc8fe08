'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';
import { ErrorNote } from './ErrorNote';

/** Home page counts (a live dashboard comes later). */
export function Dashboard() {
  const providers = useQuery({ queryKey: keys.providers, queryFn: api.providers.list });
  const params = { page: 1, pageSize: 1, sort: 'id', order: 'asc' } as const;
  const registrations = useQuery({ queryKey: keys.registrationList(params), queryFn: () => api.registrations.list(params) });
  const ddis = providers.data?.reduce((n, p) => n + p.ddis.length, 0);
  const cards = [
    { label: 'DDI providers', value: providers.data?.length, href: '/providers' },
    { label: 'Registrations', value: registrations.data?.total, href: '/registrations' },
    { label: 'Provider DDIs', value: ddis, href: '/providers' },
  ];
  return (
    <>
      <ErrorNote error={providers.error ?? registrations.error} />
      <ul className="stats" aria-label="Counts">
        {cards.map((c) => (
          <li key={c.label} className="stat card">
            <Link href={c.href}>
              <span className="stat-value">{c.value === undefined ? '…' : c.value.toLocaleString()}</span>
              <span className="stat-label">{c.label}</span>
            </Link>
          </li>
        ))}
      </ul>
      <div className="actions">
        <Link href="/providers/new" className="button">
          New provider
        </Link>
        <Link href="/registrations/new" className="button button-primary">
          New registration
        </Link>
      </div>
    </>
  );
}
