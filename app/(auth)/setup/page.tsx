import type { Metadata } from 'next';
import { SetupForm } from '@/components/auth/SetupForm';

export const metadata: Metadata = { title: 'First-run setup' };

/** Shown only while no operator exists (the gate sends everyone here then, and away afterwards). */
export default function SetupPage() {
  return (
    <div className="auth-page">
      <h1>Set up the portal</h1>
      <p className="lead">
        This creates the first administrator, who can then add the other operators; for scripted installs, the{' '}
        <code>ADMIN_EMAIL</code> and <code>ADMIN_PASSWORD</code> environment variables do the same at start-up.
      </p>
      <SetupForm />
    </div>
  );
}
