/**
 * Checking an operator's password under the sign-in throttle (throttle.ts): the attempt is
 * reserved before the slow scrypt verification and settled after it, so concurrent attempts
 * cannot get past the limits. Used by sign-in, the password change and token creation.
 */
import type { Db } from '../db/client';
import { fail, type ApiError } from '../api/result';
import { reserveAttempt, settleAttempt, throttleKeys, type ThrottlePolicy, type ThrottleVerdict } from './throttle';

/** A throttled attempt's answer: `throttled` or `locked`, with how long to wait. */
export type Refusal = { error: ApiError; retryAfterMs: number };

function refusal(verdict: Extract<ThrottleVerdict, { allowed: false }>): Refusal {
  const seconds = Math.ceil(verdict.retryAfterMs / 1000);
  const message = verdict.locked
    ? `Too many failed sign-ins: signing in is locked for ${Math.ceil(seconds / 60)} min.`
    : `Too many failed sign-ins: wait ${seconds} s before trying again.`;
  return { ...fail(verdict.locked ? 'locked' : 'throttled', message), retryAfterMs: verdict.retryAfterMs };
}

/**
 * Runs `verify` (true when the password is right) once the attempt for (`email`, `ip`) is
 * reserved; a refusal when the throttle says no (nothing is verified then). The attempt is judged
 * and recorded at `at` (default: now), when it arrived, however long it then waits for the write
 * transaction behind other attempts: a burst is judged as the burst it was.
 */
export async function throttledCheck(
  db: Db,
  who: { email: string; ip: string | null },
  policy: ThrottlePolicy,
  verify: () => Promise<boolean>,
  at = Date.now(),
): Promise<{ passed: boolean } | Refusal> {
  const reserved = await reserveAttempt(db, throttleKeys(who.ip, who.email), policy, at);
  if (!reserved.allowed) return refusal(reserved);
  let passed = false;
  try {
    passed = await verify();
  } finally {
    await settleAttempt(db, reserved.reservation, passed);
  }
  return { passed };
}
