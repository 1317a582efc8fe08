import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Flash } from '@/components/Flash';
import { ProviderDetail } from '@/components/ProviderDetail';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'DDI provider' };

export default async function ProviderPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePage();
  const id = Number((await params).id);
  if (!Number.isInteger(id) || id <= 0) notFound();
  return (
    <>
      <Flash />
      <ProviderDetail id={id} />
    </>
  );
}
