'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { api, keys } from '@/lib/client/api';
import { plural } from '@/lib/client/format';
import { useCan } from '@/lib/client/session';

/**
 * The dashboard with no registration at all: what to do first (a provider, then a registration,
 * or an import) instead of an empty table. It takes the place of the "All registrations" section
 * (globals.css hides the section that follows it); the counts and the problems card stay.
 */
export function FirstRun() {
  const canEdit = useCan('editor');
  const providers = useQuery({ queryKey: keys.providers, queryFn: api.providers.list });
  const providerCount = providers.data?.length ?? 0;
  return (
    <section className="card first-run" aria-labelledby="first-run-title">
      <h2 id="first-run-title">No registrations yet</h2>
      <p>
        A registration keeps one provider account registered, so that the provider delivers calls to your DDIs. Only providers that ask for a
        SIP REGISTER need one.
      </p>
      {canEdit ? (
        <ol className="first-run-steps">
          <li>
            {providerCount > 0 ? (
              <>
                <Link href="/providers">{plural(providerCount, 'DDI provider')}</Link> added: add another one or go on.
              </>
            ) : (
              <>
                <Link href="/providers/new" className="button button-primary">
                  Add a DDI provider
                </Link>{' '}
                the carrier your DDIs belong to.
              </>
            )}
          </li>
          <li>
            <Link href="/registrations/new" className={providerCount > 0 ? 'button button-primary' : 'button'}>
              Add a registration
            </Link>{' '}
            with the account the provider gave you (username, domain, password, DDI), or{' '}
            <Link href="/registrations/import">import registrations from a CSV file</Link>.
          </li>
        </ol>
      ) : (
        <p>An editor or an administrator adds them; they will appear here.</p>
      )}
      <p className="muted">
        <Link href="/help">Help</Link> explains every field.
      </p>
    </section>
  );
}
