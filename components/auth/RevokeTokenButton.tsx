'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, keys } from '@/lib/client/api';
import type { ApiToken } from '@/lib/client/types';
import { ConfirmDialog } from '../ConfirmDialog';

/**
 * Revoke with confirmation: scripts using the token get 401 from then on. With `operatorId` an
 * admin revokes another operator's token (on /operators).
 */
export function RevokeTokenButton({ token, operatorId, onRevoked }: { token: ApiToken; operatorId?: number; onRevoked: (message: string) => void }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const revoke = useMutation({
    mutationFn: () => (operatorId === undefined ? api.tokens.revoke(token.id) : api.operators.revokeToken(operatorId, token.id)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: operatorId === undefined ? keys.apiTokens : keys.operatorTokens(operatorId) });
      setOpen(false);
      onRevoked(`Token "${token.name}" revoked.`);
    },
  });
  return (
    <>
      <button
        type="button"
        className="button button-danger button-small"
        aria-label={`Revoke token ${token.name}`}
        onClick={() => {
          revoke.reset();
          setOpen(true);
        }}
      >
        Revoke
      </button>
      <ConfirmDialog
        open={open}
        title={`Revoke token "${token.name}"?`}
        confirmLabel="Revoke token"
        busy={revoke.isPending}
        busyLabel="Revoking…"
        error={revoke.isError ? revoke.error.message : null}
        onCancel={() => setOpen(false)}
        onConfirm={() => revoke.mutate()}
      >
        <p>Scripts using it are refused (401) from now on. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}
