'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, keys } from '@/lib/client/api';
import type { ApiToken, CreatedApiToken } from '@/lib/client/types';
import { ErrorNote } from '../ErrorNote';
import { NewTokenNotice } from './NewTokenNotice';
import { TokenCreateForm } from './TokenCreateForm';
import { TokensTable } from './TokensTable';

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
          <TokensTable
            tokens={tokens.data}
            caption="Your API tokens"
            captionHidden
            onRevoked={(t, message) => {
              if (created?.apiToken.id === t.id) setCreated(null);
              setNotice(message);
            }}
          />
        </div>
      )}
    </section>
  );
}
