/**
 * Text received from the network (SIP reason phrases, local causes) shown to an operator: C0 and
 * C1 control characters, DEL and the bidirectional formatting characters (which can reorder what
 * is read, e.g. U+202E RIGHT-TO-LEFT OVERRIDE) are replaced by visible escapes such as `\u{202E}`.
 * Only for display: the stored status and the SIP trace keep the bytes as received.
 * Dependency-free, shared by client components and server code.
 */
// C0 (except none: tab and newline are also escaped in a one-line reason), DEL, C1,
// LRM/RLM/ALM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function displayText(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`);
}

/** displayText for a multi-line text (a SIP message): line breaks stay, everything else is escaped. */
export function displayLines(text: string): string {
  return text.split(/\r?\n/).map(displayText).join('\n');
}
