import { Dashboard } from '@/components/Dashboard';
import { OpenAlertsCount } from '@/components/alerts/OpenAlertsCount';
import { Flash } from '@/components/Flash';
import { requirePage } from '@/lib/auth/require-page';

export default async function Home() {
  await requirePage();
  return (
    <>
      <h1>DDI Provider Registrations</h1>
      <p className="lead">Providers, their SIP registrations and where each one stands.</p>
      <Flash />
      <OpenAlertsCount />
      <Dashboard />
    </>
  );
}
