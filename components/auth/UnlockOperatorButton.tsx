'use client';

import { useMutation } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import type { OperatorAccount } from '@/lib/client/types';

/** Clears the operator's recorded sign-in failures (slow-down and address locks); audited on the server. */
export function UnlockOperatorButton({ operator, onNotice }: { operator: OperatorAccount; onNotice: (message: string) => void }) {
  const unlock = useMutation({
    mutationFn: () => api.operators.unlock(operator.id),
    onSuccess: (r) => onNotice(`Sign-in unlocked for ${operator.email} (${r.cleared} recorded failure${r.cleared === 1 ? '' : 's'} cleared).`),
    onError: (err) => onNotice(`Unlock failed: ${err.message}`),
  });
  return (
    <button type="button" className="button button-small" aria-label={`Unlock sign-in of ${operator.email}`} disabled={unlock.isPending} onClick={() => unlock.mutate()}>
      {unlock.isPending ? 'Unlocking…' : 'Unlock sign-in'}
    </button>
  );
}
