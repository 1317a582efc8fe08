'use client';

import Link from 'next/link';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, keys } from '@/lib/client/api';
import { formatTime } from '@/lib/client/format';
import { useCan } from '@/lib/client/session';
import { useDebounced } from '@/lib/client/use-debounced';
import type { RegistrationListParams, RegistrationSort } from '@/lib/client/types';
import { BulkActionsBar } from './bulk/BulkActionsBar';
import { RowCheckbox, SelectPageCheckbox } from './bulk/SelectCheckboxes';
import { useBulkSelection } from './bulk/useBulkSelection';
import { DeleteRegistrationButton } from './DeleteRegistrationButton';
import { ErrorNote } from './ErrorNote';
import { LeaseHolder } from './LeaseHolder';
import { SortHeader } from './SortHeader';
import { LiveStatusBadge } from './StatusBadge';
import { TableToolbar, ToolbarSelect } from './TableToolbar';

const SORTS: RegistrationSort[] = ['id', 'username', 'domain', 'ddi', 'provider', 'updatedAt'];
const PAGE_SIZES = [25, 50, 100, 200];

type Props = {
  /** fixed provider filter (the per-provider list); hides the provider filter. */
  providerId?: number;
  /** mirror the list state in the address bar (main list only). */
  syncUrl?: boolean;
};

function readInitial(sp: URLSearchParams | null, syncUrl: boolean) {
  const get = (k: string) => (syncUrl ? (sp?.get(k) ?? '') : '');
  const sort = get('sort') as RegistrationSort;
  const page = Number(get('page'));
  const pageSize = Number(get('pageSize'));
  const provider = Number(get('ddiProviderId'));
  return {
    q: get('q'),
    ddiProviderId: Number.isInteger(provider) && provider > 0 ? provider : undefined,
    page: Number.isInteger(page) && page > 0 ? page : 1,
    pageSize: PAGE_SIZES.includes(pageSize) ? pageSize : 50,
    sort: SORTS.includes(sort) ? sort : 'id',
    order: get('order') === 'desc' ? ('desc' as const) : ('asc' as const),
  };
}

/** Server-side searched, filtered, sorted and paginated list of registrations. */
export function RegistrationsTable({ providerId, syncUrl = false }: Props) {
  const sp = useSearchParams();
  const [initial] = useState(() => readInitial(sp, syncUrl));
  const [q, setQ] = useState(initial.q);
  const [filterProvider, setFilterProvider] = useState<number | undefined>(providerId ?? initial.ddiProviderId);
  const [page, setPage] = useState(initial.page);
  const [pageSize, setPageSize] = useState(initial.pageSize);
  const [sort, setSort] = useState<RegistrationSort>(initial.sort);
  const [order, setOrder] = useState<'asc' | 'desc'>(initial.order);
  const [notice, setNotice] = useState<string | null>(null);
  const debouncedQ = useDebounced(q.trim(), 300);
  const uid = useId();
  const canEdit = useCan('editor');

  const params: RegistrationListParams = useMemo(
    () => ({ q: debouncedQ || undefined, ddiProviderId: providerId ?? filterProvider, page, pageSize, sort, order }),
    [debouncedQ, providerId, filterProvider, page, pageSize, sort, order],
  );

  const filter = useMemo(() => ({ q: params.q, ddiProviderId: params.ddiProviderId }), [params.q, params.ddiProviderId]);
  const selection = useBulkSelection(JSON.stringify(filter));

  const list = useQuery({
    queryKey: keys.registrationList(params),
    queryFn: () => api.registrations.list(params),
    placeholderData: keepPreviousData,
  });
  const providers = useQuery({ queryKey: keys.providers, queryFn: api.providers.list, enabled: providerId === undefined || canEdit });

  // a new search starts at page 1
  const lastQ = useRef(debouncedQ);
  useEffect(() => {
    if (lastQ.current === debouncedQ) return;
    lastQ.current = debouncedQ;
    setPage(1);
  }, [debouncedQ]);

  useEffect(() => {
    if (!syncUrl) return;
    const next = new URLSearchParams();
    if (params.q) next.set('q', params.q);
    if (params.ddiProviderId) next.set('ddiProviderId', String(params.ddiProviderId));
    if (page !== 1) next.set('page', String(page));
    if (pageSize !== 50) next.set('pageSize', String(pageSize));
    if (sort !== 'id') next.set('sort', sort);
    if (order !== 'asc') next.set('order', order);
    const s = next.toString();
    const url = `${window.location.pathname}${s ? `?${s}` : ''}`;
    if (url !== `${window.location.pathname}${window.location.search}`) window.history.replaceState(null, '', url);
  }, [syncUrl, params, page, pageSize, sort, order]);

  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  useEffect(() => {
    if (list.data && page > pages) setPage(pages);
  }, [list.data, page, pages]);

  const sortBy = (s: RegistrationSort) => {
    if (s === sort) setOrder(order === 'asc' ? 'desc' : 'asc');
    else {
      setSort(s);
      setOrder('asc');
    }
    setPage(1);
  };

  const header = (column: RegistrationSort, label: string, className?: string) => (
    <SortHeader column={column} label={label} sort={sort} order={order} onSort={sortBy} className={className} />
  );

  const items = list.data?.items ?? [];
  const from = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  const pageIds = items.map((r) => r.id);

  return (
    <div className="list">
      <div role="status" aria-live="polite" className="flash-region">
        {notice ? <p className="alert alert-success">{notice}</p> : null}
      </div>
      <TableToolbar
        search={{ value: q, onChange: setQ, placeholder: 'Username, domain, DDI, provider…', describedBy: `${uid}-count` }}
        filters={
          providerId === undefined ? (
            <ToolbarSelect
              label="Provider"
              value={filterProvider === undefined ? '' : String(filterProvider)}
              onChange={(v) => {
                setFilterProvider(v ? Number(v) : undefined);
                setPage(1);
              }}
              options={[{ value: '', label: 'All providers' }, ...(providers.data ?? []).map((p) => ({ value: String(p.id), label: p.name }))]}
            />
          ) : null
        }
        actions={
          <ToolbarSelect
            label="Per page"
            value={String(pageSize)}
            onChange={(v) => {
              setPageSize(Number(v));
              setPage(1);
            }}
            options={PAGE_SIZES.map((n) => ({ value: String(n), label: String(n) }))}
          />
        }
      />

      <p id={`${uid}-count`} className="muted count" aria-live="polite">
        {list.isLoading
          ? 'Loading registrations…'
          : total === 0
            ? 'No registrations match.'
            : `Showing ${from.toLocaleString()}–${to.toLocaleString()} of ${total.toLocaleString()} registration${total === 1 ? '' : 's'}`}
        {list.isFetching && !list.isLoading ? ' (updating…)' : ''}
      </p>
      <ErrorNote error={list.error} />
      {/* The bar is mounted only with a selection (mounted empty, it held up client-side navigation away
          from this page in tests/e2e/live.spec.ts); the idle line keeps its place so rows do not jump. */}
      {canEdit && (selection.allMatching || selection.ids.size > 0) ? (
        <BulkActionsBar selection={selection} pageIds={pageIds} total={total} filter={filter} providers={providers.data ?? []} onFinished={setNotice} />
      ) : canEdit && total > 0 ? (
        <p className="bulk-bar bulk-bar-idle muted small">Tick rows (or the header box for the whole page) to enable, disable, register, unregister, move or delete several at once.</p>
      ) : null}

      <div className="table-wrap" aria-busy={list.isFetching}>
        <table className="table">
          <caption className="sr-only">Registrations</caption>
          <thead>
            <tr>
              {canEdit ? (
                <th scope="col" className="select-cell">
                  <SelectPageCheckbox selection={selection} pageIds={pageIds} />
                </th>
              ) : null}
              {header('id', 'ID', 'num')}
              {header('username', 'Username')}
              {header('domain', 'Domain')}
              {header('ddi', 'DDI')}
              {providerId === undefined ? header('provider', 'Provider') : null}
              <th scope="col">Status</th>
              <th scope="col">Node</th>
              <th scope="col">Enabled</th>
              {header('updatedAt', 'Updated')}
              {canEdit ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} aria-selected={canEdit ? selection.isSelected(r.id) : undefined}>
                {canEdit ? (
                  <td className="select-cell">
                    <RowCheckbox selection={selection} id={r.id} pageIds={pageIds} />
                  </td>
                ) : null}
                <td className="num">
                  <Link href={`/registrations/${r.id}`}>#{r.id}</Link>
                </td>
                <td className="mono">{r.username}</td>
                <td className="mono">{r.domain}</td>
                <td className="mono">{r.ddi}</td>
                {providerId === undefined ? (
                  <td>
                    <Link href={`/providers/${r.ddiProviderId}`}>{r.ddiProviderName}</Link>
                  </td>
                ) : null}
                <td>
                  <LiveStatusBadge id={r.id} status={r.status} />
                </td>
                <td className="nowrap">
                  <LeaseHolder lease={r.lease} compact />
                </td>
                <td>{r.enabled ? 'Yes' : <span className="muted">No</span>}</td>
                <td className="nowrap">{formatTime(r.updatedAt)}</td>
                {canEdit ? (
                  <td className="row-actions">
                    <Link className="button button-small" href={`/registrations/${r.id}`} aria-label={`Edit registration #${r.id}`}>
                      Edit
                    </Link>
                    <DeleteRegistrationButton registration={r} small onDeleted={setNotice} />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <nav className="pager" aria-label="Pagination">
        <button type="button" className="button button-small" onClick={() => setPage(1)} disabled={page <= 1}>
          « First
        </button>
        <button type="button" className="button button-small" onClick={() => setPage((p) => Math.max(1, p - 1))} disabled={page <= 1}>
          ‹ Previous
        </button>
        <span aria-current="page">
          Page {page.toLocaleString()} of {pages.toLocaleString()}
        </span>
        <button type="button" className="button button-small" onClick={() => setPage((p) => Math.min(pages, p + 1))} disabled={page >= pages}>
          Next ›
        </button>
        <button type="button" className="button button-small" onClick={() => setPage(pages)} disabled={page >= pages}>
          Last »
        </button>
      </nav>
    </div>
  );
}
