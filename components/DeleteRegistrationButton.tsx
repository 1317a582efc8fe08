'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';
import { useAfterDelete } from '@/lib/client/flash';
import { useCan } from '@/lib/client/session';
import type { Registration } from '@/lib/client/types';
import { ConfirmActionButton } from './ConfirmActionButton';

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
    },
  });
  if (!canDelete) return null;
  return (
    <ConfirmActionButton
      small={small}
      ariaLabel={small ? `Delete registration #${registration.id}` : undefined}
      title={`Delete registration #${registration.id}?`}
      confirmLabel="Delete registration"
      action={remove}
      onDone={() => afterDelete(`Registration #${registration.id} (${label}) deleted.`)}
    >
      <p>
        <strong>{label}</strong> (DDI {registration.ddi}) will be unregistered and deleted. This cannot be undone.
      </p>
    </ConfirmActionButton>
  );
}
