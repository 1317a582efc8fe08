// Token bucket that paces new outbound transactions so a 10,000-account
// burst does not overflow local or remote UDP buffers. Waiters are queued as
// (function, argument) pairs, so a registration waiting for its turn costs
// two array slots rather than a promise and a suspended async frame.
import type { Scheduler, ScheduledTask } from '../scheduler';

export class TokenBucket {
  private tokens: number;
  private last: number;
  /** FIFO of waiters: fn at even, argument at odd indexes. */
  private readonly waiters: unknown[] = [];
  private head = 0;
  private wake: ScheduledTask | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.last = scheduler.now();
  }

  /** Calls `fn(arg)` when a token is available: synchronously if one is free now; FIFO among waiters. */
  schedule<T>(fn: (arg: T) => void, arg: T): void {
    if (this.head === this.waiters.length && this.take()) {
      fn(arg);
      return;
    }
    this.waiters.push(fn, arg);
    this.arm();
  }

  /** Resolves when a token is available; FIFO among waiters. */
  acquire(): Promise<void> {
    if (this.head === this.waiters.length && this.take()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve, undefined);
      this.arm();
    });
  }

  private refill(): void {
    const now = this.scheduler.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSec) / 1000);
    this.last = now;
  }

  private take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private arm(): void {
    if (this.wake) return;
    const missing = Math.max(0, 1 - this.tokens);
    this.wake = this.scheduler.after(Math.max(1, Math.ceil((missing * 1000) / this.ratePerSec)), TokenBucket.drain, this);
  }

  private static drain(bucket: TokenBucket): void {
    bucket.onWake();
  }

  private onWake(): void {
    this.wake = null;
    const w = this.waiters;
    while (this.head < w.length && this.take()) {
      const fn = w[this.head] as (arg: unknown) => void;
      const arg = w[this.head + 1];
      w[this.head] = w[this.head + 1] = undefined;
      this.head += 2;
      fn(arg);
    }
    if (this.head === w.length) {
      w.length = 0;
      this.head = 0;
    } else {
      this.arm();
    }
  }
}
