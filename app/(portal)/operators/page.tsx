import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { OperatorsManager } from '@/components/auth/OperatorsManager';
import { listOperators } from '@/lib/auth/operator-actions';
import { roleDescriptions, roles } from '@/lib/auth/roles';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'Operators' };

/** Operators management, for admins (the gate refuses others; checked here again before loading). */
export default async function OperatorsPage() {
  const operator = await requirePage('admin');
  if (!operator) redirect('/login?next=%2Foperators');
  if (operator.role !== 'admin') {
    return (
      <>
        <h1>Operators</h1>
        <p role="alert" className="alert alert-error">
          Managing operators needs the admin role; you are {operator.role}.
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Operators</h1>
      <p className="lead">People who sign in to the portal, and what their role lets them do:</p>
      <dl className="role-list">
        {roles.map((r) => (
          <div key={r}>
            <dt>
              <span className="role-tag">{r}</span>
            </dt>
            <dd>{roleDescriptions[r]}</dd>
          </div>
        ))}
      </dl>
      <OperatorsManager initial={await listOperators()} selfId={operator.id} />
    </>
  );
}
