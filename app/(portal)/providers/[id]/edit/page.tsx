import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ProviderEdit } from '@/components/ProviderDetail';

export const metadata: Metadata = { title: 'Edit DDI provider' };

export default async function EditProviderPage({ params }: { params: Promise<{ id: string }> }) {
  const id = Number((await params).id);
  if (!Number.isInteger(id) || id <= 0) notFound();
  return <ProviderEdit id={id} />;
}
