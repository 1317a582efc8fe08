'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useEffectEvent, useRef, useState } from 'react';
import { ApiError, api, keys } from '@/lib/client/api';
import {
  describeLocalCause,
  formatClock,
  formatDuration,
  formatOutcome,
  formatPercent,
  formatRelative,
  formatSeconds,
  formatTime,
  formatTransport,
} from '@/lib/client/format';
import { outcomeHint } from '@/lib/client/outcome-hints';
import { mergeStatus, useLiveNow, useLiveStatus, useOnLiveEvent, useStaleSince } from '@/lib/client/live';
import { useCan } from '@/lib/client/session';
import { projectRefresh } from '@/lib/registrations/projection';
import type { Registration, RegistrationStatus, StatusEventJson } from '@/lib/client/types';
import { AuditHistory } from './AuditHistory';
import { DeleteRegistrationButton } from './DeleteRegistrationButton';
import { AvailabilityChart } from './charts/AvailabilityChart';
import { ErrorNote } from './ErrorNote';
import { RegistrationForm } from './RegistrationForm';
import { RegistrationSettings } from './RegistrationSettings';
import { SipLadder } from './SipLadder';
import { LeaseHolder, leaseEnd } from './LeaseHolder';
import { StatusBadge } from './StatusBadge';
import { StreamLostBanner } from './StreamLostBanner';

/** Refreshes the detail's server-side views (full status, timeline, ladder, uptime) after pushed events, at most every 300 ms. */
function useLiveRefresh(id: number) {
  const client = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const refresh = () => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      void client.invalidateQueries({ queryKey: keys.registration(id) });
      void client.invalidateQueries({ queryKey: ['registration-live', id] });
    }, 300);
  };
  useOnLiveEvent(id, refresh);
  return refresh;
}

/**
 * A refresh that changes nothing is not pushed (the stream carries transitions): re-reads the
 * status and SIP messages shortly after each refresh due (projected from the status shown), soon
 * after opening or an operator's action, and at least every minute, which also renews the
 * engine's `watch` lease under which the messages of routine refreshes are stored for this page.
 * Returns the "after an action" trigger.
 */
function useFollowRefreshes(s: RegistrationStatus | null, refresh: () => void): () => void {
  const nextAt = s ? projectRefresh(s, Date.now()).nextAttemptAt : null;
  const next = nextAt === null ? null : new Date(nextAt).getTime();
  const [round, setRound] = useState({ n: 0 });
  // `refresh` changes every render and is throttled by its own timer: read as an effect event
  const onDue = useEffectEvent(refresh);
  useEffect(() => {
    // a next attempt already past (an engine that stopped) is not polled for: once a minute then
    const due = round.n === 0 ? 0 : next === null || next <= Date.now() ? 60_000 : next - Date.now() + 1_500;
    const t = setTimeout(() => {
      onDue();
      setRound({ n: round.n + 1 });
    }, Math.min(60_000, Math.max(2_000, due)));
    return () => clearTimeout(t);
  }, [next, round]);
  return () => setRound({ n: 0 });
}

export function RegistrationDetail({ id }: { id: number }) {
  // always load fresh: the form's defaults (and the revision) come from here
  const reg = useQuery({ queryKey: keys.registration(id), queryFn: () => api.registrations.get(id), staleTime: 0, refetchOnMount: 'always' });
  const live = useLiveStatus(id);
  const refresh = useLiveRefresh(id);
  const followAction = useFollowRefreshes(reg.data ? mergeStatus(reg.data.status, live) : null, refresh);
  const timeline = useQuery({ queryKey: keys.registrationEvents(id), queryFn: () => api.registrations.events(id, 200), staleTime: 5_000 });
  const canEdit = useCan('editor');
  if (reg.isLoading || (reg.isFetching && !reg.isFetchedAfterMount)) return <p className="muted">Loading registration…</p>;
  if (!reg.data) return <ErrorNote error={reg.error} what="This registration" />;
  const r = reg.data;
  const s = mergeStatus(r.status, live);
  const since = sinceFromTimeline(s, live && s && s.at === live.at ? live.since : s ? new Date(s.at).getTime() : null, timeline.data);
  return (
    <>
      <StreamLostBanner />
      <div className="page-head">
        <h1>
          Registration #{r.id} <span className="muted subtitle">{r.username}@{r.domain}</span>
        </h1>
        {canEdit ? (
          <div className="actions">
            <DeleteRegistrationButton registration={r} redirectTo="/registrations" />
          </div>
        ) : null}
      </div>
      <StatusCard
        r={r}
        s={s}
        since={since}
        onAction={() => {
          refresh();
          followAction();
        }}
      />
      <div className="detail-grid">
        <Uptime id={r.id} />
        <Timeline id={r.id} />
      </div>
      <Ladder id={r.id} />
      <section aria-labelledby="settings-title" className="detail-section">
        <h2 id="settings-title">Settings</h2>
        {/* the form follows newer versions itself while untouched, and reports a conflict when edited */}
        {canEdit ? <RegistrationForm key={r.id} mode="edit" registration={r} /> : <RegistrationSettings registration={r} />}
      </section>
      <AuditHistory registrationId={r.id} revision={r.revision} />
    </>
  );
}

/** Since when in the current state, from the timeline (newest first): retries do not restart 'retrying'. */
function sinceFromTimeline(s: RegistrationStatus | null, fallback: number | null, events: StatusEventJson[] | undefined): number | null {
  if (!s || !events || events.length === 0) return fallback;
  const same = (state: string) => state === s.state || (s.state === 'retrying' && state === 'registering');
  let since: number | null = null;
  for (const e of events) {
    if (!same(e.state)) break;
    if (e.state === s.state || since !== null) since = e.at;
  }
  if (since === null) return fallback;
  return fallback === null ? since : Math.min(since, fallback);
}

function Fact({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div data-fact={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function When({ at, now }: { at: number | null | undefined; now: number }) {
  if (at === null || at === undefined) return <>—</>;
  return (
    <>
      {formatClock(at)} <span className="muted">({formatRelative(at, now)})</span>
    </>
  );
}

function StatusCard({ r, s, since, onAction }: { r: Registration; s: RegistrationStatus | null; since: number | null; onAction: () => void }) {
  const now = useLiveNow(1000);
  const staleSince = useStaleSince();
  const canAct = useCan('editor');
  // refreshes in place are not pushed: expiry, next attempt and last success of the latest one are projected
  const shown = s ? projectRefresh(s, now) : null;
  const local = s && !s.code && s.reason ? describeLocalCause(s.reason) : undefined;
  const hint = s ? outcomeHint(s.code, s.reason) : undefined;
  return (
    <section className="card status-card" aria-labelledby="status-title">
      <div className="section-head">
        <h2 id="status-title">
          Status {staleSince !== null ? <span className="muted as-of">as of {formatClock(staleSince)}</span> : null}
        </h2>
        {canAct ? <Actions r={r} s={s} onAction={onAction} /> : null}
      </div>
      <dl className="facts" aria-live="polite">
        <Fact label="State" testId="state">
          <StatusBadge status={s} live /> {since && s ? <span className="muted">for {formatDuration(now - since)}</span> : null}
        </Fact>
        <Fact label="Last response" testId="response">
          {s ? (
            <span title={local}>
              {formatOutcome(s.code, s.reason)}
              {local ? <span className="muted"> — {local}</span> : null}
            </span>
          ) : (
            '—'
          )}
          {hint ? <span className="outcome-hint">{hint}</span> : null}
        </Fact>
        <Fact label="Expiry (requested / granted)" testId="expiry">
          {formatSeconds(s?.requestedExpires ?? r.expires)} / {s?.grantedExpires ? formatSeconds(s.grantedExpires) : '—'}
        </Fact>
        <Fact label="Binding expires" testId="expires-at">
          {shown?.expiresAt && shown.state === 'registered' ? <When at={shown.expiresAt} now={now} /> : '—'}
        </Fact>
        <Fact label="Target" testId="target">
          <span className="mono">{s?.target ?? '—'}</span>
        </Fact>
        <Fact label="Engine node" testId="node">
          <LeaseHolder lease={r.lease} />
          {r.lease ? (
            <span className="muted small">
              {' '}
              ({r.lease.live ? `lease until ${formatClock(r.lease.expiresAt)}` : leaseEnd(r.lease)})
            </span>
          ) : null}
        </Fact>
        <Fact label="Transport" testId="transport">
          {formatTransport(r.transport, s?.target)}
        </Fact>
        <Fact label="Failed attempts" testId="attempts">
          {s ? s.attempts : '—'}
        </Fact>
        <Fact label="Last success" testId="last-success">
          {shown?.lastSuccessAt ? <When at={shown.lastSuccessAt} now={now} /> : '—'}
        </Fact>
        <Fact label="Next attempt" testId="next-attempt">
          {shown?.nextAttemptAt ? <When at={shown.nextAttemptAt} now={now} /> : '—'}
        </Fact>
        <Fact label="Last change" testId="updated">
          {s ? formatTime(s.at) : '—'}
        </Fact>
      </dl>
    </section>
  );
}

function Actions({ r, s, onAction }: { r: Registration; s: RegistrationStatus | null; onAction: () => void }) {
  const client = useQueryClient();
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const action = useMutation({
    mutationFn: async (kind: 'register' | 'reset' | 'unregister' | 'enable' | 'disable') => {
      if (kind === 'register' || kind === 'reset') await api.registrations.registerNow(r.id);
      else if (kind === 'unregister') await api.registrations.unregister(r.id);
      else await api.registrations.setEnabled(r.id, kind === 'enable');
      return kind;
    },
    onSuccess: (kind) => {
      const text = {
        register: 'REGISTER queued.',
        reset: 'Backoff reset; REGISTER queued.',
        unregister: 'Unregister (Expires: 0) queued.',
        enable: 'Enabled.',
        disable: 'Disabled.',
      }[kind];
      setNotice({ kind: 'ok', text });
      void client.invalidateQueries({ queryKey: keys.registrations });
      onAction();
    },
    onError: (err) => {
      const text =
        err instanceof ApiError && err.code === 'disabled'
          ? 'This registration is disabled: enable it first.'
          : err instanceof Error
            ? err.message
            : 'The action failed.';
      setNotice({ kind: 'error', text });
    },
  });
  const busy = action.isPending;
  const troubled = s?.state === 'retrying' || s?.state === 'rejected';
  return (
    <div className="status-actions">
      <div className="actions" role="group" aria-label="Operator actions">
        <button type="button" className="button button-small button-primary" disabled={busy || !r.enabled} onClick={() => action.mutate('register')}>
          Register now
        </button>
        {troubled ? (
          <button type="button" className="button button-small" disabled={busy || !r.enabled} onClick={() => action.mutate('reset')} title="Forget the retry backoff and register now">
            Reset backoff
          </button>
        ) : null}
        <button type="button" className="button button-small" disabled={busy || !r.enabled} onClick={() => action.mutate('unregister')}>
          Unregister
        </button>
        {r.enabled ? (
          <button type="button" className="button button-small" disabled={busy} onClick={() => action.mutate('disable')}>
            Disable
          </button>
        ) : (
          <button type="button" className="button button-small" disabled={busy} onClick={() => action.mutate('enable')}>
            Enable
          </button>
        )}
      </div>
      <p role="status" className={`action-note ${notice?.kind === 'error' ? 'action-error' : ''}`}>
        {notice?.text ?? ''}
      </p>
    </div>
  );
}

function Uptime({ id }: { id: number }) {
  const q = useQuery({ queryKey: keys.registrationUptime(id), queryFn: () => api.registrations.uptime(id), staleTime: 30_000 });
  const bar = (label: string, v: number | null | undefined) => (
    <div className="uptime">
      <div className="uptime-head">
        <span>{label}</span>
        <strong>{q.isLoading ? '…' : formatPercent(v)}</strong>
      </div>
      <div className="uptime-bar" role="meter" aria-label={`Registered ${label}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={v === null || v === undefined ? undefined : Math.round(v * 1000) / 10}>
        <span style={{ width: `${Math.max(0, Math.min(1, v ?? 0)) * 100}%` }} className={v === null || v === undefined ? '' : v >= 0.99 ? 'good' : v >= 0.9 ? 'fair' : 'poor'} />
      </div>
    </div>
  );
  return (
    <section className="card detail-card" aria-labelledby="uptime-title">
      <h2 id="uptime-title">Availability</h2>
      <p className="muted small">Share of the time this registration was registered.</p>
      <ErrorNote error={q.error} />
      {bar('last 24 h', q.data?.last24h)}
      {bar('last 7 d', q.data?.last7d)}
      <AvailabilityChart id={id} />
    </section>
  );
}

function Timeline({ id }: { id: number }) {
  const q = useQuery({ queryKey: keys.registrationEvents(id), queryFn: () => api.registrations.events(id, 200), staleTime: 5_000 });
  const items = q.data ?? [];
  return (
    <section className="card detail-card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <ErrorNote error={q.error} />
      {q.isLoading ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No state changes recorded yet.</p>
      ) : (
        <div className="timeline-wrap">
          <table className="table timeline">
            <caption className="sr-only">State transitions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">State</th>
                <th scope="col">Response</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id}>
                  <td className="nowrap">{formatClock(e.at)}</td>
                  <td>
                    <StatusBadge status={e} />
                  </td>
                  <td title={e.target ?? undefined}>{formatOutcome(e.code, e.reason)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Ladder({ id }: { id: number }) {
  const q = useQuery({ queryKey: keys.registrationTrace(id), queryFn: () => api.registrations.trace(id), staleTime: 5_000 });
  return (
    <section className="card detail-section ladder-card" aria-labelledby="ladder-title">
      <h2 id="ladder-title">SIP messages</h2>
      <p className="muted small">Recent messages, oldest first; open one to see it in full (passwords and digest responses are redacted).</p>
      <ErrorNote error={q.error} />
      {q.isLoading ? <p className="muted">Loading…</p> : <SipLadder messages={q.data ?? []} />}
    </section>
  );
}
