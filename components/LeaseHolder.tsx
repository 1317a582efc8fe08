'use client';

import { formatTime } from '@/lib/client/format';
import type { RegistrationLease } from '@/lib/client/types';

/** How a lease that is no longer live ended: handed back by a stopping node (expiry 0), or ran out. */
export function leaseEnd(lease: RegistrationLease): string {
  return lease.expiresAt === 0 ? `${lease.nodeId} handed it back (stopped)` : `the lease of ${lease.nodeId} expired at ${formatTime(lease.expiresAt)}`;
}

/**
 * Which engine node holds a registration: its node id while the lease is live, else "—", with the
 * lease's expiry (or that no node ever held it) as the title. `compact` (a table cell): a long
 * node id is cut with an ellipsis (whole in the title).
 */
export function LeaseHolder({ lease, compact = false }: { lease: RegistrationLease | null; compact?: boolean }) {
  if (!lease) {
    return (
      <span className="lease-none" title="No engine node has held this registration yet">
        —
      </span>
    );
  }
  if (!lease.live) {
    return (
      <span className="lease-none" title={`No node holds it: ${leaseEnd(lease)}`} data-lease="expired">
        —
      </span>
    );
  }
  return (
    <span
      className={compact ? 'mono lease-node' : 'mono'}
      title={`${lease.nodeId}: lease until ${formatTime(lease.expiresAt)} (renewed by the node's heartbeat)`}
      data-lease="live"
    >
      {lease.nodeId}
    </span>
  );
}
