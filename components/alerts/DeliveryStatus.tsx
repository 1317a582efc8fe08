import type { DeliveryJson } from '@/lib/api/contracts-alerts';
import { LocalTime } from '../auth/LocalTime';

const words: Record<DeliveryJson['status'], string> = { pending: 'Retrying', sending: 'Sending', sent: 'Sent', failed: 'Failed' };

/** One delivery's outcome in words: status, code, error, attempts, when. */
export function DeliveryStatus({ delivery: d }: { delivery: DeliveryJson }) {
  const status = d.status === 'pending' && d.attempts === 0 ? 'Queued' : words[d.status];
  return (
    <span className={`delivery delivery-${d.status}`} data-status={d.status}>
      <strong>{status}</strong>
      {d.lastCode !== null ? ` (${d.lastCode})` : null}
      {d.lastError ? ` — ${d.lastError}` : null}
      {d.attempts > 1 ? `, ${d.attempts} attempts` : null}
      {d.finishedAt !== null ? (
        <>
          {' at '}
          <LocalTime at={d.finishedAt} />
        </>
      ) : d.status === 'pending' && d.nextAttemptAt !== null && d.attempts > 0 ? (
        <>
          {', next try at '}
          <LocalTime at={d.nextAttemptAt} />
        </>
      ) : null}
    </span>
  );
}
