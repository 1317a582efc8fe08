import { z } from 'zod';

/**
 * Free text that is safe to store and show: no control characters (C0/C1), no invisible format
 * characters (bidi overrides such as U+202E, zero-width spaces), no lone surrogates, private-use
 * or unassigned code points. Multi-line text may also contain line breaks and tabs.
 */
const SINGLE_LINE = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]*$/u;
const MULTI_LINE = /^(?:[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]|[\n\r\t])*$/u;

const PRINTABLE_MESSAGE = 'Use printable characters only (no control or invisible characters).';

export function singleLineText(max: number, maxMessage = `Use at most ${max} characters.`) {
  return z.string().trim().max(max, maxMessage).regex(SINGLE_LINE, PRINTABLE_MESSAGE);
}

export function multiLineText(max: number, maxMessage = `Use at most ${max} characters.`) {
  return z.string().trim().max(max, maxMessage).regex(MULTI_LINE, PRINTABLE_MESSAGE);
}
