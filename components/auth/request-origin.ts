import 'server-only';
import { headers } from 'next/headers';
import { isHttps } from '@/lib/auth/cookies';

/** The portal's address as the browser reached it (Host, and https behind a TLS proxy), for examples. */
export async function requestOrigin(): Promise<string> {
  const h = await headers();
  const scheme = isHttps('http:', h.get('x-forwarded-proto')) ? 'https' : 'http';
  return `${scheme}://${h.get('host') ?? 'localhost:3000'}`;
}
