// A clock for engine tests against real peers (Kamailio, sipp): it runs in real time — its timers
// are real timers, so retransmissions and timeouts behave as with `systemClock` — and `jump(ms)`
// moves it forward at once, firing the timers that fall due in deadline order. A negative check
// ("nothing is sent while disabled") then covers minutes of the engine's time without a sleep.
import { settle, type Clock, type TimerHandle } from '../../registrar/clock';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  real: NodeJS.Timeout | null;
}

export class JumpClock implements Clock {
  private offset = 0;
  private seq = 0;
  private readonly timers = new Set<Timer>();

  now(): number {
    return Date.now() + this.offset;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.now() + Math.max(0, ms), seq: this.seq++, fn, real: null };
    this.timers.add(timer);
    this.arm(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as Timer | undefined;
    if (!timer || !this.timers.delete(timer)) return;
    if (timer.real) clearTimeout(timer.real);
  }

  /**
   * Moves time forward by `ms` at once: the timers due by then fire in deadline order, each at its
   * own time (as with FakeClock.advance), with promise continuations and I/O callbacks settling
   * after each. Real time keeps running afterwards: leave a margin before the next deadline.
   */
  async jump(ms: number): Promise<void> {
    const target = this.now() + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers) if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (!next) break;
      this.offset = Math.max(this.offset, next.at - Date.now());
      this.fire(next);
      await settle();
    }
    this.offset = Math.max(this.offset, target - Date.now());
    for (const t of this.timers) this.arm(t);
    await settle();
  }

  private arm(timer: Timer): void {
    if (timer.real) clearTimeout(timer.real);
    timer.real = setTimeout(() => this.fire(timer), Math.max(0, timer.at - this.now()));
    timer.real.unref();
  }

  private fire(timer: Timer): void {
    if (!this.timers.delete(timer)) return;
    if (timer.real) clearTimeout(timer.real);
    timer.fn();
  }
}
