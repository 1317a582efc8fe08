// Token bucket that paces new outbound transactions so a 10,000-account
// burst does not overflow local or remote UDP buffers.
import type { Scheduler, ScheduledTask } from '../scheduler';

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly waiters: Array<() => void> = [];
  private head = 0;
  private wake: ScheduledTask | null = null;
  private readonly drain = (): void => this.onWake();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.last = scheduler.now();
  }

  /** Resolves when a token is available; FIFO among waiters. */
  acquire(): Promise<void> {
    if (this.head === this.waiters.length && this.take()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
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
    this.wake = this.scheduler.after(Math.max(1, Math.ceil((missing * 1000) / this.ratePerSec)), this.drain);
  }

  private onWake(): void {
    this.wake = null;
    while (this.head < this.waiters.length && this.take()) this.waiters[this.head++]();
    if (this.head === this.waiters.length) {
      this.waiters.length = 0;
      this.head = 0;
    } else {
      this.arm();
    }
  }
}
