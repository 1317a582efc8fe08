// The first line of a traced SIP message and how the ladders colour it.

export type MessageTone = 'request' | 'ok' | 'provisional' | 'challenge' | 'error';

export function firstLine(text: string): string {
  const i = text.search(/\r?\n/);
  return (i < 0 ? text : text.slice(0, i)).trim();
}

/** Requests, 2xx, 1xx, digest challenges (401/407) and the other failures. */
export function messageTone(line: string): MessageTone {
  if (!line.startsWith('SIP/2.0')) return 'request';
  const code = Number(line.split(' ')[1]);
  return code >= 200 && code < 300 ? 'ok' : code < 200 ? 'provisional' : code === 401 || code === 407 ? 'challenge' : 'error';
}

/** "REGISTER" for a request ("REGISTER sip:… SIP/2.0"), "401 Unauthorized" for a response. */
export function shortLabel(line: string): string {
  if (line.startsWith('SIP/2.0 ')) return line.slice('SIP/2.0 '.length);
  return line.split(' ', 1)[0];
}
