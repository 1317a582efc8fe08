import type { Env } from '../env';
import type { ThrottlePolicy } from './throttle';

/** The sign-in throttling policy from LOGIN_SLOW_AFTER, LOGIN_LOCK_AFTER and LOGIN_LOCK_MINUTES. */
export function throttlePolicy(config: Env): ThrottlePolicy {
  const lockMs = config.LOGIN_LOCK_MINUTES * 60_000;
  return { windowMs: Math.max(15 * 60_000, lockMs), slowAfter: config.LOGIN_SLOW_AFTER, lockAfter: config.LOGIN_LOCK_AFTER, lockMs };
}
