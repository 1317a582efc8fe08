'use client';

import { displayLines, displayText } from '@/lib/client/display-text';
import { formatPreciseTime } from '@/lib/client/format';
import { describeRetransmits } from '@/lib/client/retransmits';
import type { TraceMessage } from '@/lib/client/types';
import { SipLadderDiagram } from './SipLadderDiagram';
import styles from './sip-ladder-diagram.module.css';
import { firstLine, messageTone } from './sip-message-line';

/**
 * The SIP ladder: the diagram (engine and registrar lifelines, SipLadderDiagram), then one row
 * per message, sent (→) or received (←), with time, the remote address, the first line and its
 * retransmissions; each expands to the full (already redacted) message. The engine's notes (ⓘ)
 * sit between them. The list is the diagram's text alternative (keyboard, screen readers).
 */
export function SipLadder({ messages, emptyText = 'No SIP messages recorded yet.' }: { messages: TraceMessage[]; emptyText?: string }) {
  if (messages.length === 0) return <p className="muted">{emptyText}</p>;
  return (
    <>
      <SipLadderDiagram messages={messages} />
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
          const tone = messageTone(line);
          const retransmits = describeRetransmits(m.retransmits);
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
              {retransmits ? (
                <p className={`ladder-retransmits ${styles.listRetransmits}`} title={describeRetransmits(m.retransmits, { full: true }) ?? undefined}>
                  <span aria-hidden="true">↻ {retransmits}</span>
                  <span className="sr-only">{describeRetransmits(m.retransmits, { full: true })} after the first send</span>
                </p>
              ) : null}
            </li>
          );
        })}
      </ol>
    </>
  );
}
