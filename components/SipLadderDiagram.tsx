'use client';

import { useId } from 'react';
import { displayText } from '@/lib/client/display-text';
import { formatPreciseTime } from '@/lib/client/format';
import { describeRetransmits } from '@/lib/client/retransmits';
import type { TraceMessage } from '@/lib/client/types';
import styles from './sip-ladder-diagram.module.css';
import { firstLine, messageTone, shortLabel } from './sip-message-line';

/**
 * The SIP messages as a ladder diagram: the engine's lifeline on the left, the registrar's on the
 * right, one arrow per message with its time; a retransmitted request has a doubled arrow and its
 * retransmission times under it; the engine's notes sit on its side. A picture for sighted
 * readers: it is hidden from assistive technology, and the message list that follows it
 * (SipLadder) says the same, retransmissions included, with each message in full.
 */
export function SipLadderDiagram({ messages }: { messages: TraceMessage[] }) {
  const captionId = useId();
  const remotes = [...new Set(messages.filter((m) => m.direction !== 'note').map((m) => m.remote))];
  return (
    <figure className={styles.figure} aria-labelledby={captionId} data-testid="sip-ladder-diagram">
      <figcaption id={captionId} className={styles.caption}>
        Ladder diagram, oldest first. The list below holds the same messages, with their full text.
      </figcaption>
      <div className={styles.diagram} aria-hidden="true">
        <div className={`${styles.row} ${styles.head}`}>
          <span className={styles.time}>Time</span>
          <div className={`${styles.lane} ${styles.headLane}`}>
            <span>Engine</span>
            <span>
              Registrar
              {remotes.length === 1 ? <small className="mono">{remotes[0]}</small> : null}
            </span>
          </div>
        </div>
        {messages.map((m, i) => {
          const key = m.id ?? i;
          if (m.direction === 'note') {
            return (
              <div key={key} className={styles.row} data-direction="note">
                <time className={styles.time}>{formatPreciseTime(m.at)}</time>
                <div className={styles.lane}>
                  <span className={styles.note}>ⓘ {displayText(m.text)}</span>
                </div>
              </div>
            );
          }
          const line = firstLine(m.text);
          const retransmits = describeRetransmits(m.retransmits);
          const classes = [styles.row, m.direction === 'out' ? styles.out : styles.in, styles[messageTone(line)] ?? "", retransmits ? styles.retransmitted : ''];
          return (
            <div key={key} className={classes.join(' ')} data-direction={m.direction} data-retransmits={m.retransmits?.length || undefined} title={displayText(line)}>
              <time className={styles.time}>{formatPreciseTime(m.at)}</time>
              <div className={styles.lane}>
                <span className={`${styles.label} mono`}>
                  {displayText(shortLabel(line))}
                  {remotes.length > 1 ? ` (${m.remote})` : ''}
                </span>
                <span className={styles.arrow} />
                {retransmits ? <span className={styles.retransmits}>↻ {retransmits}</span> : null}
              </div>
            </div>
          );
        })}
      </div>
    </figure>
  );
}
