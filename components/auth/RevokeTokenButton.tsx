'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';
import type { ApiToken } from '@/lib/client/types';
import { ConfirmActionButton } from '../ConfirmActionButton';

/**
 * Revoke with confirmation: scripts using the token get 401 from then on. With `operatorId` an
 * admin revokes another operator's token (on /operators).
 */
export function RevokeTokenButton({ token, operatorId, onRevoked }: { token: ApiToken; operatorId?: number; onRevoked: (message: string) => void }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => (operatorId === undefined ? api.tokens.revoke(token.id) : api.operators.revokeToken(operatorId, token.id)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: operatorId === undefined ? keys.apiTokens : keys.operatorTokens(operatorId) });
    },
  });
  return (
    <ConfirmActionButton
      label="Revoke"
      small
      ariaLabel={`Revoke token ${token.name}`}
      title={`Revoke token "${token.name}"?`}
      confirmLabel="Revoke token"
      busyLabel="Revoking…"
      action={revoke}
      onDone={() => onRevoked(`Token "${token.name}" revoked.`)}
    >
      <p>Scripts using it are refused (401) from now on. This cannot be undone.</p>
    </ConfirmActionButton>
  );
}
