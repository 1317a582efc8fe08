import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ProviderEdit } from '@/components/ProviderDetail';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'Edit DDI provider' };

export default async function EditProviderPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePage('editor');
  const id = Number((await params).id);
  if (!Number.isInteger(id) || id <= 0) notFound();
  return <ProviderEdit id={id} />;
}
