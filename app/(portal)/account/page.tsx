import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { ApiTokens } from '@/components/auth/ApiTokens';
import { PasswordChangeForm } from '@/components/auth/PasswordChangeForm';
import { requestOrigin } from '@/components/auth/request-origin';
import { listApiTokens } from '@/lib/auth/api-tokens';
import { roleDescriptions } from '@/lib/auth/roles';
import { getDb } from '@/lib/db/client';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'Your account' };

/** Who is signed in, their password and their API tokens. */
export default async function AccountPage() {
  const operator = await requirePage();
  if (!operator) redirect('/login?next=%2Faccount');
  const tokens = await listApiTokens(getDb(), operator.id);
  const origin = await requestOrigin();
  return (
    <>
      <h1>Your account</h1>
      <dl className="facts card">
        <div>
          <dt>E-mail</dt>
          <dd>{operator.email}</dd>
        </div>
        <div>
          <dt>Name</dt>
          <dd>{operator.name || <span className="muted">—</span>}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>
            <span className="role-tag">{operator.role}</span> {roleDescriptions[operator.role]}
          </dd>
        </div>
      </dl>
      <PasswordChangeForm />
      <ApiTokens initial={tokens} origin={origin} />
    </>
  );
}
