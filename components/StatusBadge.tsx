'use client';

import { formatClock, formatOutcome } from '@/lib/client/format';
import { mergeStatus, useLiveStatus, useStaleSince } from '@/lib/client/live';
import type { RegistrationStatus } from '@/lib/client/types';
import type { RegistrationState } from '@/registrar/domain/vocabulary';

type BadgeStatus = RegistrationStatus | { state: RegistrationState; code: number | null; reason: string | null } | null | undefined;

/**
 * The engine state of a registration as a coloured badge, or an em dash when there is none yet.
 * A `live` badge (the current state, not a past one) is marked "last known" while the states on
 * screen are stale: the stream is lost or the engine is not running.
 */
export function StatusBadge({ status, live = false }: { status: BadgeStatus; live?: boolean }) {
  const staleSince = useStaleSince();
  const stale = live && staleSince !== null;
  if (!status) return <span className="muted" aria-label={stale ? 'No status known' : 'No status yet'}>—</span>;
  const outcome = status.code || status.reason ? formatOutcome(status.code, status.reason) : '';
  const title = stale ? `Last known state as of ${formatClock(staleSince)}, not live${outcome ? ` (${outcome})` : ''}` : outcome;
  return (
    <span
      className={`badge badge-${status.state}${stale ? ' badge-stale' : ''}`}
      title={title || undefined}
      data-state={status.state}
      data-stale={stale ? 'true' : undefined}
    >
      {status.state}
      {stale ? <span className="badge-stale-tag"> (last known)</span> : null}
    </span>
  );
}

/** The badge of registration `id`: the fetched status, or the newer pushed one. */
export function LiveStatusBadge({ id, status }: { id: number; status: RegistrationStatus | null | undefined }) {
  const live = useLiveStatus(id);
  return <StatusBadge status={mergeStatus(status, live)} live />;
}
