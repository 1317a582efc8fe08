// Refresh and retry delays. All results are milliseconds.
import type { RandomSource } from '../util/random';

export interface RetryPolicy {
  /** Minimum retry delay after a failure. */
  backoffFloorMs: number;
  /** Maximum retry delay (also caps Retry-After). */
  backoffCapMs: number;
  /** Slow schedule for rejected registrations (bad credentials, 403, 404...). */
  rejectedRetryMinMs: number;
  rejectedRetryMaxMs: number;
  /** Refreshes are never scheduled sooner than this. */
  minRefreshMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  backoffFloorMs: 2_000,
  backoffCapMs: 300_000,
  rejectedRetryMinMs: 300_000,
  rejectedRetryMaxMs: 900_000,
  minRefreshMs: 15_000,
};

/** The longest Retry-After honoured (a day): anything longer reads as a server mistake. */
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

/**
 * Refresh before the binding lapses, early enough that failing over to the next
 * servers (`failoverMs`: Timer F for each, default one) still fits:
 * min(85% of granted, granted − failoverMs), but not before half of it; made a
 * little earlier by up to 5% (max 10 s) of jitter so 10,000 bindings granted
 * together do not refresh in lock-step.
 */
export function refreshDelayMs(grantedSeconds: number, policy: RetryPolicy, random: RandomSource, failoverMs = 32_000): number {
  const base = Math.max(grantedSeconds * 500, Math.min(grantedSeconds * 850, grantedSeconds * 1000 - failoverMs));
  const jitter = random() * Math.min(base * 0.05, 10_000);
  // At most one REGISTER per binding per minRefreshMs in the steady state, unless the grant
  // itself is shorter: then at 90 % of it, so the binding never lapses.
  const floor = Math.max(1_000, Math.min(policy.minRefreshMs, grantedSeconds * 900));
  return Math.max(floor, Math.round(base - Math.max(0, jitter)));
}

/**
 * Exponential backoff with full jitter: uniform in [floor, min(cap, floor·2^attempts)].
 * A Retry-After (ms) is honoured as a lower bound (RFC 3261 §21.5.4: not sooner), up to a day.
 */
export function backoffDelayMs(attempts: number, retryAfterMs: number | null, policy: RetryPolicy, random: RandomSource): number {
  const floor = policy.backoffFloorMs;
  const upper = Math.min(policy.backoffCapMs, floor * 2 ** Math.min(Math.max(attempts, 0), 30));
  const delay = floor + random() * Math.max(0, upper - floor);
  const honoured = retryAfterMs === null ? 0 : Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  return Math.round(Math.max(delay, honoured));
}

/** A rejected registration is retried slowly, or when its Retry-After says (never sooner). */
export function rejectedDelayMs(policy: RetryPolicy, random: RandomSource, retryAfterMs: number | null = null): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  return Math.round(policy.rejectedRetryMinMs + random() * (policy.rejectedRetryMaxMs - policy.rejectedRetryMinMs));
}
