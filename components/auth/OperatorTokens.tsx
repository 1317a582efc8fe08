'use client';

import { useQuery } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';
import type { OperatorAccount } from '@/lib/client/types';
import { ErrorNote } from '../ErrorNote';
import { LocalTime } from './LocalTime';
import { RevokeTokenButton } from './RevokeTokenButton';

/** An admin's view of one operator's API tokens (never the values), each live one revocable. */
export function OperatorTokens({ operator, onNotice }: { operator: OperatorAccount; onNotice: (message: string) => void }) {
  const tokens = useQuery({ queryKey: keys.operatorTokens(operator.id), queryFn: () => api.operators.tokens(operator.id) });
  if (tokens.error) return <ErrorNote error={tokens.error} />;
  if (!tokens.data) return <p className="muted">Loading tokens…</p>;
  if (tokens.data.length === 0) return <p className="muted">{operator.email} has no API tokens.</p>;
  return (
    <table className="table">
      <caption>API tokens of {operator.email}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Starts with</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {tokens.data.map((t) => (
          <tr key={t.id} className={t.revokedAt ? 'row-revoked' : undefined}>
            <th scope="row">{t.name}</th>
            <td className="mono">{t.prefix}…</td>
            <td>
              <LocalTime at={t.createdAt} />
            </td>
            <td>{t.lastUsedAt ? <LocalTime at={t.lastUsedAt} /> : <span className="muted">never</span>}</td>
            <td>
              {t.revokedAt ? (
                <>
                  Revoked <LocalTime at={t.revokedAt} />
                </>
              ) : (
                'Active'
              )}
            </td>
            <td className="row-actions">{t.revokedAt ? null : <RevokeTokenButton token={t} operatorId={operator.id} onRevoked={onNotice} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
