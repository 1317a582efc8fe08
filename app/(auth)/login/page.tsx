import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/auth/LoginForm';
import { safeNext } from '@/components/auth/safe-next';
import { currentOperator } from '@/lib/auth/current';

export const metadata: Metadata = { title: 'Sign in' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Sign-in page; `?next=` (a path on this site) is where the operator goes afterwards. */
export default async function LoginPage({ searchParams }: Props) {
  const next = safeNext((await searchParams).next);
  if (await currentOperator()) redirect(next);
  return (
    <div className="auth-page">
      <h1>Sign in</h1>
      <p className="lead">DDI Provider Registrations: sign in with your operator e-mail and password.</p>
      <LoginForm next={next} />
    </div>
  );
}
