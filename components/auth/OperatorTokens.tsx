'use client';

import { useQuery } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';
import type { OperatorAccount } from '@/lib/client/types';
import { ErrorNote } from '../ErrorNote';
import { TokensTable } from './TokensTable';

/** An admin's view of one operator's API tokens (never the values), each live one revocable. */
export function OperatorTokens({ operator, onNotice }: { operator: OperatorAccount; onNotice: (message: string) => void }) {
  const tokens = useQuery({ queryKey: keys.operatorTokens(operator.id), queryFn: () => api.operators.tokens(operator.id) });
  if (tokens.error) return <ErrorNote error={tokens.error} />;
  if (!tokens.data) return <p className="muted">Loading tokens…</p>;
  if (tokens.data.length === 0) return <p className="muted">{operator.email} has no API tokens.</p>;
  return <TokensTable tokens={tokens.data} caption={`API tokens of ${operator.email}`} operatorId={operator.id} onRevoked={(_t, message) => onNotice(message)} />;
}
