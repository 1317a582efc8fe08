// Injectable time source. Production code uses `systemClock`; tests use
// `FakeClock` and move time forward explicitly with `advance(ms)`.
export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as FakeTimer | undefined;
    if (timer) timer.cancelled = true;
  }

  /** Number of timers still armed. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward synchronously, firing due timers in deadline order. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (let next = this.popDue(end); next; next = this.popDue(end)) {
      this.current = next.at;
      next.fn();
    }
    this.current = end;
  }

  /** Fires only the earliest armed timer (time moves to its deadline); false when none is armed. */
  fireNext(): boolean {
    const next = this.popDue(Infinity);
    if (!next) return false;
    this.current = Math.max(this.current, next.at);
    next.fn();
    return true;
  }

  /**
   * Like `advance`, but lets promise continuations run after each timer so
   * async code driven by timers settles between firings.
   */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.current + ms;
    await settle();
    for (let next = this.popDue(end); next; next = this.popDue(end)) {
      this.current = next.at;
      next.fn();
      await settle();
    }
    this.current = end;
    await settle();
  }

  private popDue(end: number): FakeTimer | undefined {
    let best = -1;
    for (let i = 0; i < this.timers.length; i++) {
      const t = this.timers[i];
      if (t.cancelled || t.at > end) continue;
      if (best < 0 || t.at < this.timers[best].at || (t.at === this.timers[best].at && t.seq < this.timers[best].seq)) best = i;
    }
    if (best < 0) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      return undefined;
    }
    const [timer] = this.timers.splice(best, 1);
    return timer;
  }
}

/** Lets pending promise continuations and I/O callbacks run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
