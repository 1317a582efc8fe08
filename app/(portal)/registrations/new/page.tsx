import type { Metadata } from 'next';
import { RegistrationForm } from '@/components/RegistrationForm';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'New registration' };

export default async function NewRegistrationPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePage('editor');
  const sp = await searchParams;
  const raw = Number(typeof sp.ddiProviderId === 'string' ? sp.ddiProviderId : NaN);
  const providerId = Number.isInteger(raw) && raw > 0 ? raw : undefined;
  const returnTo = providerId !== undefined && sp.from === 'provider' ? `/providers/${providerId}` : '/registrations';
  return (
    <>
      <h1>New registration</h1>
      <RegistrationForm mode="create" initialProviderId={providerId} returnTo={returnTo} />
    </>
  );
}
