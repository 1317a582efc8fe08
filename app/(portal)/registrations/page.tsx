import Link from 'next/link';
import type { Metadata } from 'next';
import { Suspense } from 'react';
import { Flash } from '@/components/Flash';
import { RegistrationsTable } from '@/components/RegistrationsTable';

export const metadata: Metadata = { title: 'Registrations' };

export default function RegistrationsPage() {
  return (
    <>
      <div className="page-head">
        <h1>Registrations</h1>
        <Link href="/registrations/new" className="button button-primary">
          New registration
        </Link>
      </div>
      <Flash />
      <Suspense fallback={<p className="muted">Loading registrations…</p>}>
        <RegistrationsTable syncUrl />
      </Suspense>
    </>
  );
}
