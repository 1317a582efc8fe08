'use client';

import { displayLines, displayText } from '@/lib/client/display-text';
import { formatPreciseTime } from '@/lib/client/format';
import type { TraceMessage } from '@/lib/client/types';


function firstLine(text: string): string {
  const i = text.search(/\r?\n/);
  return (i < 0 ? text : text.slice(0, i)).trim();
}

/**
 * The SIP ladder: one row per message, sent (→) or received (←), with time, the remote address
 * and the first line; each expands to the full (already redacted) message. The engine's notes
 * (ⓘ) sit between them.
 */
export function SipLadder({ messages, emptyText = 'No SIP messages recorded yet.' }: { messages: TraceMessage[]; emptyText?: string }) {
  if (messages.length === 0) return <p className="muted">{emptyText}</p>;
  return (
    <ol className="ladder" aria-label="SIP messages, oldest first">
      {messages.map((m, i) => {
        if (m.direction === 'note') {
          return (
            <li key={m.id ?? i} className="ladder-item ladder-note" data-direction="note">
              <span className="ladder-arrow" aria-label="engine note">
                ⓘ
              </span>
              <time className="ladder-time">{formatPreciseTime(m.at)}</time>
              <span className="ladder-note-text">{displayText(m.text)}</span>
            </li>
          );
        }
        const out = m.direction === 'out';
        const line = firstLine(m.text);
        const isResponse = line.startsWith('SIP/2.0');
        const code = isResponse ? Number(line.split(' ')[1]) : null;
        const tone = code === null ? 'request' : code >= 200 && code < 300 ? 'ok' : code < 200 ? 'provisional' : code === 401 || code === 407 ? 'challenge' : 'error';
        return (
          <li key={m.id ?? i} className={`ladder-item ladder-${out ? 'out' : 'in'} ladder-${tone}`} data-direction={m.direction}>
            <details>
              <summary>
                <span className="ladder-arrow" aria-label={out ? 'sent' : 'received'}>
                  {out ? '→' : '←'}
                </span>
                <time className="ladder-time">{formatPreciseTime(m.at)}</time>
                <span className="ladder-remote mono">
                  {out ? 'to' : 'from'} {m.remote}
                </span>
                <span className="ladder-line mono">{displayText(line)}</span>
              </summary>
              <pre className="ladder-text">{displayLines(m.text)}</pre>
            </details>
          </li>
        );
      })}
    </ol>
  );
}
