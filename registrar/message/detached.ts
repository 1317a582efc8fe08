// A copy of a string cut out of a SIP message that shares no memory with the message: V8 keeps
// a substring of 13 characters or more as a slice of its parent, so a value kept for long (a
// nonce until the next refresh) would pin the whole message text it was cut from.
export function detached(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
