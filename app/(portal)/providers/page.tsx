import Link from 'next/link';
import type { Metadata } from 'next';
import { Flash } from '@/components/Flash';
import { ProvidersTable } from '@/components/ProvidersTable';

export const metadata: Metadata = { title: 'DDI providers' };

export default function ProvidersPage() {
  return (
    <>
      <div className="page-head">
        <h1>DDI providers</h1>
        <Link href="/providers/new" className="button button-primary">
          New provider
        </Link>
      </div>
      <Flash />
      <ProvidersTable />
    </>
  );
}
