// Bounded ring of the last SIP messages of one registration. Raw bytes are
// kept and redacted only when read, so the hot path pays no regex cost.
import { redact } from '../auth/redact';
import type { TraceEntry } from './status';

interface RawEntry {
  direction: 'out' | 'in';
  at: number;
  remote: string;
  data: Buffer;
}

export class TraceRing {
  private readonly items: Array<RawEntry | undefined>;
  private next = 0;
  private count = 0;

  constructor(private readonly capacity: number) {
    this.items = new Array<RawEntry | undefined>(capacity);
  }

  push(direction: 'out' | 'in', at: number, remote: string, data: Buffer): void {
    if (this.capacity === 0) return;
    this.items[this.next] = { direction, at, remote, data };
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Oldest first, redacted. */
  entries(): TraceEntry[] {
    const out: TraceEntry[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const e = this.items[(start + i) % this.capacity] as RawEntry;
      out.push({ direction: e.direction, at: e.at, remote: e.remote, text: redact(e.data.toString('utf8')) });
    }
    return out;
  }
}
