'use client';

/**
 * The live status stream: one EventSource (GET /api/events) for the whole app, fed into the
 * TanStack Query cache. Incoming events are batched per animation frame; each batch
 *  - updates the normalized status map (query key ['status-map']) that lists and the dashboard read,
 *  - patches `status` of cached registration pages and details (setQueriesData),
 *  - notifies per-registration listeners (the detail page refreshes its timeline and ladder).
 */
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { RegistrationState } from '../db/schema';
import type { StatusEvent } from '../live/types';
import { keys } from './api';
import type { Page, Registration, RegistrationStatus } from './types';

/** One registration's pushed status (the stream's payload), plus when the current state began. */
export type LiveStatus = Omit<StatusEvent, 'id'> & {
  /** Since when the registration has been in `state` (a refresh in the same state keeps it; retries keep 'retrying'). */
  since: number;
  /** Set while a retry ('registering' after 'retrying') is under way: 'retrying' resumes its `since`. */
  retryEpisode?: boolean;
};

/** `since` of the new status: kept while the state stays the same, or while retries go on. */
function sinceOf(before: LiveStatus | undefined, state: RegistrationState, at: number): Pick<LiveStatus, 'since' | 'retryEpisode'> {
  if (!before) return { since: at };
  if (before.state === state) return { since: before.since, retryEpisode: before.retryEpisode };
  if (before.state === 'retrying' && state === 'registering') return { since: before.since, retryEpisode: true };
  if (before.state === 'registering' && before.retryEpisode && state === 'retrying') return { since: before.since };
  return { since: at };
}

export type StatusMap = ReadonlyMap<number, LiveStatus>;
export const STATUS_MAP_KEY = ['status-map'] as const;
const EMPTY: StatusMap = new Map();

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'unsupported';

type Wire = Omit<LiveStatus, 'since' | 'retryEpisode'>;

function toMs(v: number | string | null | undefined): number | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return v;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? null : t;
}

/** The newer of a fetched status and a pushed one (by transition time), as a full status object. */
export function mergeStatus(base: RegistrationStatus | null | undefined, live: LiveStatus | undefined): RegistrationStatus | null {
  if (!live) return base ?? null;
  const baseAt = toMs(base?.at) ?? -Infinity;
  if (base && baseAt > live.at) return base;
  return {
    attempts: base?.attempts ?? 0,
    requestedExpires: base?.requestedExpires ?? null,
    grantedExpires: base?.grantedExpires ?? null,
    lastSuccessAt: live.state === 'registered' && !base ? live.at : (base?.lastSuccessAt ?? null),
    state: live.state,
    code: live.code,
    reason: live.reason,
    at: live.at,
    expiresAt: live.expiresAt,
    nextAttemptAt: live.nextAttemptAt,
    target: live.target,
  };
}

// ---------------------------------------------------------------- listeners (per registration)

type Listener = (ids: ReadonlySet<number>) => void;
type LiveContextValue = { subscribe: (fn: Listener) => () => void; connection: Connection };
const LiveContext = createContext<LiveContextValue | null>(null);

/** Calls `fn` (at most once per frame) whenever a pushed event concerns registration `id`. */
export function useOnLiveEvent(id: number | null, fn: () => void): void {
  const ctx = useContext(LiveContext);
  const ref = useRef(fn);
  useEffect(() => {
    ref.current = fn;
  });
  useEffect(() => {
    if (!ctx || id === null) return;
    return ctx.subscribe((ids) => {
      if (ids.has(id)) ref.current();
    });
  }, [ctx, id]);
}

export function useConnection(): Connection {
  return useContext(LiveContext)?.connection ?? 'connecting';
}

// ---------------------------------------------------------------- cache access

function statusMapQuery(client: QueryClient) {
  return {
    queryKey: STATUS_MAP_KEY,
    queryFn: () => client.getQueryData<StatusMap>(STATUS_MAP_KEY) ?? EMPTY,
    staleTime: Infinity,
    gcTime: Infinity,
    structuralSharing: false,
  } as const;
}

/**
 * Whether the stream's first `snapshot` (or any event) has reached the map: until then the map is
 * the empty placeholder, which says nothing about the registrations' states.
 */
export function hasStatusSnapshot(map: StatusMap): boolean {
  return map !== EMPTY;
}

/** The whole status map (re-renders on every batch; use for counts and filters). */
export function useStatusMap(): StatusMap {
  const client = useQueryClient();
  return useQuery(statusMapQuery(client)).data ?? EMPTY;
}

/** One registration's pushed status (re-renders only when that entry changes). */
export function useLiveStatus(id: number): LiveStatus | undefined {
  const client = useQueryClient();
  return useQuery({ ...statusMapQuery(client), select: (m: StatusMap) => m.get(id) }).data;
}

function applyBatch(client: QueryClient, snapshot: Wire[] | null, events: Wire[]): Set<number> {
  const touched = new Set<number>();
  const prev = snapshot ? EMPTY : (client.getQueryData<StatusMap>(STATUS_MAP_KEY) ?? EMPTY);
  const old = client.getQueryData<StatusMap>(STATUS_MAP_KEY) ?? EMPTY;
  const next = new Map(prev);
  const put = (w: Wire) => {
    const before = next.get(w.registrationId) ?? old.get(w.registrationId);
    if (before && before.at > w.at) return; // stale (replayed) event
    next.set(w.registrationId, { ...w, ...sinceOf(before, w.state, w.at) });
    touched.add(w.registrationId);
  };
  for (const w of snapshot ?? []) put(w);
  for (const w of events) put(w);
  client.setQueryData<StatusMap>(STATUS_MAP_KEY, next);
  if (touched.size === 0) return touched;

  // Patch `status` in cached pages and details (one pass each; untouched objects are kept).
  client.setQueriesData<Page<Registration>>({ queryKey: [...keys.registrations, 'list'] }, (page) => {
    if (!page || !Array.isArray(page.items)) return page;
    let changed = false;
    const items = page.items.map((r) => {
      if (!touched.has(r.id)) return r;
      const status = mergeStatus(r.status, next.get(r.id));
      if (status === r.status) return r;
      changed = true;
      return { ...r, status };
    });
    return changed ? { ...page, items } : page;
  });
  for (const id of touched) {
    const key = keys.registration(id);
    const r = client.getQueryData<Registration>(key);
    if (r) {
      const status = mergeStatus(r.status, next.get(id));
      if (status !== r.status) client.setQueryData<Registration>(key, { ...r, status });
    }
  }
  return touched;
}

// ---------------------------------------------------------------- provider

export function LiveProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [connection, setConnection] = useState<Connection>('connecting');
  const listeners = useRef(new Set<Listener>());
  const [ctx] = useState<Omit<LiveContextValue, 'connection'>>(() => ({
    subscribe: (fn: Listener) => {
      listeners.current.add(fn);
      return () => listeners.current.delete(fn);
    },
  }));

  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      setConnection('unsupported');
      return;
    }
    client.setQueryDefaults(STATUS_MAP_KEY, { staleTime: Infinity, gcTime: Infinity, structuralSharing: false });
    let source: EventSource | null = null;
    let lastId: string | null = null;
    let pendingSnapshot: Wire[] | null = null;
    let pending: Wire[] = [];
    let frame: number | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | null = null;
    let closed = false;

    const flush = () => {
      frame = null;
      const snapshot = pendingSnapshot;
      const events = pending;
      pendingSnapshot = null;
      pending = [];
      const touched = applyBatch(client, snapshot, events);
      if (touched.size > 0) for (const fn of listeners.current) fn(touched);
    };
    const schedule = () => {
      if (frame !== null) return;
      // rAF pauses in background tabs: fall back to a timer so the cache still keeps up.
      frame = document.hidden ? (setTimeout(flush, 250) as unknown as number) : requestAnimationFrame(flush);
    };

    const open = () => {
      if (closed) return;
      const url = lastId ? `/api/events?lastEventId=${encodeURIComponent(lastId)}` : '/api/events';
      const es = new EventSource(url);
      source = es;
      es.onopen = () => setConnection('live');
      es.addEventListener('snapshot', (e) => {
        const msg = e as MessageEvent<string>;
        if (msg.lastEventId) lastId = msg.lastEventId;
        try {
          const data = JSON.parse(msg.data) as { registrations?: Wire[] };
          pendingSnapshot = Array.isArray(data.registrations) ? data.registrations : [];
          pending = [];
          schedule();
        } catch {
          /* malformed snapshot: wait for the next one */
        }
      });
      es.addEventListener('status', (e) => {
        const msg = e as MessageEvent<string>;
        if (msg.lastEventId) lastId = msg.lastEventId;
        try {
          pending.push(JSON.parse(msg.data) as Wire);
          schedule();
        } catch {
          /* ignore one malformed event */
        }
      });
      es.onerror = () => {
        if (es.readyState === EventSource.CLOSED) {
          // The browser gave up (e.g. a non-200 answer): reopen ourselves, resuming from lastId.
          setConnection('reconnecting');
          es.close();
          retryTimer = setTimeout(open, 3000);
        } else {
          setConnection('reconnecting'); // the browser reconnects with Last-Event-ID
        }
      };
    };
    open();
    return () => {
      closed = true;
      source?.close();
      if (retryTimer) clearTimeout(retryTimer);
      if (frame !== null) {
        cancelAnimationFrame(frame);
        clearTimeout(frame);
      }
    };
  }, [client]);

  return <LiveContext.Provider value={{ ...ctx, connection }}>{children}</LiveContext.Provider>;
}

// ---------------------------------------------------------------- ticking clock

type Ticker = { subscribe: (cb: () => void) => () => void; get: () => number };
const tickers = new Map<number, Ticker>();

/** One shared clock per period; `subscribe`/`get` are stable so React never resubscribes. */
function ticker(ms: number): Ticker {
  let t = tickers.get(ms);
  if (t) return t;
  let now = Date.now();
  const subs = new Set<() => void>();
  let timer: ReturnType<typeof setInterval> | null = null;
  t = {
    subscribe: (cb) => {
      subs.add(cb);
      timer ??= setInterval(() => {
        now = Date.now();
        for (const s of subs) s();
      }, ms);
      return () => {
        subs.delete(cb);
        if (subs.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    get: () => now,
  };
  tickers.set(ms, t);
  return t;
}

const serverNow = () => 0;

/** The current time, re-rendering every `ms` (one shared interval per period). */
export function useNow(ms = 1000): number {
  const t = ticker(ms);
  return useSyncExternalStore(t.subscribe, t.get, serverNow);
}
