'use client';

import type { ApiToken } from '@/lib/client/types';
import { LocalTime } from './LocalTime';
import { RevokeTokenButton } from './RevokeTokenButton';

/**
 * API tokens as a table (never their values): name, prefix, created, last used, status, and a
 * Revoke button on each live one. `operatorId` revokes through the admin endpoint.
 */
export function TokensTable({
  tokens,
  caption,
  captionHidden = false,
  operatorId,
  onRevoked,
}: {
  tokens: ApiToken[];
  caption: string;
  captionHidden?: boolean;
  operatorId?: number;
  onRevoked: (token: ApiToken, message: string) => void;
}) {
  return (
    <table className="table">
      <caption className={captionHidden ? 'sr-only' : undefined}>{caption}</caption>
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
        {tokens.map((t) => (
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
            <td className="row-actions">
              {t.revokedAt ? null : <RevokeTokenButton token={t} operatorId={operatorId} onRevoked={(message) => onRevoked(t, message)} />}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
