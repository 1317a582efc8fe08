/**
 * When a failed delivery is tried again: exponential backoff with "equal jitter" (half the delay
 * fixed, half random), so a receiver that was down is not hit by every portal at the same moment,
 * yet the wait still grows. Bounded: MAX_ATTEMPTS in all, then the delivery is `failed`.
 */
export const MAX_ATTEMPTS = 6;
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 5 * 60_000;

/** Delay before attempt `attempt + 1` after `attempt` failed ones (1-based); `random` in [0, 1). */
export function retryDelayMs(attempt: number, random: () => number = Math.random, baseMs = BACKOFF_BASE_MS, capMs = BACKOFF_CAP_MS): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
