// Request serialization (RFC 3261 §7.1): start line, headers in the given
// order, CRLF, body. Content-Length is always written (mandatory on streams,
// §18.3, and harmless on UDP).
export interface OutgoingRequest {
  method: string;
  uri: string;
  /** [name, value] pairs in wire order; Content-Length is added here. */
  headers: ReadonlyArray<readonly [string, string]>;
  body?: Buffer;
}

export function serializeRequest(req: OutgoingRequest): Buffer {
  const body = req.body ?? EMPTY;
  // One join: a single flat string instead of a chain of concatenations.
  const parts: string[] = [req.method, ' ', req.uri, ' SIP/2.0\r\n'];
  for (const [name, value] of req.headers) parts.push(name, ': ', value, '\r\n');
  parts.push('Content-Length: ', String(body.length), '\r\n\r\n');
  const head = Buffer.from(parts.join(''), 'utf8');
  return body.length === 0 ? head : Buffer.concat([head, body]);
}

const EMPTY = Buffer.alloc(0);
