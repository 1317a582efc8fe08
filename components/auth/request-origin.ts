import 'server-only';
import { headers } from 'next/headers';
import { requestScheme } from '@/lib/auth/cookies';

/** The portal's address as the browser reached it (Host, and https behind a TLS proxy), for examples. */
export async function requestOrigin(): Promise<string> {
  const h = await headers();
  const scheme = requestScheme(h.get('x-forwarded-proto'));
  return `${scheme}://${h.get('host') ?? 'localhost:3000'}`;
}
