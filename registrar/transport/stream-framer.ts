// Message framing on stream transports (RFC 3261 §18.3): headers end at the
// first empty line, the body is exactly Content-Length bytes. CRLF keep-alives
// between messages are skipped (RFC 5626 §3.5.1, RFC 3261 §7.5).
import { SipError } from '../errors';
import { findHeaderEnd, parseContentLength, skipLeadingNewlines } from '../message/parser';
import type { ParseLimits } from '../message/types';

export class StreamFramer {
  private pending: Buffer | null = null;

  constructor(private readonly limits: ParseLimits) {}

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
      if (start >= buf.length) {
        this.pending = null;
        return out;
      }
      const term = findHeaderEnd(buf, start);
      if (!term) {
        if (buf.length - start > this.limits.maxMessageBytes) throw new SipError('E_TOO_LARGE', 'header block exceeds message limit');
        this.pending = start > 0 ? buf.subarray(start) : buf;
        return out;
      }
      const bodyLength = contentLengthOf(buf.toString('latin1', start, term.end));
      const total = term.end + term.sepLength + bodyLength - start;
      if (total > this.limits.maxMessageBytes) throw new SipError('E_TOO_LARGE', `message exceeds ${this.limits.maxMessageBytes} bytes`);
      if (buf.length - start < total) {
        this.pending = start > 0 ? buf.subarray(start) : buf;
        return out;
      }
      out.push(Buffer.from(buf.subarray(start, start + total)));
      buf = buf.subarray(start + total);
    }
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
