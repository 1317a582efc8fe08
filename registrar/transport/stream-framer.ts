// Message framing on stream transports (RFC 3261 §18.3): headers end at the
// first empty line, the body is exactly Content-Length bytes. Between
// messages, CRLF keep-alives are surfaced, not framed (RFC 5626 §3.5.1):
// a double CRLF is a ping, a single CRLF a pong.
import { SipError } from '../errors';
import { findHeaderEnd, parseContentLength, skipLeadingNewlines } from '../message/parser';
import type { ParseLimits } from '../message/types';

export type KeepAlive = 'ping' | 'pong';

export class StreamFramer {
  private pending: Buffer | null = null;

  /**
   * `onKeepAlive` is called for each CRLF run between messages: one ping per
   * CRLFCRLF, then one pong for a CRLF left over. A run is judged where it
   * ends (the next message starts, or the bytes received so far end there).
   */
  constructor(
    private readonly limits: ParseLimits,
    private readonly onKeepAlive: (kind: KeepAlive) => void = () => {},
  ) {}

  /**
   * Appends bytes and returns the complete messages now available. Throws a
   * SipError (E_TOO_LARGE / E_PARSE) when the stream can no longer be framed;
   * the caller must then close the connection.
   */
  push(chunk: Buffer): Buffer[] {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const start = skipLeadingNewlines(buf);
      // Pending bytes always start a message, so a run at the start is between messages.
      if (start > 0) this.keepAlives(buf, start);
      if (start >= buf.length) {
        this.pending = null;
        return out;
      }
      const term = findHeaderEnd(buf, start);
      if (!term) {
        if (buf.length - start > this.limits.maxMessageBytes) throw new SipError('E_TOO_LARGE', 'header block exceeds message limit');
        this.pending = buf.subarray(start);
        return out;
      }
      const bodyLength = contentLengthOf(buf.toString('latin1', start, term.end));
      const total = term.end + term.sepLength + bodyLength - start;
      if (total > this.limits.maxMessageBytes) throw new SipError('E_TOO_LARGE', `message exceeds ${this.limits.maxMessageBytes} bytes`);
      if (buf.length - start < total) {
        this.pending = buf.subarray(start);
        return out;
      }
      out.push(Buffer.from(buf.subarray(start, start + total)));
      buf = buf.subarray(start + total);
    }
  }

  /** Reports the keep-alives in the CR/LF run buf[0, end): line feeds counted, a CRLF pair is one. */
  private keepAlives(buf: Buffer, end: number): void {
    let lines = 0;
    for (let i = 0; i < end; i++) if (buf[i] === 0x0a) lines++;
    for (let i = 0; i + 1 < lines; i += 2) this.onKeepAlive('ping');
    if (lines % 2 === 1) this.onKeepAlive('pong');
  }
}

/** Content-Length (or compact `l`) from a header block; mandatory on streams. */
function contentLengthOf(head: string): number {
  let pos = head.indexOf('\n');
  while (pos >= 0 && pos < head.length) {
    const next = head.indexOf('\n', pos + 1);
    const line = head.slice(pos + 1, next < 0 ? head.length : next);
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      if (name === 'content-length' || name === 'l') return parseContentLength(line.slice(colon + 1));
    }
    pos = next;
  }
  throw new SipError('E_PARSE', 'stream message without Content-Length');
}
