import Link from 'next/link';
import type { ReactNode } from 'react';
import type { Registration } from '@/lib/client/types';
import { registrationGlossary as g } from '@/lib/glossary';
import { formatSeconds, transportOptionLabel } from '@/lib/client/format';

function Setting({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Default({ children }: { children: ReactNode }) {
  return <span className="muted">{children}</span>;
}

/**
 * A registration's settings, read-only: what a viewer sees instead of the edit form. The password
 * is only said to be saved or not, never shown.
 */
export function RegistrationSettings({ registration: r }: { registration: Registration }) {
  return (
    <dl className="facts card" aria-label="Registration settings">
      <Setting label={g.ddiProviderId.label}>
        <Link href={`/providers/${r.ddiProviderId}`}>{r.ddiProviderName}</Link>
      </Setting>
      <Setting label={g.username.label}>
        <span className="mono">{r.username}</span>
      </Setting>
      <Setting label={g.domain.label}>
        <span className="mono">{r.domain}</span>
      </Setting>
      <Setting label={g.password.label}>{r.hasPassword ? 'Saved (never shown)' : <Default>None</Default>}</Setting>
      <Setting label={g.ddi.label}>
        <span className="mono">{r.ddi}</span>
      </Setting>
      <Setting label={g.authUsername.label}>{r.authUsername ? <span className="mono">{r.authUsername}</span> : <Default>Same as Username</Default>}</Setting>
      <Setting label={g.registerServerUri.label}>
        {r.registerServerUri ? <span className="mono">{r.registerServerUri}</span> : <Default>From Domain</Default>}
      </Setting>
      <Setting label={g.realm.label}>{r.realm ? <span className="mono">{r.realm}</span> : <Default>Accept the proposed realm</Default>}</Setting>
      <Setting label={g.expires.label}>{formatSeconds(r.expires)}</Setting>
      <Setting label={g.transport.label}>{transportOptionLabel(r.transport)}</Setting>
      <Setting label={g.enabled.label}>{r.enabled ? 'Yes' : 'No'}</Setting>
    </dl>
  );
}
