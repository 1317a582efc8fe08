// Bounded ring of the last SIP messages of one registration, limited both in
// messages and in characters (≈ bytes: SIP is mostly ASCII). Messages are
// kept as decoded text: the request text register-request.ts built anyway, or one
// flat copy of a response (never a slice pinning a socket or pool buffer),
// and redacted only when read, so the hot path pays no regex cost.
import { redact } from '../auth/redact';
import type { TraceEntry } from './status';

/** Shorter than any REGISTER or response this engine sends or takes (Via, From, To, Call-ID, CSeq are ≈ 200 alone). */
const MIN_MESSAGE_CHARS = 200;

export class TraceRing {
  private readonly items: Array<TraceEntry | undefined>;
  private next = 0;
  private count = 0;
  private chars = 0;

  private readonly capacity: number;

  /**
   * `capacity` messages at most, and no more than `maxChars` can hold: a SIP message is longer
   * than MIN_MESSAGE_CHARS, so a small share of the budget (≈ 670 characters each at 100,000
   * registrations) gets 3 slots rather than 12 (72 bytes less per registration).
   */
  constructor(capacity: number, private readonly maxChars: number) {
    this.capacity = Math.min(capacity, Math.max(1, Math.floor(maxChars / MIN_MESSAGE_CHARS)));
    this.items = new Array<TraceEntry | undefined>(this.capacity);
  }

  /**
   * Keeps `text` (unredacted), dropping the oldest entries beyond the limits; the newest message
   * is always kept. Returns the entry (its `retransmits` is filled in when its transaction ends).
   */
  push(direction: TraceEntry['direction'], at: number, remote: string, text: string): TraceEntry | null {
    if (this.capacity === 0) return null;
    while (this.count > 0 && (this.count === this.capacity || this.chars + text.length > this.maxChars)) this.dropOldest();
    const entry: TraceEntry = { direction, at, remote, text };
    this.items[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    this.count++;
    this.chars += text.length;
    return entry;
  }

  /** Oldest first, redacted. */
  entries(): TraceEntry[] {
    const out: TraceEntry[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const e = this.items[(start + i) % this.capacity] as TraceEntry;
      const copy: TraceEntry = { direction: e.direction, at: e.at, remote: e.remote, text: redact(e.text) };
      if (e.retransmits) copy.retransmits = [...e.retransmits];
      out.push(copy);
    }
    return out;
  }

  /**
   * Forgets `entry` and every older entry (a store wrote them: see TraceEvent.persisted); nothing
   * when `entry` left the ring already. At 10,000 first registrations the rings held 19 MiB of
   * SIP text that the database had too (issue 12).
   */
  forgetThrough(entry: TraceEntry): void {
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      if (this.items[(start + i) % this.capacity] !== entry) continue;
      for (let k = 0; k <= i; k++) this.dropOldest();
      return;
    }
  }

  private dropOldest(): void {
    const i = (this.next - this.count + this.capacity) % this.capacity;
    this.chars -= (this.items[i] as TraceEntry).text.length;
    this.items[i] = undefined;
    this.count--;
  }
}
