'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import { useDebounced } from '@/lib/client/use-debounced';
import type { AuditEntryJson, AuditList } from '@/lib/api/contracts';
import { AuditEntries, AuditPager } from './AuditEntries';
import { entityTypeLabels } from './audit-text';
import { ErrorNote } from './ErrorNote';

const PAGE_SIZE = 50;

type EntityType = AuditEntryJson['entityType'];

/** The global audit log: filter by kind of entity and by who acted, newest first, in pages. */
export function AuditTable() {
  const uid = useId();
  const [entityType, setEntityType] = useState<EntityType | ''>('');
  const [actor, setActor] = useState('');
  const [page, setPage] = useState(1);
  const debouncedActor = useDebounced(actor.trim(), 300);

  const params = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
  if (entityType) params.set('entityType', entityType);
  if (debouncedActor) params.set('actor', debouncedActor);
  const q = useQuery({
    queryKey: ['audit', entityType, debouncedActor, page],
    queryFn: () => apiFetch<AuditList>(`/api/audit?${params}`),
    placeholderData: keepPreviousData,
  });
  const total = q.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  return (
    <div className="list">
      <div className="toolbar" role="search">
        <div className="toolbar-item grow">
          <label htmlFor={`${uid}-actor`}>Who</label>
          <input
            id={`${uid}-actor`}
            type="search"
            value={actor}
            onChange={(e) => {
              setActor(e.target.value);
              setPage(1);
            }}
            placeholder="E-mail or token name…"
            aria-describedby={`${uid}-count`}
          />
        </div>
        <div className="toolbar-item">
          <label htmlFor={`${uid}-type`}>What</label>
          <select
            id={`${uid}-type`}
            value={entityType}
            onChange={(e) => {
              setEntityType(e.target.value as EntityType | '');
              setPage(1);
            }}
          >
            <option value="">Everything</option>
            {Object.entries(entityTypeLabels).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p id={`${uid}-count`} className="muted count" aria-live="polite">
        {q.isLoading ? 'Loading the audit log…' : total === 0 ? 'No entries match.' : `${total.toLocaleString()} entr${total === 1 ? 'y' : 'ies'}, newest first`}
        {q.isFetching && !q.isLoading ? ' (updating…)' : ''}
      </p>
      <ErrorNote error={q.error} />
      {q.data && q.data.items.length > 0 ? <AuditEntries items={q.data.items} caption="Audit log, newest first" /> : null}
      <AuditPager page={page} pages={pages} onPage={setPage} />
    </div>
  );
}
