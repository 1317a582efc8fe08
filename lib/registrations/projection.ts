// Countdowns without a push per refresh. The timeline and the live stream carry transitions only:
// a refresh that changes nothing (same state, code, reason, server) is written to the status row
// but pushed to nobody, so a screen holds the expiry and next attempt of the last transition (or
// snapshot). While no transition says otherwise, the engine did refresh at `nextAttemptAt`
// (a failed refresh is a transition, pushed within a second): the binding then runs for another
// `grantedExpires` from there, and the next refresh comes one cycle later. This projects those
// cycles forward to `now`. The refresh delay is jittered per cycle, so a projected time is
// within a few seconds of the engine's; the detail page re-reads the exact row after each one.
// Dependency-free: the server and the browser both use it.

type StatusLike = {
  state: string;
  expiresAt: number | string | null;
  nextAttemptAt: number | string | null;
  grantedExpires?: number | null;
  lastSuccessAt?: number | string | null;
};

function ms(v: number | string | null | undefined): number | null {
  if (v === null || v === undefined || v === '') return null;
  const t = typeof v === 'number' ? v : new Date(v).getTime();
  return Number.isNaN(t) ? null : t;
}

/**
 * `status` with the refreshes due by `now` applied: for a `registered` status past its next
 * attempt, the expiry, next attempt (and last success) of the latest cycle. Anything else, or
 * without a granted lifetime, is returned as it is.
 */
export function projectRefresh<S extends StatusLike>(status: S, now: number): S {
  const next = ms(status.nextAttemptAt);
  const expires = ms(status.expiresAt);
  const granted = status.grantedExpires;
  if (status.state !== 'registered' || next === null || expires === null || !granted || now < next) return status;
  // cycle = refresh delay = granted lifetime − the margin kept before expiry
  const cycle = granted * 1000 - (expires - next);
  if (!(cycle > 0)) return status;
  const k = Math.floor((now - next) / cycle) + 1;
  const refreshedAt = next + (k - 1) * cycle;
  return {
    ...status,
    expiresAt: refreshedAt + granted * 1000,
    nextAttemptAt: next + k * cycle,
    ...(status.lastSuccessAt !== undefined ? { lastSuccessAt: refreshedAt } : {}),
  };
}

/** The granted lifetime (s) a `registered` transition implies: it was granted at `at`, until `expiresAt`. */
export function grantedFromTransition(s: { state: string; at: number; expiresAt: number | null }): number | null {
  if (s.state !== 'registered' || s.expiresAt === null || s.expiresAt <= s.at) return null;
  return Math.round((s.expiresAt - s.at) / 1000);
}
