'use client';

import Link from 'next/link';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useDeferredValue, useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, keys } from '@/lib/client/api';
import { describeLocalCause, formatClock, formatDuration, formatOutcome, formatRelative, formatTransport } from '@/lib/client/format';
import { hasStatusSnapshot, mergeStatus, useLiveNow, useStaleSince, useStatusMap, type StatusMap } from '@/lib/client/live';
import { useCan } from '@/lib/client/session';
import type { Registration, RegistrationStatus } from '@/lib/client/types';
import type { RegistrationState } from '@/registrar/domain/vocabulary';
import { EngineCalls } from './EngineCalls';
import { ErrorNote } from './ErrorNote';
import { FirstRun } from './FirstRun';
import { StatusBadge } from './StatusBadge';
import { StreamLostBanner } from './StreamLostBanner';

type Row = {
  r: Registration;
  s: RegistrationStatus | null;
  /** since when in the current state (epoch ms) */
  since: number | null;
  search: string;
};

type Group = 'registered' | 'retrying' | 'rejected' | 'progress' | 'disabled' | 'unregistered' | 'none';
const GROUPS: { key: Group; label: string; states: (RegistrationState | null)[] }[] = [
  { key: 'registered', label: 'Registered', states: ['registered'] },
  { key: 'retrying', label: 'Retrying', states: ['retrying'] },
  { key: 'rejected', label: 'Rejected', states: ['rejected'] },
  { key: 'progress', label: 'Pending / registering', states: ['pending', 'registering'] },
  { key: 'disabled', label: 'Disabled', states: ['disabled'] },
  { key: 'unregistered', label: 'Unregistered', states: ['unregistered', 'unregistering'] },
  { key: 'none', label: 'No status yet', states: [null] },
];
const PROBLEM_STATES = new Set<RegistrationState>(['rejected', 'retrying']);
const PROBLEMS_SHOWN = 100;
const ROW_HEIGHT = 41;
/** While the list loads, pages are merged into what is shown at most this often (one render each). */
const MERGE_MS = 150;
const NO_REGISTRATIONS: Registration[] = [];

type Counts = Record<Group, number>;
const zeroCounts = (): Counts => ({ registered: 0, retrying: 0, rejected: 0, progress: 0, disabled: 0, unregistered: 0, none: 0 });

type Filter = 'all' | 'problems' | Group;

function toMs(v: number | string | null | undefined): number | null {
  if (v === null || v === undefined || v === '') return null;
  const t = typeof v === 'number' ? v : new Date(v).getTime();
  return Number.isNaN(t) ? null : t;
}

function groupOf(state: RegistrationState | null | undefined): Group {
  if (!state) return 'none';
  return GROUPS.find((g) => g.states.includes(state))?.key ?? 'none';
}

function buildRows(list: Registration[], map: StatusMap, prev: Map<number, Row>): Map<number, Row> {
  const out = new Map<number, Row>();
  for (const r of list) {
    const live = map.get(r.id);
    const old = prev.get(r.id);
    if (old && old.r === r && (live ? old.s?.at === live.at && old.s?.state === live.state : true)) {
      out.set(r.id, old); // unchanged: keep the object (memoised rows skip rendering)
      continue;
    }
    const s = mergeStatus(r.status, live);
    const since = live && s && toMs(s.at) === live.at ? live.since : toMs(s?.at);
    out.set(r.id, {
      r,
      s,
      since,
      search: old?.r === r ? old.search : `#${r.id} ${r.username}@${r.domain} ${r.ddi} ${r.ddiProviderName}`.toLowerCase(),
    });
  }
  return out;
}

type LoadedSoFar = { items: Registration[]; loaded: number; total: number };

/**
 * The whole registrations list, once, in pages of 500; refreshed when unknown ids show up in the
 * stream. While the first load runs, `partial` holds the registrations loaded so far (the pages
 * without a gap from page 1, so the list only grows at its end), merged at most every MERGE_MS.
 */
function useAllRegistrations(map: StatusMap) {
  const client = useQueryClient();
  const [partial, setPartial] = useState<LoadedSoFar | null>(null);
  const latest = useRef<{ loaded: number; total: number; prefix: () => Registration[] } | null>(null);
  const mergeTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastMerge = useRef(-Infinity);
  const merge = useCallback(() => {
    mergeTimer.current = null;
    const p = latest.current;
    // a background refetch keeps the complete list on screen: nothing to merge
    if (!p || client.getQueryData(keys.allRegistrations)) return;
    lastMerge.current = performance.now();
    setPartial({ items: p.prefix(), loaded: p.loaded, total: p.total });
  }, [client]);
  useEffect(
    () => () => {
      if (mergeTimer.current) clearTimeout(mergeTimer.current);
      mergeTimer.current = null;
    },
    [],
  );
  const q = useQuery({
    queryKey: keys.allRegistrations,
    queryFn: () =>
      api.registrations.all((loaded, total, prefix) => {
        latest.current = { loaded, total, prefix };
        if (mergeTimer.current) return; // the pending merge will take this page too
        const wait = lastMerge.current + MERGE_MS - performance.now();
        if (wait <= 0) merge(); // the first page is shown at once
        else mergeTimer.current = setTimeout(merge, wait);
      }),
    staleTime: 60_000,
  });
  // ids pushed by the stream but missing from the list: registrations created elsewhere. Each
  // unknown id triggers at most one reload (a deleted one stays unknown and is then ignored).
  const asked = useRef(new Set<number>());
  const known = useMemo(() => new Set(q.data?.map((r) => r.id) ?? []), [q.data]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  useEffect(() => {
    if (!q.data || q.isFetching || timer.current) return;
    const unknown: number[] = [];
    for (const id of map.keys()) if (!known.has(id) && !asked.current.has(id)) unknown.push(id);
    if (unknown.length === 0) return;
    for (const id of unknown) asked.current.add(id);
    timer.current = setTimeout(() => {
      timer.current = null;
      void client.invalidateQueries({ queryKey: keys.allRegistrations });
    }, 500);
  }, [map, known, q.data, q.isFetching, client]);
  const loading = q.data === undefined && !q.isError;
  return {
    data: q.data,
    error: q.error,
    /** what to show: the whole list once loaded, else what is loaded so far */
    list: q.data ?? partial?.items ?? NO_REGISTRATIONS,
    loading,
    progress: loading && partial ? { loaded: partial.loaded, total: partial.total } : null,
    total: q.data?.length ?? partial?.total,
  };
}

export function Dashboard() {
  const map = useStatusMap();
  const all = useAllRegistrations(map);
  const providers = useQuery({ queryKey: keys.providers, queryFn: api.providers.list });
  const canEdit = useCan('editor');
  const rowsRef = useRef(new Map<number, Row>());
  const rows = useMemo(() => {
    const next = buildRows(all.list, map, rowsRef.current);
    rowsRef.current = next;
    return next;
  }, [all.list, map]);
  const rowList = useMemo(() => [...rows.values()], [rows]);

  // Counts per state: from the rows once all are loaded; before that from the stream's snapshot
  // (states need no registration rows), registrations without a status being total − statuses.
  // Null until either is there.
  const snapshot = hasStatusSnapshot(map);
  const counts = useMemo((): Counts | null => {
    const c = zeroCounts();
    if (!all.loading) {
      for (const row of rowList) c[groupOf(row.s?.state)]++;
      return c;
    }
    if (!snapshot) return null;
    for (const s of map.values()) c[groupOf(s.state)]++;
    c.none = all.total === undefined ? 0 : Math.max(0, all.total - map.size);
    return c;
  }, [all.loading, all.total, rowList, map, snapshot]);

  const problems = useMemo(() => {
    const p = rowList.filter((row) => row.s && PROBLEM_STATES.has(row.s.state));
    p.sort((a, b) => (a.s!.state === b.s!.state ? (a.since ?? 0) - (b.since ?? 0) : a.s!.state === 'rejected' ? -1 : 1));
    return p;
  }, [rowList]);

  const [filter, setFilter] = useState<Filter>('all');
  const tableRef = useRef<HTMLElement>(null);
  const pick = (f: Filter) => {
    setFilter(f);
    tableRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  };

  const loading = all.loading;
  const total = all.total;
  return (
    <>
      <StreamLostBanner />
      <ErrorNote error={all.error ?? providers.error} />
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

      <Problems
        problems={problems}
        expected={counts ? counts.retrying + counts.rejected : null}
        loading={loading}
        onShowAll={() => pick('problems')}
      />

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
          rows={rowList}
          filter={filter}
          setFilter={setFilter}
          providers={providers.data?.map((p) => ({ id: p.id, name: p.name })) ?? []}
          loading={loading}
          progress={all.progress}
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
 * Retrying and rejected registrations. While the list loads, the ones loaded so far are shown and
 * `expected` (from the state counts) says how many there are in all.
 */
function Problems({
  problems,
  expected,
  loading,
  onShowAll,
}: {
  problems: Row[];
  expected: number | null;
  loading: boolean;
  onShowAll: () => void;
}) {
  const now = useLiveNow(1000);
  const staleSince = useStaleSince();
  const shown = problems.slice(0, PROBLEMS_SHOWN);
  const count = loading ? (expected ?? problems.length) : problems.length;
  const more = Math.max(0, count - shown.length);
  return (
    <section aria-labelledby="problems-title" className="dash-section" aria-busy={loading}>
      <div className="section-head">
        <h2 id="problems-title">
          Problems {count > 0 ? <span className="count-pill">{count.toLocaleString()}</span> : null}
          {staleSince !== null ? <span className="muted as-of"> as of {formatClock(staleSince)}</span> : null}
        </h2>
      </div>
      {problems.length === 0 && (!loading || expected === 0) ? (
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
              …and {more.toLocaleString()} more{loading && problems.length < count ? ' (loading)' : ''}.{' '}
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
  rows: Row[];
  filter: Filter;
  setFilter: (f: Filter) => void;
  providers: { id: number; name: string }[];
  loading: boolean;
  progress: { loaded: number; total: number } | null;
};

function AllTable({ rows, filter, setFilter, providers, loading, progress }: TableProps) {
  const uid = useId();
  const [q, setQ] = useState('');
  const [provider, setProvider] = useState<number | null>(null);
  const query = useDeferredValue(q.trim().toLowerCase());
  const filtered = useMemo(() => {
    const states = filter === 'all' ? null : filter === 'problems' ? null : GROUPS.find((g) => g.key === filter)!.states;
    return rows.filter((row) => {
      if (provider !== null && row.r.ddiProviderId !== provider) return false;
      const st = row.s?.state ?? null;
      if (filter === 'problems' && !(st && PROBLEM_STATES.has(st))) return false;
      if (states && !states.includes(st)) return false;
      if (query && !row.search.includes(query)) return false;
      return true;
    });
  }, [rows, filter, provider, query]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const getItemKey = useCallback((i: number) => filtered[i]?.r.id ?? i, [filtered]);
  const virtualizer = useVirtualizer({
    count: filtered.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey,
  });
  const items = virtualizer.getVirtualItems();
  const padTop = items.length > 0 ? items[0]!.start : 0;
  const padBottom = items.length > 0 ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;
  const now = useLiveNow(1000);
  const staleSince = useStaleSince();

  return (
    <div className="list">
      <div className="toolbar" role="search">
        <div className="toolbar-item grow">
          <label htmlFor={`${uid}-q`}>Search</label>
          <input
            id={`${uid}-q`}
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="Username, domain, DDI, provider…"
            aria-controls={`${uid}-table`}
          />
        </div>
        <div className="toolbar-item">
          <label htmlFor={`${uid}-state`}>State</label>
          <select id={`${uid}-state`} value={filter} onChange={(e) => setFilter(e.target.value as Filter)}>
            <option value="all">All states</option>
            <option value="problems">Problems (retrying, rejected)</option>
            {GROUPS.map((g) => (
              <option key={g.key} value={g.key}>
                {g.label}
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar-item">
          <label htmlFor={`${uid}-provider`}>Provider</label>
          <select id={`${uid}-provider`} value={provider ?? ''} onChange={(e) => setProvider(e.target.value ? Number(e.target.value) : null)}>
            <option value="">All providers</option>
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="muted count" aria-live="polite">
        {loading
          ? progress
            ? `Loading registrations… ${progress.loaded.toLocaleString()} of ${progress.total.toLocaleString()}`
            : 'Loading registrations…'
          : filtered.length === rows.length
            ? `${rows.length.toLocaleString()} registration${rows.length === 1 ? '' : 's'}`
            : `${filtered.length.toLocaleString()} of ${rows.length.toLocaleString()} registrations match`}
        {staleSince !== null ? ` · states and times as of ${formatClock(staleSince)}, not live` : null}
      </p>
      <div className="table-wrap virtual-wrap" ref={scrollRef} id={`${uid}-table`}>
        <table className="table live-table" aria-rowcount={filtered.length + 1}>
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
              const row = filtered[v.index]!;
              return <LiveRow key={row.r.id} row={row} now={now} index={v.index} />;
            })}
            {padBottom > 0 ? (
              <tr aria-hidden="true" className="spacer">
                <td colSpan={8} style={{ height: padBottom }} />
              </tr>
            ) : null}
          </tbody>
        </table>
        {!loading && filtered.length === 0 ? <p className="empty">No registrations match.</p> : null}
      </div>
    </div>
  );
}

const LiveRow = memo(function LiveRow({ row, now, index }: { row: Row; now: number; index: number }) {
  const { r, s } = row;
  const expiresAt = s?.state === 'registered' ? s.expiresAt : null;
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
});
