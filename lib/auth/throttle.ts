/**
 * Sign-in throttling, per client address and per account (known or not, so it tells nothing).
 * After `slowAfter` failures within the window each further attempt must wait longer (1 s, 2 s,
 * 4 s … up to 60 s after the previous failure); at `lockAfter` failures the key is locked for
 * `lockMs` after its last failure. A success clears the account's failures.
 */
import { and, count, eq, gt, inArray, lt, max } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { loginFailures } from '../db/schema';

export type ThrottlePolicy = { windowMs: number; slowAfter: number; lockAfter: number; lockMs: number };

export const defaultThrottle: ThrottlePolicy = { windowMs: 15 * 60_000, slowAfter: 3, lockAfter: 10, lockMs: 15 * 60_000 };

export type ThrottleVerdict = { allowed: true } | { allowed: false; locked: boolean; retryAfterMs: number };

export const throttleKeys = (ip: string | null, email: string) => [`account:${email.trim().toLowerCase()}`, ...(ip ? [`ip:${ip}`] : [])];

function waitAfter(failures: number, policy: ThrottlePolicy): number {
  if (failures >= policy.lockAfter) return policy.lockMs;
  if (failures < policy.slowAfter) return 0;
  return Math.min(1000 * 2 ** (failures - policy.slowAfter), 60_000);
}

/** Whether an attempt may be checked now, from the failures recorded for `keys`. */
export function checkThrottle(db: Conn, keys: string[], policy: ThrottlePolicy, now = Date.now()): ThrottleVerdict {
  let worst: ThrottleVerdict = { allowed: true };
  for (const key of keys) {
    const row = db
      .select({ n: count(), last: max(loginFailures.at) })
      .from(loginFailures)
      .where(and(eq(loginFailures.key, key), gt(loginFailures.at, now - Math.max(policy.windowMs, policy.lockMs))))
      .get();
    const n = row?.n ?? 0;
    const last = row?.last ?? 0;
    const retryAfterMs = last + waitAfter(n, policy) - now;
    if (retryAfterMs > 0 && (worst.allowed || retryAfterMs > worst.retryAfterMs)) {
      worst = { allowed: false, locked: n >= policy.lockAfter, retryAfterMs };
    }
  }
  return worst;
}

export function recordFailure(db: Conn, keys: string[], now = Date.now(), policy: ThrottlePolicy = defaultThrottle): void {
  db.delete(loginFailures).where(lt(loginFailures.at, now - Math.max(policy.windowMs, policy.lockMs))).run();
  db.insert(loginFailures).values(keys.map((key) => ({ key, at: now }))).run();
}

export function clearFailures(db: Conn, keys: string[]): void {
  db.delete(loginFailures).where(inArray(loginFailures.key, keys)).run();
}
