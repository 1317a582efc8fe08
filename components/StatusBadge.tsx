import type { RegistrationStatus } from '@/lib/client/types';

/** The engine state of a registration as a coloured badge, or an em dash when there is none yet. */
export function StatusBadge({ status }: { status: RegistrationStatus | null | undefined }) {
  if (!status) return <span className="muted" aria-label="No status yet">—</span>;
  const title = [status.code ? String(status.code) : null, status.reason].filter(Boolean).join(' ');
  return (
    <span className={`badge badge-${status.state}`} title={title || undefined}>
      {status.state}
    </span>
  );
}
