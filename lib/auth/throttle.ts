/**
 * Sign-in throttling (and every other check of an operator's password), over three kinds of keys:
 *
 * - `ip:<address>` and `pair:<e-mail>|<address>`: after `slowAfter` failures within the window
 *   each further attempt must wait longer (1 s, 2 s, 4 s … up to 60 s after the previous failure);
 *   at `lockAfter` failures the key is locked for `lockMs` after its last failure.
 * - `account:<e-mail>` (known or not, so it tells nothing): the same slow-down, capped at
 *   `ACCOUNT_DELAY_CAP_MS`, and never a lock: addresses that never proved anything cannot lock an
 *   operator out, they can only make each attempt on that account wait a little.
 *
 * An attempt is reserved before the password is verified (`reserveAttempt`: check and record in
 * one write transaction), so attempts in flight count as failures and parallel
 * requests cannot get more evaluations than the limits allow. A success withdraws its reservation
 * and clears the account's and the (account, address) failures; a failure keeps it.
 */
import { and, count, eq, gt, inArray, lt, max, sql } from 'drizzle-orm';
import { first, type Conn } from '../db/conn';
import type { Db } from '../db/client';
import { loginFailures } from '../db/schema';

export type ThrottlePolicy = { windowMs: number; slowAfter: number; lockAfter: number; lockMs: number };

const defaultThrottle: ThrottlePolicy = { windowMs: 15 * 60_000, slowAfter: 3, lockAfter: 10, lockMs: 15 * 60_000 };

/** The longest wait the per-account slow-down imposes (it never locks). */
export const ACCOUNT_DELAY_CAP_MS = 30_000;

export type ThrottleVerdict = { allowed: true } | { allowed: false; locked: boolean; retryAfterMs: number };

/** Attempts in flight: the failure rows recorded in advance, withdrawn on success. */
export type Reservation = { ids: number[]; keys: string[] };

const normalEmail = (email: string) => email.trim().toLowerCase();

const accountKey = (email: string) => `account:${normalEmail(email)}`;

/** The account's key, and with a known address the address's and the (account, address) pair's. */
export const throttleKeys = (ip: string | null, email: string) => [
  accountKey(email),
  ...(ip ? [`ip:${ip}`, `pair:${normalEmail(email)}|${ip}`] : []),
];

const isAccountKey = (key: string) => key.startsWith('account:');

function waitAfter(key: string, failures: number, policy: ThrottlePolicy): number {
  if (failures < policy.slowAfter) return 0;
  const slow = Math.min(1000 * 2 ** (failures - policy.slowAfter), 60_000);
  if (isAccountKey(key)) return Math.min(slow, ACCOUNT_DELAY_CAP_MS);
  return failures >= policy.lockAfter ? policy.lockMs : slow;
}

const horizon = (policy: ThrottlePolicy) => Math.max(policy.windowMs, policy.lockMs);

/** Whether an attempt may be checked now, from the failures (and reservations) recorded for `keys`. */
export async function checkThrottle(db: Conn, keys: string[], policy: ThrottlePolicy, now = Date.now()): Promise<ThrottleVerdict> {
  let worst: ThrottleVerdict = { allowed: true };
  for (const key of keys) {
    const row = await first(
      db
        .select({ n: count(), last: max(loginFailures.at) })
        .from(loginFailures)
        .where(and(eq(loginFailures.key, key), gt(loginFailures.at, now - horizon(policy)))),
    );
    const n = row?.n ?? 0;
    const last = row?.last ?? 0;
    const retryAfterMs = last + waitAfter(key, n, policy) - now;
    if (retryAfterMs > 0 && (worst.allowed || retryAfterMs > worst.retryAfterMs)) {
      worst = { allowed: false, locked: !isAccountKey(key) && n >= policy.lockAfter, retryAfterMs };
    }
  }
  return worst;
}

/** Records a failure for every key; returns the ids of the rows (one per key). */
export async function recordFailure(db: Conn, keys: string[], now = Date.now(), policy: ThrottlePolicy = defaultThrottle): Promise<number[]> {
  await db.delete(loginFailures).where(lt(loginFailures.at, now - horizon(policy)));
  if (keys.length === 0) return [];
  const rows = await db
    .insert(loginFailures)
    .values(keys.map((key) => ({ key, at: now })))
    .returning({ id: loginFailures.id });
  return rows.map((r) => r.id);
}

export async function clearFailures(db: Conn, keys: string[]): Promise<void> {
  if (keys.length > 0) await db.delete(loginFailures).where(inArray(loginFailures.key, keys));
}

/**
 * Checks the throttle and, when allowed, records the attempt as a failure in the same immediate
 * transaction (nothing can run between the check and the record), before the slow verification.
 */
export async function reserveAttempt(
  db: Db,
  keys: string[],
  policy: ThrottlePolicy,
  now = Date.now(),
): Promise<{ allowed: true; reservation: Reservation } | Extract<ThrottleVerdict, { allowed: false }>> {
  return db.transaction(
    async (tx) => {
      const verdict = await checkThrottle(tx, keys, policy, now);
      if (!verdict.allowed) return verdict;
      return { allowed: true as const, reservation: { ids: await recordFailure(tx, keys, now, policy), keys } };
    },
    { behavior: 'immediate' },
  );
}

/**
 * Settles a reserved attempt. A failure keeps the rows (dated now); a success withdraws them and
 * clears the account's and the (account, address) pair's failures (the address's stay).
 */
export async function settleAttempt(db: Conn, reservation: Reservation, succeeded: boolean, now = Date.now()): Promise<void> {
  if (reservation.ids.length === 0) return;
  if (!succeeded) {
    await db.update(loginFailures).set({ at: now }).where(inArray(loginFailures.id, reservation.ids));
    return;
  }
  await db.delete(loginFailures).where(inArray(loginFailures.id, reservation.ids));
  await clearFailures(db, reservation.keys.filter((k) => !k.startsWith('ip:')));
}

/**
 * An admin's unlock: clears the account's failures, its (account, address) pairs', and those of
 * the addresses that failed on it. Returns how many failures were cleared.
 */
export async function unlockAccount(db: Conn, email: string): Promise<number> {
  const e = normalEmail(email);
  const prefix = `pair:${e}|`;
  const pairs = (
    await db
      .selectDistinct({ key: loginFailures.key })
      .from(loginFailures)
      .where(sql`substr(${loginFailures.key}, 1, ${prefix.length}) = ${prefix}`)
  ).map((r) => r.key);
  const addresses = pairs.map((k) => `ip:${k.slice(prefix.length)}`);
  const keys = [accountKey(e), ...pairs, ...addresses];
  const removed = await db.delete(loginFailures).where(inArray(loginFailures.key, keys)).returning({ id: loginFailures.id });
  return removed.length;
}
