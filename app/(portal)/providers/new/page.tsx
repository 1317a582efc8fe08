import type { Metadata } from 'next';
import { ProviderForm } from '@/components/ProviderForm';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'New DDI provider' };

export default async function NewProviderPage() {
  await requirePage('editor');
  return (
    <>
      <h1>New DDI provider</h1>
      <ProviderForm />
    </>
  );
}
