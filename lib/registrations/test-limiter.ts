/**
 * Pace of "Test registration" per operator: at most `concurrent` at a time and `perMinute` started
 * in any 60 s, so the feature cannot be turned into a port scanner or a packet cannon (each test
 * is one short-lived engine sending REGISTERs to a host the operator typed).
 */
export type TestSlot = { ok: true; release: () => void } | { ok: false; retryAfterMs: number };

export class TestLimiter {
  private readonly running = new Map<number, number>();
  private readonly started = new Map<number, number[]>();

  constructor(
    private readonly limits: { concurrent: number; perMinute: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot for `operatorId`, or says how long to wait. */
  acquire(operatorId: number): TestSlot {
    const now = this.now();
    const recent = (this.started.get(operatorId) ?? []).filter((t) => t > now - 60_000);
    const running = this.running.get(operatorId) ?? 0;
    if (recent.length >= this.limits.perMinute) {
      this.started.set(operatorId, recent);
      return { ok: false, retryAfterMs: recent[0]! + 60_000 - now };
    }
    if (running >= this.limits.concurrent) return { ok: false, retryAfterMs: 1_000 };
    recent.push(now);
    this.started.set(operatorId, recent);
    this.running.set(operatorId, running + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const n = (this.running.get(operatorId) ?? 1) - 1;
        if (n > 0) this.running.set(operatorId, n);
        else this.running.delete(operatorId);
      },
    };
  }
}
