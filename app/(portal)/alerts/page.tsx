import type { Metadata } from 'next';
import { AlertsTable } from '@/components/alerts/AlertsTable';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'Alerts' };

export default async function AlertsPage() {
  await requirePage();
  return (
    <>
      <div className="page-head">
        <h1>Alerts</h1>
      </div>
      <p className="muted">
        A registration out of <em>registered</em> for longer than its provider&apos;s hold time raises one alert, and its recovery resolves it; a
        provider-wide or platform-wide outage is one alert. Notifications go to the channels under Settings (admins).
      </p>
      <AlertsTable />
    </>
  );
}
