import Link from 'next/link';
import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Flash } from '@/components/Flash';
import { RegistrationsTable } from '@/components/RegistrationsTable';
import { atLeast } from '@/lib/auth/roles';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'Registrations' };

export default async function RegistrationsPage() {
  const operator = await requirePage();
  const canEdit = operator !== null && atLeast(operator.role, 'editor');
  return (
    <>
      <div className="page-head">
        <h1>Registrations</h1>
        {canEdit ? (
          <Link href="/registrations/new" className="button button-primary">
            New registration
          </Link>
        ) : null}
      </div>
      <Flash />
      <Suspense fallback={<p className="muted">Loading registrations…</p>}>
        <RegistrationsTable syncUrl />
      </Suspense>
    </>
  );
}
