// The expiry invariant on the read side: a binding whose lifetime ran out without a successful
// refresh is not registered, whoever reads it. The engine makes the same transition itself at
// `expiresAt`; this covers what it cannot, e.g. an engine that died (SIGKILL, crash) with
// `registered` as its last stored word. Dependency-free: the server and the browser both use it.

type StatusLike = { state: string; code: number | null; reason: string | null; at: number | string; expiresAt: number | string | null };

function ms(v: number | string | null): number | null {
  if (v === null || v === '') return null;
  const t = typeof v === 'number' ? v : new Date(v).getTime();
  return Number.isNaN(t) ? null : t;
}

/** `status` as of `now`: `registered` past its `expiresAt` reads as `retrying` with cause `expired`, since then. */
export function withLapse<S extends StatusLike>(status: S, now: number): S {
  const expiresAt = ms(status.expiresAt);
  if (status.state !== 'registered' || expiresAt === null || expiresAt > now) return status;
  return { ...status, state: 'retrying', code: null, reason: 'expired', at: expiresAt };
}
