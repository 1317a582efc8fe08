import type { Metadata } from 'next';
import { SetupForm } from '@/components/auth/SetupForm';

export const metadata: Metadata = { title: 'First-run setup' };

/** Shown only while no operator exists (the gate sends everyone here then, and away afterwards). */
export default async function SetupPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { token } = await searchParams;
  return (
    <div className="auth-page">
      <h1>Set up the portal</h1>
      <p className="lead">
        This creates the first administrator, who can then add the other operators. It needs the setup token the
        server printed in its log at start (the URL printed there fills it in); for scripted installs, the{' '}
        <code>ADMIN_EMAIL</code> and <code>ADMIN_PASSWORD</code> environment variables create the administrator at
        start-up instead.
      </p>
      <SetupForm token={typeof token === 'string' ? token.slice(0, 200) : ''} />
    </div>
  );
}
