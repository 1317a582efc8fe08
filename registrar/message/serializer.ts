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
  let text = `${req.method} ${req.uri} SIP/2.0\r\n`;
  for (const [name, value] of req.headers) text += `${name}: ${value}\r\n`;
  text += `Content-Length: ${body.length}\r\n\r\n`;
  if (body.length === 0) return Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(text, 'utf8'), body]);
}

const EMPTY = Buffer.alloc(0);
