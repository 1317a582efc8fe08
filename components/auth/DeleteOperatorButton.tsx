'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';
import type { OperatorAccount } from '@/lib/client/types';
import { ConfirmActionButton } from '../ConfirmActionButton';

/** Delete with confirmation; the server's refusal (yourself, the last admin) is shown in the dialog. */
export function DeleteOperatorButton({ operator, onDeleted }: { operator: OperatorAccount; onDeleted: (message: string) => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => api.operators.remove(operator.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: keys.operators });
    },
  });
  return (
    <ConfirmActionButton
      small
      ariaLabel={`Delete operator ${operator.email}`}
      title={`Delete operator ${operator.email}?`}
      confirmLabel="Delete operator"
      action={remove}
      onDone={() => onDeleted(`Operator ${operator.email} deleted.`)}
    >
      <p>Their sessions and API tokens go with them; the audit log keeps what they did. This cannot be undone.</p>
    </ConfirmActionButton>
  );
}
