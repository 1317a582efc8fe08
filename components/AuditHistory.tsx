'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import type { AuditList } from '@/lib/api/contracts';
import { AuditEntries, AuditPager } from './AuditEntries';
import { ErrorNote } from './ErrorNote';

const PAGE_SIZE = 20;

/**
 * A registration's history (who changed what, and when), newest first. Keyed with the live
 * queries of the registration so its refreshes (actions, pushed events) reload it too, and with
 * `revision` so a save elsewhere shows up.
 */
export function AuditHistory({ registrationId, revision }: { registrationId: number; revision: number }) {
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['registration-live', registrationId, 'audit', revision, page],
    queryFn: () => apiFetch<AuditList>(`/api/registrations/${registrationId}/audit?page=${page}&pageSize=${PAGE_SIZE}`),
    placeholderData: keepPreviousData,
  });
  const pages = Math.max(1, Math.ceil((q.data?.total ?? 0) / PAGE_SIZE));
  return (
    <section className="card detail-section" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <p className="muted small">Who created, changed, disabled or deleted this registration, and when. Passwords show only as “changed”.</p>
      <ErrorNote error={q.error} />
      {q.isLoading ? (
        <p className="muted">Loading…</p>
      ) : !q.data || q.data.items.length === 0 ? (
        <p className="muted">No changes recorded.</p>
      ) : (
        <>
          <AuditEntries items={q.data.items} showEntity={false} caption="Changes to this registration, newest first" />
          <AuditPager page={page} pages={pages} onPage={setPage} />
        </>
      )}
    </section>
  );
}
