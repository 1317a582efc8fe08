import Link from 'next/link';
import type { Metadata } from 'next';
import { Flash } from '@/components/Flash';
import { ProvidersTable } from '@/components/ProvidersTable';
import { atLeast } from '@/lib/auth/roles';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'DDI providers' };

export default async function ProvidersPage() {
  const operator = await requirePage();
  const canEdit = operator !== null && atLeast(operator.role, 'editor');
  return (
    <>
      <div className="page-head">
        <h1>DDI providers</h1>
        {canEdit ? (
          <Link href="/providers/new" className="button button-primary">
            New provider
          </Link>
        ) : null}
      </div>
      <Flash />
      <ProvidersTable />
    </>
  );
}
