// A request or response being relayed, as editable header lines (RFC 3261 §16.6: the proxy
// copies the request and changes only what §16.6 steps 2–8 say). Header lines keep their
// original spelling and order; list-valued headers (Via, Route, Record-Route) are edited one
// element at a time so `Via: a, b` on one line is handled like two lines (§7.3.1).
import { splitHeaderList } from '../message/headers';
import { canonicalHeaderName } from '../message/compact-forms';

export interface HeaderLine {
  /** Canonical lower-case name (compact forms expanded). */
  key: string;
  /** The name as written. */
  name: string;
  value: string;
}

export interface EditableMessage {
  startLine: string;
  headers: HeaderLine[];
  body: Buffer;
}

/** Splits the message text (as parsed, see SipMessage.text) into start line and unfolded header lines. */
export function toEditable(text: string, body: Buffer): EditableMessage {
  let start = 0;
  while (text[start] === '\r' || text[start] === '\n') start++;
  const crlf = text.indexOf('\r\n\r\n', start);
  const lf = text.indexOf('\n\n', start);
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf >= 0 ? lf : text.length;
  const lines = text.slice(start, end).split(/\r?\n/);
  const headers: HeaderLine[] = [];
  for (const line of lines.slice(1)) {
    if ((line[0] === ' ' || line[0] === '\t') && headers.length > 0) {
      headers[headers.length - 1].value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    headers.push({ key: canonicalHeaderName(name), name, value: line.slice(colon + 1).trim() });
  }
  return { startLine: lines[0] ?? '', headers, body };
}

/** Serializes with Content-Length set to the body's length (§18.3, §20.14). */
export function serialize(m: EditableMessage): Buffer {
  const parts: string[] = [m.startLine, '\r\n'];
  let hasLength = false;
  for (const h of m.headers) {
    if (h.key === 'content-length') {
      if (hasLength) continue;
      hasLength = true;
      parts.push(h.name, ': ', String(m.body.length), '\r\n');
    } else {
      parts.push(h.name, ': ', h.value, '\r\n');
    }
  }
  if (!hasLength) parts.push('Content-Length: ', String(m.body.length), '\r\n');
  parts.push('\r\n');
  const head = Buffer.from(parts.join(''), 'utf8');
  return m.body.length === 0 ? head : Buffer.concat([head, m.body]);
}

/** Every element of a list header, in order (e.g. all Route values). */
export function elements(m: EditableMessage, key: string): string[] {
  return m.headers.filter((h) => h.key === key).flatMap((h) => splitHeaderList(h.value));
}

/** Removes the first element of a list header; false when there is none. */
export function removeFirst(m: EditableMessage, key: string): boolean {
  const i = m.headers.findIndex((h) => h.key === key);
  if (i < 0) return false;
  const rest = splitHeaderList(m.headers[i].value).slice(1);
  if (rest.length === 0) m.headers.splice(i, 1);
  else m.headers[i] = { ...m.headers[i], value: rest.join(', ') };
  return true;
}

/** Replaces the first element of a list header (no-op when there is none). */
export function replaceFirst(m: EditableMessage, key: string, value: string): void {
  const i = m.headers.findIndex((h) => h.key === key);
  if (i < 0) return;
  const list = splitHeaderList(m.headers[i].value);
  list[0] = value;
  m.headers[i] = { ...m.headers[i], value: list.join(', ') };
}

/**
 * Inserts header lines before the first line of `key` (so they become its top elements), or
 * before the first line of `beforeKey`, or at the top when neither exists.
 */
export function insertTop(m: EditableMessage, key: string, name: string, values: readonly string[], beforeKey?: string): void {
  let i = m.headers.findIndex((h) => h.key === key);
  if (i < 0 && beforeKey) i = m.headers.findIndex((h) => h.key === beforeKey);
  if (i < 0) i = 0;
  m.headers.splice(i, 0, ...values.map((value) => ({ key, name, value })));
}

/** Sets a single-valued header, replacing its first line or adding one after the Via lines. */
export function setHeader(m: EditableMessage, key: string, name: string, value: string): void {
  const i = m.headers.findIndex((h) => h.key === key);
  if (i >= 0) m.headers[i] = { ...m.headers[i], value };
  else {
    let last = -1;
    m.headers.forEach((h, k) => (h.key === 'via' ? (last = k) : undefined));
    m.headers.splice(last + 1, 0, { key, name, value });
  }
}
