'use client';

import { formatTime } from '@/lib/client/format';
import type { RegistrationLease } from '@/lib/client/types';

/**
 * Which engine node holds a registration: its node id while the lease is live, else "—", with the
 * lease's expiry (or that no node ever held it) as the title.
 */
export function LeaseHolder({ lease }: { lease: RegistrationLease | null }) {
  if (!lease) {
    return (
      <span className="lease-none" title="No engine node has held this registration yet">
        —
      </span>
    );
  }
  if (!lease.live) {
    return (
      <span className="lease-none" title={`No node holds it: the lease of ${lease.nodeId} expired at ${formatTime(lease.expiresAt)}`} data-lease="expired">
        —
      </span>
    );
  }
  return (
    <span className="mono" title={`Lease until ${formatTime(lease.expiresAt)} (renewed by the node's heartbeat)`} data-lease="live">
      {lease.nodeId}
    </span>
  );
}
