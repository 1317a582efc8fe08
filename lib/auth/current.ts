import 'server-only';
import { headers } from 'next/headers';
import { getDb } from '../db/client';
import { authenticate } from './authenticate';
import { requestScheme } from './cookies';
import { publicOperator, type OperatorPublic } from './principal';

/** The operator signed in for the page being rendered (server components), or null. */
export async function currentOperator(): Promise<OperatorPublic | null> {
  const h = await headers();
  // The raw Cookie header, parsed like the gate does (next/headers' cookies() keeps the last of duplicates).
  const principal = await authenticate(getDb(), { cookie: h.get('cookie'), authorization: h.get('authorization'), secure: requestScheme(h.get('x-forwarded-proto')) === 'https' });
  return principal ? publicOperator(principal) : null;
}
