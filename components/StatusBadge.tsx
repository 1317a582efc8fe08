'use client';

import { mergeStatus, useLiveStatus } from '@/lib/client/live';
import type { RegistrationStatus } from '@/lib/client/types';
import type { RegistrationState } from '@/lib/db/schema';

/** The engine state of a registration as a coloured badge, or an em dash when there is none yet. */
export function StatusBadge({ status }: { status: RegistrationStatus | { state: RegistrationState; code: number | null; reason: string | null } | null | undefined }) {
  if (!status) return <span className="muted" aria-label="No status yet">—</span>;
  const title = [status.code ? String(status.code) : null, status.reason].filter(Boolean).join(' ');
  return (
    <span className={`badge badge-${status.state}`} title={title || undefined} data-state={status.state}>
      {status.state}
    </span>
  );
}

/** The badge of registration `id`: the fetched status, or the newer pushed one. */
export function LiveStatusBadge({ id, status }: { id: number; status: RegistrationStatus | null | undefined }) {
  const live = useLiveStatus(id);
  return <StatusBadge status={mergeStatus(status, live)} />;
}
