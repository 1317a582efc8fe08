'use client';

/**
 * The live status stream: one EventSource (GET /api/events) for the whole app, fed into the
 * TanStack Query cache. Incoming events are batched per animation frame; each batch
 *  - updates the normalized status map (query key ['status-map']) that lists and the dashboard read,
 *  - patches `status` of cached registration pages and details (setQueriesData),
 *  - notifies per-registration listeners (the detail page refreshes its timeline and ladder).
 * It also keeps the truth about the states shown: the registrar engine's health (pushed with the
 * snapshot and as `engine` events, at least every 5 s) and when the stream was lost. A stream
 * silent for STREAM_SILENCE_MS is taken for dead and reopened (resuming with Last-Event-ID); one
 * lost for STALE_AFTER_MS makes the states on screen "stale" (useStaleSince).
 */
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { RegistrationState } from '../../registrar/domain/vocabulary';
import type { EngineHealth } from '../engine/health';
import type { StatusEvent } from '../live/types';
import { grantedFromTransition } from '../registrations/projection';
import { keys } from './api';
import { createStreamResync } from './stream-resync';
import type { RegistrationList, Registration, RegistrationStatus } from './types';

/** One registration's pushed status (the stream's payload), plus when the current state began. */
export type LiveStatus = Omit<StatusEvent, 'id'> & {
  /** Since when the registration has been in `state` (a refresh in the same state keeps it; retries keep 'retrying'). */
  since: number;
  /** Set while a retry ('registering' after 'retrying') is under way: 'retrying' resumes its `since`. */
  retryEpisode?: boolean;
  /** Granted lifetime, s (the snapshot says; a `registered` transition implies it): projects refreshes (projectRefresh). */
  grantedExpires: number | null;
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
const STATUS_MAP_KEY = ['status-map'] as const;
/**
 * Pushed statuses kept in the map (the most recently changed): each batch copies it, so it must
 * not grow towards N under a steady flow of events (a copy of 100,000 entries took 12–19 ms in Node on the 2-core machine, 5,000 0.4 ms). One
 * dropped loses only its `since` across a retry episode: the cached pages keep its status.
 */
const STATUS_MAP_MAX = 5_000;
const EMPTY: StatusMap = new Map();

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'unsupported';

type Wire = Omit<LiveStatus, 'since' | 'retryEpisode' | 'grantedExpires'> & { grantedExpires?: number | null };

/**
 * The newer of a fetched status and a pushed one (by transition time), as a full status object.
 * Of two with the same transition (refreshes in place move only the expiry and next attempt, and
 * are not pushed), the one that saw the later refresh.
 */
export function mergeStatus(base: RegistrationStatus | null | undefined, live: LiveStatus | undefined): RegistrationStatus | null {
  if (!live) return base ?? null;
  const baseAt = base?.at ?? -Infinity;
  if (base && baseAt > live.at) return base;
  if (base && baseAt === live.at && (base.nextAttemptAt ?? -Infinity) >= (live.nextAttemptAt ?? -Infinity)) return base;
  return {
    attempts: base?.attempts ?? 0,
    requestedExpires: base?.requestedExpires ?? null,
    grantedExpires: live.grantedExpires ?? base?.grantedExpires ?? null,
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
type LiveContextValue = {
  subscribe: (fn: Listener) => () => void;
  connection: Connection;
  /** The registrar engine's health, as last pushed (or as the page was rendered with). */
  engine: EngineHealth | null;
  /** When the stream was lost (null while connected and resynced). */
  lostAt: number | null;
  /** The stream has been lost for more than STALE_AFTER_MS. */
  streamStale: boolean;
};
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

/** A stream with no event (the engine event comes at least every 5 s) for this long is dead. */
const STREAM_SILENCE_MS = 12_000;
/** A stream lost for longer than this makes the states on screen stale. */
const STALE_AFTER_MS = 5_000;

export type LiveHealth = Pick<LiveContextValue, 'connection' | 'engine' | 'lostAt' | 'streamStale'>;

/** The stream's connection, the engine's health and whether the states shown are stale. */
export function useLiveHealth(): LiveHealth {
  const ctx = useContext(LiveContext);
  return { connection: ctx?.connection ?? 'connecting', engine: ctx?.engine ?? null, lostAt: ctx?.lostAt ?? null, streamStale: ctx?.streamStale ?? false };
}

/**
 * Since when the states on screen are not live (null while they are): since the stream was lost
 * (after STALE_AFTER_MS), else since the engine stopped.
 */
export function useStaleSince(): number | null {
  const { streamStale, lostAt, engine } = useLiveHealth();
  if (streamStale && lostAt !== null) return lostAt;
  if (engine?.state === 'stopped') return engine.since ?? engine.heartbeatAt;
  return null;
}

/** useNow for countdowns: frozen at the moment the states became stale, so they do not pretend. */
export function useLiveNow(ms = 1000): number {
  const now = useNow(ms);
  return useStaleSince() ?? now;
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
    const grantedExpires = w.grantedExpires ?? grantedFromTransition(w) ?? (before?.state === w.state ? before.grantedExpires : null);
    next.delete(w.registrationId); // to the end: the map is kept in order of last change
    next.set(w.registrationId, { ...w, grantedExpires, ...sinceOf(before, w.state, w.at) });
    touched.add(w.registrationId);
  };
  for (const w of snapshot ?? []) put(w);
  for (const w of events) put(w);
  for (const id of next.keys()) {
    if (next.size <= STATUS_MAP_MAX) break;
    next.delete(id); // the least recently changed: cached pages hold its status (patched below)
  }
  client.setQueryData<StatusMap>(STATUS_MAP_KEY, next);
  if (touched.size === 0) return touched;

  // Patch `status` in cached pages and details (one pass each; untouched objects are kept).
  client.setQueriesData<RegistrationList>({ queryKey: [...keys.registrations, 'list'] }, (page) => {
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

export function LiveProvider({ children, initialEngine = null }: { children: ReactNode; initialEngine?: EngineHealth | null }) {
  const client = useQueryClient();
  const [connection, setConnection] = useState<Connection>('connecting');
  const [engine, setEngine] = useState<EngineHealth | null>(initialEngine);
  const [lostAt, setLostAt] = useState<number | null>(null);
  const [streamStale, setStreamStale] = useState(false);
  const listeners = useRef(new Set<Listener>());
  const [ctx] = useState<Pick<LiveContextValue, 'subscribe'>>(() => ({
    subscribe: (fn: Listener) => {
      listeners.current.add(fn);
      return () => listeners.current.delete(fn);
    },
  }));

  // The stream lost for STALE_AFTER_MS makes the states stale, until it is back and resynced.
  useEffect(() => {
    if (lostAt === null) {
      setStreamStale(false);
      return;
    }
    const t = setTimeout(() => setStreamStale(true), Math.max(0, lostAt + STALE_AFTER_MS - Date.now()));
    return () => clearTimeout(t);
  }, [lostAt]);

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
    let heardAt = Date.now();
    const resync = createStreamResync(client);

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
    /** A new heartbeat alone changes nothing on screen: the state object is kept (no re-render). */
    const updateEngine = (next: EngineHealth) =>
      setEngine((prev) => (prev && prev.state === next.state && prev.since === next.since && prev.reason === next.reason && prev.bind === next.bind ? prev : next));
    /** The stream is gone: remember since when (the first loss counts until resynced). */
    const lost = () => {
      setConnection('reconnecting');
      setLostAt((at) => at ?? Date.now());
    };
    /** Something arrived: the stream is alive; a snapshot or the engine's health means resynced. */
    const heard = (resynced: boolean) => {
      heardAt = Date.now();
      if (resynced) setLostAt(null);
    };

    const open = () => {
      if (closed) return;
      // No statuses in the snapshot: rows come from the API (./stream-resync.ts keeps them current).
      const url = lastId ? `/api/events?snapshot=none&lastEventId=${encodeURIComponent(lastId)}` : '/api/events?snapshot=none';
      const es = new EventSource(url);
      source = es;
      heardAt = Date.now();
      es.onopen = () => setConnection('live');
      es.addEventListener('snapshot', (e) => {
        const msg = e as MessageEvent<string>;
        if (msg.lastEventId) lastId = msg.lastEventId;
        try {
          const data = JSON.parse(msg.data) as { registrations?: Wire[] | null; engine?: EngineHealth };
          pendingSnapshot = Array.isArray(data.registrations) ? data.registrations : [];
          pending = [];
          if (data.engine) updateEngine(data.engine);
          if (msg.lastEventId && /^\d+$/.test(msg.lastEventId)) resync.snapshot(Number(msg.lastEventId));
          heard(true);
          schedule();
        } catch {
          /* malformed snapshot: wait for the next one */
        }
      });
      es.addEventListener('status', (e) => {
        const msg = e as MessageEvent<string>;
        if (msg.lastEventId) lastId = msg.lastEventId;
        heard(false);
        try {
          pending.push(JSON.parse(msg.data) as Wire);
          schedule();
        } catch {
          /* ignore one malformed event */
        }
      });
      es.addEventListener('engine', (e) => {
        try {
          updateEngine(JSON.parse((e as MessageEvent<string>).data) as EngineHealth);
          heard(true);
        } catch {
          /* ignore one malformed event */
        }
      });
      es.onerror = () => {
        lost();
        if (es.readyState === EventSource.CLOSED) {
          // The browser gave up (e.g. a non-200 answer): reopen ourselves, resuming from lastId.
          es.close();
          retryTimer = setTimeout(open, 3000);
        } // else the browser reconnects with Last-Event-ID
      };
    };
    // An open stream that stays silent (a hung server, a dropped network path) is reopened.
    const watchdog = setInterval(() => {
      if (source?.readyState !== EventSource.OPEN || Date.now() - heardAt <= STREAM_SILENCE_MS) return;
      source.close();
      lost();
      open();
    }, 1000);
    open();
    return () => {
      closed = true;
      source?.close();
      resync.stop();
      clearInterval(watchdog);
      if (retryTimer) clearTimeout(retryTimer);
      if (frame !== null) {
        cancelAnimationFrame(frame);
        clearTimeout(frame);
      }
    };
  }, [client]);

  const value = useMemo(() => ({ ...ctx, connection, engine, lostAt, streamStale }), [ctx, connection, engine, lostAt, streamStale]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
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
function useNow(ms = 1000): number {
  const t = ticker(ms);
  return useSyncExternalStore(t.subscribe, t.get, serverNow);
}
