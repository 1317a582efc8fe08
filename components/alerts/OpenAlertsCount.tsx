'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';

/** The dashboard's alert line: how many alerts are open, linking to /alerts; re-read every 10 s. */
export function OpenAlertsCount() {
  const { data } = useQuery({ queryKey: keys.openAlerts, queryFn: () => api.alerts.list({ state: 'open', pageSize: 1 }), refetchInterval: 10_000 });
  if (!data) return null;
  const n = data.open;
  return (
    <p className={n > 0 ? 'alert alert-error' : 'muted'} data-testid="open-alerts">
      <Link href="/alerts">{n === 0 ? 'No open alerts' : n === 1 ? '1 open alert' : `${n} open alerts`}</Link>
      {n > 0 && data.items[0] ? `: ${data.items[0].summary}${n > 1 ? ' …' : ''}` : null}
    </p>
  );
}
