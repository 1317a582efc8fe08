/**
 * Sign-in with e-mail and password. The answer never says which of the two was wrong, an unknown
 * e-mail costs the same scrypt time as a known one, and failures are throttled (throttle.ts).
 */
import type { Db } from '../db/client';
import { fail, ok, type ActionResult } from '../api/result';
import type { OperatorPublic } from './principal';
import { findOperatorByEmail } from './operators';
import { dummyHash, verifyPassword } from './password';
import { createSession, type NewSession } from './sessions';
import { checkThrottle, clearFailures, recordFailure, throttleKeys, type ThrottlePolicy } from './throttle';

export type LoginInput = { email: string; password: string; ip: string | null; userAgent: string | null };
export type LoginOutcome = { session: NewSession; operator: OperatorPublic };

export const WRONG_CREDENTIALS = 'E-mail or password is incorrect.';

/** `{ data }` with a new session, or `invalid_credentials` / `throttled` / `locked` (with `retryAfterMs`). */
export async function login(db: Db, input: LoginInput, policy: ThrottlePolicy): Promise<ActionResult<LoginOutcome> & { retryAfterMs?: number }> {
  const keys = throttleKeys(input.ip, input.email);
  const verdict = checkThrottle(db, keys, policy);
  if (!verdict.allowed) {
    const seconds = Math.ceil(verdict.retryAfterMs / 1000);
    const message = verdict.locked
      ? `Too many failed sign-ins: signing in is locked for ${Math.ceil(seconds / 60)} min.`
      : `Too many failed sign-ins: wait ${seconds} s before trying again.`;
    return { ...fail(verdict.locked ? 'locked' : 'throttled', message), retryAfterMs: verdict.retryAfterMs };
  }
  const op = findOperatorByEmail(db, input.email);
  const valid = await verifyPassword(input.password, op?.passwordHash ?? (await dummyHash));
  if (!op || !valid || op.disabled) {
    recordFailure(db, keys, Date.now(), policy);
    return fail('invalid_credentials', WRONG_CREDENTIALS);
  }
  clearFailures(db, keys.slice(0, 1));
  const session = createSession(db, op.id, { ip: input.ip, userAgent: input.userAgent });
  return ok({ session, operator: { id: op.id, email: op.email, name: op.name, role: op.role } });
}
