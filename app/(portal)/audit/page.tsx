import type { Metadata } from 'next';
import { AuditTable } from '@/components/AuditTable';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'Audit log' };

export default async function AuditPage() {
  await requirePage();
  return (
    <>
      <div className="page-head">
        <h1>Audit log</h1>
      </div>
      <p className="muted">Who created, changed, disabled or deleted what, and when. Passwords show only as “changed”.</p>
      <AuditTable />
    </>
  );
}
