import { Dashboard } from '@/components/Dashboard';
import { Flash } from '@/components/Flash';

export default function Home() {
  return (
    <>
      <h1>DDI Provider Registrations</h1>
      <p className="lead">Providers, their SIP registrations and where each one stands.</p>
      <Flash />
      <Dashboard />
    </>
  );
}
