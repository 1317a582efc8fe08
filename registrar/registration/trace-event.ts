// A `trace` event whose text is redacted when first read, not when the message passes by: the
// StatusStore drops most messages unread (routine refreshes, see store/status-store.ts), and
// redacting every one (three regex passes over each REGISTER and each response) is wasted on
// them. The raw text is a private field: `text` (a getter, memoized) and `toJSON` hand out the
// redacted text only; a spread or structuredClone copies the other fields and no text at all.
// A class, not an object literal with a getter: one shared shape and no closure per message
// (the literal cost ≈ 15 MiB more peak RSS at 10,000 first registrations).
import { redact } from '../auth/redact';
import type { TraceEntry, TraceEvent } from './status';
import type { TraceRing } from './trace-ring';

export class LazyTraceEvent implements TraceEvent {
  #raw: string | null;
  #text: string | null = null;
  /** Where the registration keeps this message in memory, until a store says it wrote it. */
  #ring: TraceRing | null;
  #entry: TraceEntry | null;
  /** Set by the StatusStore when the request's retransmissions are told while the event still waits there. */
  retransmits?: number[];

  constructor(
    readonly registrationId: string,
    readonly direction: TraceEntry['direction'],
    readonly at: number,
    readonly remote: string,
    raw: string,
    ring: TraceRing | null = null,
    entry: TraceEntry | null = null,
  ) {
    this.#raw = raw;
    this.#ring = ring;
    this.#entry = entry;
  }

  persisted(): void {
    if (this.#ring && this.#entry) this.#ring.forgetThrough(this.#entry);
    this.#ring = null;
    this.#entry = null;
  }

  get text(): string {
    if (this.#text === null) {
      this.#text = redact(this.#raw ?? '');
      this.#raw = null;
    }
    return this.#text;
  }

  toJSON(): TraceEvent {
    const json: TraceEvent = { registrationId: this.registrationId, direction: this.direction, at: this.at, remote: this.remote, text: this.text };
    if (this.retransmits) json.retransmits = this.retransmits;
    return json;
  }
}
