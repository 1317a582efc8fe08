import 'server-only';
import { cookies, headers } from 'next/headers';
import { getDb } from '../db/client';
import { authenticate } from './authenticate';
import { publicOperator, type OperatorPublic } from './principal';

/** The operator signed in for the page being rendered (server components), or null. */
export async function currentOperator(): Promise<OperatorPublic | null> {
  const [cookieStore, headerStore] = await Promise.all([cookies(), headers()]);
  const principal = authenticate(getDb(), { cookie: cookieStore.toString(), authorization: headerStore.get('authorization') });
  return principal ? publicOperator(principal) : null;
}
