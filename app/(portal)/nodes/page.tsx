import type { Metadata } from 'next';
import { NodesPanel } from '@/components/NodesPanel';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'Nodes' };

export default async function NodesPage() {
  await requirePage();
  return (
    <>
      <div className="page-head">
        <h1>Nodes</h1>
      </div>
      <p className="muted">
        Each registrar engine process sharing this database is a node (<code>npm run registrar</code>, or the engine of <code>npm start</code>).
        A registration is held by one live node at a time, through a lease its heartbeat renews; the registrations of a node that stops
        beating move to the live nodes within the lease time (<code>REGISTRAR_LEASE_S</code>).
      </p>
      <NodesPanel />
    </>
  );
}
