'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api, keys } from '@/lib/client/api';
import { useAfterDelete } from '@/lib/client/flash';
import { plural } from '@/lib/client/format';
import { useCan } from '@/lib/client/session';
import type { DdiProvider } from '@/lib/client/types';
import { ConfirmActionButton } from './ConfirmActionButton';

/** Delete with confirmation (editors only); when registrations remain, the dialog says how many go with it. */
export function DeleteProviderButton({
  provider,
  redirectTo,
  onDeleted,
  small,
}: {
  provider: Pick<DdiProvider, 'id' | 'name' | 'registrationCount'>;
  /** after a delete: navigate here (with a flash notice)… */
  redirectTo?: string;
  /** …or report the notice to the caller. */
  onDeleted?: (message: string) => void;
  small?: boolean;
}) {
  const canDelete = useCan('editor');
  const queryClient = useQueryClient();
  const afterDelete = useAfterDelete(redirectTo, onDeleted);
  // the count the server reports if it changed since the list was loaded
  const [count, setCount] = useState(provider.registrationCount);
  const remove = useMutation({
    mutationFn: () => api.providers.remove(provider.id, count > 0),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: keys.provider(provider.id) });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.providers }),
        queryClient.invalidateQueries({ queryKey: keys.registrations }),
        queryClient.invalidateQueries({ queryKey: keys.availability }),
      ]);
    },
    onError: (err) => {
      if (err instanceof ApiError && err.code === 'has_registrations') {
        const n = Number(err.fields.registrationCount);
        setCount(Number.isFinite(n) && n > 0 ? n : Math.max(1, count));
      }
    },
  });

  const conflict = remove.error instanceof ApiError && remove.error.code === 'has_registrations';
  if (!canDelete) return null;
  return (
    <ConfirmActionButton
      small={small}
      ariaLabel={small ? `Delete provider ${provider.name}` : undefined}
      title={`Delete provider "${provider.name}"?`}
      confirmLabel={count > 0 ? `Delete provider and ${plural(count, 'registration')}` : 'Delete provider'}
      action={remove}
      error={remove.isError ? (conflict ? 'Registrations were added meanwhile; confirm again to delete them too.' : remove.error.message) : null}
      onOpen={() => setCount(provider.registrationCount)}
      onDone={() => afterDelete(`Provider "${provider.name}" deleted${count > 0 ? ` with ${plural(count, 'registration')}` : ''}.`)}
    >
      {count > 0 ? (
        <p>
          This provider still has <strong>{plural(count, 'registration')}</strong>. Deleting it also deletes{' '}
          {count === 1 ? 'that registration' : `those ${count.toLocaleString()} registrations`}, and they stop registering. This cannot
          be undone.
        </p>
      ) : (
        <p>This provider has no registrations. This cannot be undone.</p>
      )}
    </ConfirmActionButton>
  );
}
