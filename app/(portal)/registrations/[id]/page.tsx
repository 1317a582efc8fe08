import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { RegistrationDetail } from '@/components/RegistrationDetail';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'Registration' };

export default async function RegistrationPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePage();
  const id = Number((await params).id);
  if (!Number.isInteger(id) || id <= 0) notFound();
  return <RegistrationDetail id={id} />;
}
