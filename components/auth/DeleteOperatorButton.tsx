'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, keys } from '@/lib/client/api';
import type { OperatorAccount } from '@/lib/client/types';
import { ConfirmDialog } from '../ConfirmDialog';

/** Delete with confirmation; the server's refusal (yourself, the last admin) is shown in the dialog. */
export function DeleteOperatorButton({ operator, onDeleted }: { operator: OperatorAccount; onDeleted: (message: string) => void }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const remove = useMutation({
    mutationFn: () => api.operators.remove(operator.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: keys.operators });
      setOpen(false);
      onDeleted(`Operator ${operator.email} deleted.`);
    },
  });
  return (
    <>
      <button
        type="button"
        className="button button-danger button-small"
        aria-label={`Delete operator ${operator.email}`}
        onClick={() => {
          remove.reset();
          setOpen(true);
        }}
      >
        Delete
      </button>
      <ConfirmDialog
        open={open}
        title={`Delete operator ${operator.email}?`}
        confirmLabel="Delete operator"
        busy={remove.isPending}
        error={remove.isError ? remove.error.message : null}
        onCancel={() => setOpen(false)}
        onConfirm={() => remove.mutate()}
      >
        <p>Their sessions and API tokens go with them; the audit log keeps what they did. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}
