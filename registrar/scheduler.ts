// Min-heap of deadlines driven by a single timer on the injected clock.
// Thousands of registrations and transactions share one armed clock timer;
// cancelling is O(log n) because every entry knows its heap index. Hot
// callers pass a shared function plus a receiver argument instead of
// allocating a closure per task.
// One timer turn runs at most `maxPerTurn` due tasks, then re-arms at 0 ms: a burst of due
// work (10,000 first REGISTERs at start-up spread 0, a refresh wave) is cut into slices with
// the event loop's I/O in between, instead of one 100–200 ms task that delays every response
// and timer behind it (event-loop delay, tests/bench/product.ts).
import type { Clock, TimerHandle } from './clock';

export interface ScheduledTask {
  readonly at: number;
  /** Heap position; -1 once fired or cancelled. */
  index: number;
}

interface Entry extends ScheduledTask {
  at: number;
  seq: number;
  fn: (arg: unknown) => void;
  arg: unknown;
}

export class Scheduler {
  private readonly heap: Entry[] = [];
  private seq = 0;
  private armedAt = Infinity;
  private armed: TimerHandle | null = null;
  private running = false;
  private readonly fire = (): void => this.runDue();

  /** `maxPerTurn`: due tasks run per timer turn (default 128, ≈ 2–4 ms of REGISTER starts). */
  constructor(
    readonly clock: Clock,
    private readonly maxPerTurn = 128,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  now(): number {
    return this.clock.now();
  }

  /** Runs `fn` (or `fn(arg)`) after `delayMs` (clamped at 0). */
  after(delayMs: number, fn: () => void): ScheduledTask;
  after<T>(delayMs: number, fn: (arg: T) => void, arg: T): ScheduledTask;
  after(delayMs: number, fn: (arg: unknown) => void, arg?: unknown): ScheduledTask {
    const entry: Entry = { at: this.clock.now() + Math.max(0, delayMs), seq: this.seq++, fn, arg, index: this.heap.length };
    this.heap.push(entry);
    this.up(entry.index);
    if (entry.index === 0) this.rearm();
    return entry;
  }

  /**
   * Like `after`, but due at the first multiple of `gridMs` on the clock at or after now +
   * `delayMs`, for work that can wait that long (a refresh well before its expiry): tasks made
   * over a stretch of time then share one timer turn instead of waking the process one by one.
   * Each wake-up of a waiting process costs ≈ 40–50 µs of CPU on the 2-core benchmark machine
   * (tests/bench/wakeups.ts): a refresh round of 10,000 spread over 6 s took 2.75 s of CPU with
   * each refresh on its own millisecond, 1.95 s on 100 ms steps (tests/bench/registrations.ts --refresh-round).
   */
  afterOnGrid<T>(delayMs: number, gridMs: number, fn: (arg: T) => void, arg: T): ScheduledTask {
    const now = this.clock.now();
    const at = now + Math.max(0, delayMs);
    return this.after(gridMs > 0 ? Math.ceil(at / gridMs) * gridMs - now : at - now, fn, arg);
  }

  cancel(task: ScheduledTask | null | undefined): void {
    if (!task || task.index < 0) return;
    const i = task.index;
    const last = this.heap.pop() as Entry;
    task.index = -1;
    if (last !== task) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
    if (i === 0) this.rearm();
  }

  /** Cancels everything (engine shutdown). */
  clear(): void {
    for (const e of this.heap) e.index = -1;
    this.heap.length = 0;
    this.rearm();
  }

  private runDue(): void {
    this.armed = null;
    this.armedAt = Infinity;
    const now = this.clock.now();
    this.running = true;
    let budget = this.maxPerTurn;
    try {
      while (this.heap.length > 0 && this.heap[0].at <= now && budget-- > 0) {
        const top = this.heap[0];
        this.cancel(top);
        top.fn(top.arg);
      }
    } finally {
      this.running = false;
      this.rearm();
    }
  }

  private rearm(): void {
    if (this.running) return;
    const next = this.heap.length > 0 ? this.heap[0].at : Infinity;
    if (next === this.armedAt) return;
    if (this.armed !== null) this.clock.clearTimeout(this.armed);
    this.armed = null;
    this.armedAt = next;
    // A slice cut short leaves due tasks: re-armed at 0 ms, so I/O runs before the next slice.
    if (next !== Infinity) this.armed = this.clock.setTimeout(this.fire, Math.max(0, next - this.clock.now()));
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(e, h[p])) break;
      h[i] = h[p];
      h[i].index = i;
      i = p;
    }
    h[i] = e;
    e.index = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r], h[l]) ? r : l;
      if (!this.less(h[c], e)) break;
      h[i] = h[c];
      h[i].index = i;
      i = c;
    }
    h[i] = e;
    e.index = i;
  }
}
