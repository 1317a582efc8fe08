'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, keys } from '@/lib/client/api';
import { useAfterDelete } from '@/lib/client/flash';
import { useCan } from '@/lib/client/session';
import type { Registration } from '@/lib/client/types';
import { ConfirmDialog } from './ConfirmDialog';

/** Delete with confirmation; rendered for editors only. */
export function DeleteRegistrationButton({
  registration,
  redirectTo,
  onDeleted,
  small,
}: {
  registration: Pick<Registration, 'id' | 'username' | 'domain' | 'ddi' | 'ddiProviderId'>;
  /** after a delete: navigate here (with a flash notice)… */
  redirectTo?: string;
  /** …or report the notice to the caller. */
  onDeleted?: (message: string) => void;
  small?: boolean;
}) {
  const canDelete = useCan('editor');
  const queryClient = useQueryClient();
  const afterDelete = useAfterDelete(redirectTo, onDeleted);
  const [open, setOpen] = useState(false);
  const label = `${registration.username}@${registration.domain}`;
  const remove = useMutation({
    mutationFn: () => api.registrations.remove(registration.id),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: keys.registration(registration.id) });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.registrations }),
        queryClient.invalidateQueries({ queryKey: keys.providers }),
        queryClient.invalidateQueries({ queryKey: keys.availability }),
      ]);
      setOpen(false);
      const message = `Registration #${registration.id} (${label}) deleted.`;
      afterDelete(message);
    },
  });
  if (!canDelete) return null;
  return (
    <>
      <button
        type="button"
        className={`button button-danger${small ? ' button-small' : ''}`}
        aria-label={small ? `Delete registration #${registration.id}` : undefined}
        onClick={() => {
          remove.reset();
          setOpen(true);
        }}
      >
        Delete
      </button>
      <ConfirmDialog
        open={open}
        title={`Delete registration #${registration.id}?`}
        confirmLabel="Delete registration"
        busy={remove.isPending}
        error={remove.isError ? remove.error.message : null}
        onCancel={() => setOpen(false)}
        onConfirm={() => remove.mutate()}
      >
        <p>
          <strong>{label}</strong> (DDI {registration.ddi}) will be unregistered and deleted. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
