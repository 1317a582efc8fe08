'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, keys } from '@/lib/client/api';
import type { ApiToken, CreatedApiToken } from '@/lib/client/types';
import { ErrorNote } from '../ErrorNote';
import { LocalTime } from './LocalTime';
import { NewTokenNotice } from './NewTokenNotice';
import { RevokeTokenButton } from './RevokeTokenButton';
import { TokenCreateForm } from './TokenCreateForm';

/**
 * The operator's API tokens: how to use one, create (shown once), list and revoke. `initial` is
 * the list the server rendered the page with; `origin` the portal's address for the example.
 */
export function ApiTokens({ initial, origin }: { initial: ApiToken[]; origin: string }) {
  const tokens = useQuery({ queryKey: keys.apiTokens, queryFn: api.tokens.list, initialData: initial });
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <section className="card account-card" aria-labelledby="api-tokens-title">
      <h2 id="api-tokens-title" className="card-title">
        API tokens
      </h2>
      <p>
        Scripts call the API with a token instead of a password. A token acts with your role as it is when used, and stops working when
        revoked or when your account is disabled.
      </p>
      <pre className="code-example">
        <code>{`curl -H "Authorization: Bearer <token>" ${origin}/api/registrations`}</code>
      </pre>
      {created ? (
        <NewTokenNotice name={created.apiToken.name} token={created.token} onDone={() => setCreated(null)} />
      ) : null}
      <TokenCreateForm
        onCreated={(c) => {
          setNotice(null);
          setCreated(c);
        }}
      />
      <div role="status" aria-live="polite" className="flash-region">
        {notice ? <p className="alert alert-success">{notice}</p> : null}
      </div>
      <ErrorNote error={tokens.error} />
      {tokens.data.length === 0 ? (
        <p className="muted">You have no API tokens.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Your API tokens</caption>
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
                  <td className="row-actions">
                    {t.revokedAt ? null : (
                      <RevokeTokenButton
                        token={t}
                        onRevoked={(message) => {
                          if (created?.apiToken.id === t.id) setCreated(null);
                          setNotice(message);
                        }}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
