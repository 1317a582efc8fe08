// A `trace` event whose text is redacted when first read, not when the message passes by: the
// StatusStore drops most messages (routine refreshes, see store/status-store.ts), and redacting
// every one of them (three regex passes over each REGISTER and its response) cost more CPU than
// storing the few that are kept. The raw text lives only in this closure: `text` is an own,
// enumerable getter, so reading it, spreading the event (`{ ...e }`), JSON.stringify and
// structuredClone all see the redacted text, once, memoized; nothing hands out the raw one.
import { redact } from '../auth/redact';
import type { TraceEntry, TraceEvent } from './status';

export function lazyTraceEvent(
  registrationId: string,
  direction: TraceEntry['direction'],
  at: number,
  remote: string,
  raw: string,
): TraceEvent {
  let text: string | undefined;
  return {
    registrationId,
    direction,
    at,
    remote,
    get text(): string {
      if (text === undefined) {
        text = redact(raw);
        raw = '';
      }
      return text;
    },
  };
}
