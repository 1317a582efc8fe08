'use client';

import Link from 'next/link';
import { keepPreviousData, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, keys } from '@/lib/client/api';
import { describeLocalCause, formatClock, formatDuration, formatOutcome, formatRelative, formatTransport } from '@/lib/client/format';
import { hasStatusSnapshot, mergeStatus, useLiveNow, useStaleSince, useStatusMap, type StatusMap } from '@/lib/client/live';
import { useCan } from '@/lib/client/session';
import { useDebounced } from '@/lib/client/use-debounced';
import type { RegistrationList, Registration, RegistrationListParams, RegistrationStatus, RegistrationSummary } from '@/lib/client/types';
import type { RegistrationState } from '@/registrar/domain/vocabulary';
import { projectRefresh } from '@/lib/registrations/projection';
import { StateHistoryChart } from './charts/StateHistoryChart';
import { EngineCalls } from './EngineCalls';
import { ErrorNote } from './ErrorNote';
import { FirstRun } from './FirstRun';
import { StatusBadge } from './StatusBadge';
import { StreamLostBanner } from './StreamLostBanner';
import { TableToolbar, ToolbarSelect } from './TableToolbar';

type Row = {
  r: Registration;
  s: RegistrationStatus | null;
  /** since when in the current state (epoch ms) */
  since: number | null;
};

type Group = 'registered' | 'retrying' | 'rejected' | 'progress' | 'disabled' | 'unregistered' | 'none';
const GROUPS: { key: Group; label: string; states: (RegistrationState | 'none')[] }[] = [
  { key: 'registered', label: 'Registered', states: ['registered'] },
  { key: 'retrying', label: 'Retrying', states: ['retrying'] },
  { key: 'rejected', label: 'Rejected', states: ['rejected'] },
  { key: 'progress', label: 'Pending / registering', states: ['pending', 'registering'] },
  { key: 'disabled', label: 'Disabled', states: ['disabled'] },
  { key: 'unregistered', label: 'Unregistered', states: ['unregistered', 'unregistering'] },
  { key: 'none', label: 'No status yet', states: ['none'] },
];
const PROBLEMS_SHOWN = 100;
const ROW_HEIGHT = 41;
/** Rows per window page fetched from GET /api/registrations (one request per page in view). */
const WINDOW = 100;
/** Pushed events refetch the (small) summary at most this often: counts and problems follow the stream. */
const SUMMARY_REFRESH_MS = 1000;
/** Window pages scrolled out of view are dropped from the cache after this long. */
const WINDOW_GC_MS = 30_000;

type Counts = Record<Group, number>;

type Filter = 'all' | 'problems' | Group;

function countsOf(summary: RegistrationSummary): Counts {
  const c = summary.counts;
  return {
    registered: c.registered,
    retrying: c.retrying,
    rejected: c.rejected,
    progress: c.pending + c.registering,
    disabled: c.disabled,
    unregistered: c.unregistered + c.unregistering,
    none: c.none,
  };
}

/** A fetched registration with its pushed status merged in, and since when it is in that state. */
function toRow(r: Registration, map: StatusMap): Row {
  const live = map.get(r.id);
  const s = mergeStatus(r.status, live);
  const since = live && s && s.at === live.at ? live.since : (s?.at ?? null);
  return { r, s, since };
}

/** The `state` filter of GET /api/registrations for a table filter (undefined: all). */
function stateParam(filter: Filter): string | undefined {
  if (filter === 'all') return undefined;
  if (filter === 'problems') return 'retrying,rejected';
  return GROUPS.find((g) => g.key === filter)!.states.join(',');
}

/**
 * Counts per state and the first problems, from the server (GET /api/registrations/summary: cost
 * independent of N). Pushed events refetch it, at most every SUMMARY_REFRESH_MS; a change of the
 * total (registrations created or deleted elsewhere) refetches the table's window pages.
 */
function useSummary(map: StatusMap) {
  const client = useQueryClient();
  const q = useQuery({ queryKey: keys.registrationSummary, queryFn: () => api.registrations.summary(PROBLEMS_SHOWN), placeholderData: keepPreviousData });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const firstMap = useRef<StatusMap | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  useEffect(() => {
    if (!hasStatusSnapshot(map)) return;
    firstMap.current ??= map; // the snapshot itself says nothing new
    if (firstMap.current === map || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      void client.invalidateQueries({ queryKey: keys.registrationSummary, exact: true });
    }, SUMMARY_REFRESH_MS);
  }, [map, client]);
  const total = q.data?.total;
  const lastTotal = useRef(total);
  useEffect(() => {
    if (total === undefined || lastTotal.current === total) return;
    const before = lastTotal.current;
    lastTotal.current = total;
    if (before !== undefined) void client.invalidateQueries({ queryKey: [...keys.registrations, 'list'] });
  }, [total, client]);
  return q;
}

export function Dashboard() {
  const map = useStatusMap();
  const summary = useSummary(map);
  const providers = useQuery({ queryKey: keys.providers, queryFn: api.providers.list });
  const canEdit = useCan('editor');
  const counts = useMemo(() => (summary.data ? countsOf(summary.data) : null), [summary.data]);
  const problems = useMemo(() => (summary.data?.problems.items ?? []).map((r) => toRow(r, map)), [summary.data, map]);

  const [filter, setFilter] = useState<Filter>('all');
  const tableRef = useRef<HTMLElement>(null);
  const pick = (f: Filter) => {
    setFilter(f);
    tableRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };

  const loading = summary.data === undefined && !summary.isError;
  const total = summary.data?.total;
  return (
    <>
      <StreamLostBanner />
      <ErrorNote error={summary.error ?? providers.error} />
      <section aria-labelledby="counts-title">
        <h2 id="counts-title" className="sr-only">
          Registrations per state
        </h2>
        <ul className="state-counts" aria-label="Registrations per state">
          <li className="state-count state-count-total">
            <Link href="/registrations">
              <span className="stat-value">{total === undefined ? '…' : total.toLocaleString()}</span>
              <span className="stat-label">Registrations</span>
            </Link>
          </li>
          {GROUPS.filter((g) => g.key !== 'none' || (counts?.none ?? 0) > 0).map((g) => (
            <li key={g.key} className={`state-count state-count-${g.key}`} data-group={g.key}>
              <button type="button" onClick={() => pick(g.key)} aria-label={`${g.label}: ${counts ? counts[g.key] : 'loading'} — show in the table`}>
                <span className="stat-value">{counts ? counts[g.key].toLocaleString() : '…'}</span>
                <span className="stat-label">{g.label}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <EngineCalls />
      <StateHistoryChart />

      <Problems problems={problems} count={summary.data?.problems.total ?? null} loading={loading} onShowAll={() => pick('problems')} />

      {total === 0 ? <FirstRun /> : null}
      <section ref={tableRef} aria-labelledby="all-title" className="dash-section">
        <div className="section-head">
          <h2 id="all-title">All registrations</h2>
          {canEdit ? (
            <div className="actions">
              <Link href="/providers/new" className="button button-small">
                New provider
              </Link>
              <Link href="/registrations/new" className="button button-small button-primary">
                New registration
              </Link>
            </div>
          ) : null}
        </div>
        <AllTable
          map={map}
          total={total}
          filter={filter}
          setFilter={setFilter}
          providers={providers.data?.map((p) => ({ id: p.id, name: p.name })) ?? []}
        />
      </section>
    </>
  );
}

function Outcome({ s }: { s: RegistrationStatus | null }) {
  if (!s) return <span className="muted">—</span>;
  const local = !s.code && s.reason ? describeLocalCause(s.reason) : undefined;
  return (
    <span className={local ? 'local-cause' : undefined} title={local}>
      {formatOutcome(s.code, s.reason)}
    </span>
  );
}

/**
 * Retrying and rejected registrations: the first PROBLEMS_SHOWN from the server (rejected first,
 * then the longest in their state), and `count`, how many there are in all.
 */
function Problems({ problems, count, loading, onShowAll }: { problems: Row[]; count: number | null; loading: boolean; onShowAll: () => void }) {
  const now = useLiveNow(1000);
  const staleSince = useStaleSince();
  const shown = problems.slice(0, PROBLEMS_SHOWN);
  const total = count ?? 0;
  const more = Math.max(0, total - shown.length);
  return (
    <section aria-labelledby="problems-title" className="dash-section" aria-busy={loading}>
      <div className="section-head">
        <h2 id="problems-title">
          Problems {total > 0 ? <span className="count-pill">{total.toLocaleString()}</span> : null}
          {staleSince !== null ? <span className="muted as-of"> as of {formatClock(staleSince)}</span> : null}
        </h2>
      </div>
      {problems.length === 0 && !loading ? (
        staleSince !== null ? (
          <p className="empty">Not known: the states shown are from {formatClock(staleSince)}, not live.</p>
        ) : (
          <p className="empty ok-note">No problems: no registration is retrying or rejected.</p>
        )
      ) : problems.length === 0 ? (
        <p className="muted">Loading…</p>
      ) : (
        <div className="table-wrap">
          <table className="table problems-table">
            <caption className="sr-only">Registrations that are retrying or rejected</caption>
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Account</th>
                <th scope="col">DDI</th>
                <th scope="col">State</th>
                <th scope="col">Last response</th>
                <th scope="col">For</th>
                <th scope="col">Next attempt</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <tr key={row.r.id} data-registration-id={row.r.id}>
                  <td>{row.r.ddiProviderName}</td>
                  <td className="mono">
                    <Link href={`/registrations/${row.r.id}`}>
                      {row.r.username}@{row.r.domain}
                    </Link>
                  </td>
                  <td className="mono">{row.r.ddi}</td>
                  <td>
                    <StatusBadge status={row.s} live />
                  </td>
                  <td>
                    <Outcome s={row.s} />
                  </td>
                  <td className="nowrap">{row.since ? `for ${formatDuration(now - row.since)}` : '—'}</td>
                  <td className="nowrap">
                    {row.s?.nextAttemptAt ? (
                      <span title={formatClock(row.s.nextAttemptAt)}>
                        {formatClock(row.s.nextAttemptAt)} <span className="muted">({formatRelative(row.s.nextAttemptAt, now)})</span>
                      </span>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {more > 0 ? (
            <p className="table-foot">
              …and {more.toLocaleString()} more.{' '}
              <button type="button" className="link-button" onClick={onShowAll}>
                Show all problems in the table
              </button>
            </p>
          ) : null}
        </div>
      )}
    </section>
  );
}

type TableProps = {
  map: StatusMap;
  /** all registrations (from the summary), to say "x of N match" */
  total: number | undefined;
  filter: Filter;
  setFilter: (f: Filter) => void;
  providers: { id: number; name: string }[];
};

/**
 * The rows of a filtered list by window: pages of WINDOW rows (GET /api/registrations, server-side
 * search, filter and id order) for the rows in view only, plus the first page for the count. The
 * live stream patches the status of cached pages (lib/client/live.tsx), so rows in view follow it.
 */
function useWindowRows(base: Omit<RegistrationListParams, 'page' | 'pageSize'>, range: { first: number; last: number } | null) {
  const params = useCallback((page: number): RegistrationListParams => ({ ...base, page, pageSize: WINDOW }), [base]);
  const head = useQuery({
    queryKey: keys.registrationList(params(1)),
    queryFn: () => api.registrations.list(params(1)),
    placeholderData: keepPreviousData,
    gcTime: WINDOW_GC_MS,
  });
  const pages: number[] = [];
  if (range) for (let p = Math.floor(range.first / WINDOW) + 1; p <= Math.floor(range.last / WINDOW) + 1; p++) if (p > 1) pages.push(p);
  const windows = useQueries({
    queries: pages.map((page) => ({
      queryKey: keys.registrationList(params(page)),
      queryFn: () => api.registrations.list(params(page)),
      gcTime: WINDOW_GC_MS,
    })),
  });
  const byPage = new Map<number, RegistrationList>();
  if (head.data && !head.isPlaceholderData) byPage.set(1, head.data);
  pages.forEach((p, i) => {
    const d = windows[i]?.data;
    if (d) byPage.set(p, d);
  });
  const at = (index: number): Registration | undefined => byPage.get(Math.floor(index / WINDOW) + 1)?.items[index % WINDOW];
  return {
    /** rows matching (from the newest page answer), undefined until the first one */
    total: head.data?.total,
    at,
    loading: head.isLoading,
    fetching: head.isFetching || windows.some((w) => w.isFetching),
    error: head.error ?? windows.find((w) => w.error)?.error ?? null,
  };
}

function AllTable({ map, total: all, filter, setFilter, providers }: TableProps) {
  const uid = useId();
  const [q, setQ] = useState('');
  const [provider, setProvider] = useState<number | null>(null);
  const query = useDebounced(q.trim(), 150);
  const base = useMemo(
    () => ({ q: query || undefined, ddiProviderId: provider ?? undefined, state: stateParam(filter), sort: 'id' as const, order: 'asc' as const }),
    [query, provider, filter],
  );
  const [range, setRange] = useState<{ first: number; last: number } | null>(null);
  const rows = useWindowRows(base, range);
  const count = rows.total ?? 0;

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    setRange((r) => (r && r.first === first && r.last === last ? r : { first, last }));
  }, [first, last]);
  // a new filter starts at the top
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [base]);
  const padTop = items.length > 0 ? items[0]!.start : 0;
  const padBottom = items.length > 0 ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;
  const now = useLiveNow(1000);
  const staleSince = useStaleSince();
  const filtered = base.q !== undefined || base.ddiProviderId !== undefined || base.state !== undefined;

  return (
    <div className="list">
      <TableToolbar
        search={{ value: q, onChange: setQ, placeholder: 'Username, domain, DDI, provider…', controls: `${uid}-table` }}
        filters={
          <>
            <ToolbarSelect
              label="State"
              value={filter}
              onChange={(v) => setFilter(v as Filter)}
              options={[{ value: 'all', label: 'All states' }, { value: 'problems', label: 'Problems (retrying, rejected)' }, ...GROUPS.map((g) => ({ value: g.key, label: g.label }))]}
            />
            <ToolbarSelect
              label="Provider"
              value={provider === null ? '' : String(provider)}
              onChange={(v) => setProvider(v ? Number(v) : null)}
              options={[{ value: '', label: 'All providers' }, ...providers.map((p) => ({ value: String(p.id), label: p.name }))]}
            />
          </>
        }
      />
      <ErrorNote error={rows.error} />
      <p className="muted count" aria-live="polite">
        {rows.total === undefined
          ? 'Loading registrations…'
          : !filtered
            ? `${count.toLocaleString()} registration${count === 1 ? '' : 's'}`
            : `${count.toLocaleString()} of ${(all ?? count).toLocaleString()} registrations match`}
        {staleSince !== null ? ` · states and times as of ${formatClock(staleSince)}, not live` : null}
      </p>
      <div className="table-wrap virtual-wrap" ref={scrollRef} id={`${uid}-table`} aria-busy={rows.fetching}>
        <table className="table live-table" aria-rowcount={count + 1}>
          <caption className="sr-only">All registrations with their live state</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                ID
              </th>
              <th scope="col">Provider</th>
              <th scope="col">Account</th>
              <th scope="col">DDI</th>
              <th scope="col">State</th>
              <th scope="col">Last response</th>
              <th scope="col">For</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {padTop > 0 ? (
              <tr aria-hidden="true" className="spacer">
                <td colSpan={8} style={{ height: padTop }} />
              </tr>
            ) : null}
            {items.map((v) => {
              const r = rows.at(v.index);
              return r ? <LiveRow key={r.id} r={r} live={map} now={now} index={v.index} /> : <PendingRow key={`i${v.index}`} index={v.index} />;
            })}
            {padBottom > 0 ? (
              <tr aria-hidden="true" className="spacer">
                <td colSpan={8} style={{ height: padBottom }} />
              </tr>
            ) : null}
          </tbody>
        </table>
        {rows.total === 0 ? <p className="empty">No registrations match.</p> : null}
      </div>
    </div>
  );
}

/** A row in view whose window page is still on its way. */
function PendingRow({ index }: { index: number }) {
  return (
    <tr aria-rowindex={index + 2} style={{ height: ROW_HEIGHT }} className="pending-row">
      <td colSpan={8} className="muted">
        Loading…
      </td>
    </tr>
  );
}

/** One row: re-renders when its registration, its pushed status or the clock changes. */
const LiveRow = memo(
  function LiveRow({ r, live, now, index }: { r: Registration; live: StatusMap; now: number; index: number }) {
  const row = toRow(r, live);
  const { s } = row;
  // refreshes in place are not pushed: the expiry of the latest one is projected
  const expiresAt = s?.state === 'registered' ? projectRefresh(s, now).expiresAt : null;
  return (
    <tr data-registration-id={r.id} aria-rowindex={index + 2} style={{ height: ROW_HEIGHT }}>
      <td className="num">
        <Link href={`/registrations/${r.id}`}>#{r.id}</Link>
      </td>
      <td className="clip">{r.ddiProviderName}</td>
      <td className="mono clip">
        {r.username}@{r.domain}
      </td>
      <td className="mono">{r.ddi}</td>
      <td className="nowrap">
        <StatusBadge status={s} live />
        {/* transport auto: the one DNS chose, from the engine's status */}
        {r.transport === 'auto' && s?.target ? <span className="muted" data-transport> {formatTransport(r.transport, s.target)}</span> : null}
      </td>
      <td className="clip">
        <Outcome s={s} />
      </td>
      <td className="nowrap">{row.since ? formatDuration(now - row.since) : '—'}</td>
      <td className="nowrap">{expiresAt ? formatRelative(expiresAt, now) : '—'}</td>
    </tr>
  );
},
  (a, b) => a.r === b.r && a.now === b.now && a.index === b.index && a.live.get(a.r.id) === b.live.get(b.r.id),
);
