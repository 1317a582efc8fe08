import type { Metadata } from 'next';
import { ProviderForm } from '@/components/ProviderForm';

export const metadata: Metadata = { title: 'New DDI provider' };

export default function NewProviderPage() {
  return (
    <>
      <h1>New DDI provider</h1>
      <ProviderForm />
    </>
  );
}
