/**
 * RFC 4180 CSV reading: comma-separated fields, records ended by CRLF or LF (a last record may
 * lack it), fields quoted with `"` when they hold commas, quotes (doubled: `""`) or line breaks
 * (§2.5–2.7). A leading UTF-8 byte order mark is dropped. Stricter than most readers where the
 * RFC is: a quote inside an unquoted field, or text after a closing quote, is an error, not
 * guessed at. Blank lines (no characters at all) are skipped.
 */

/** One record: its fields and the 1-based line of the file where it starts. */
export type CsvRecord = { line: number; fields: string[] };

/** A syntax error: the line it is on and the 0-based number of the record it is in. */
export type CsvError = { line: number; record: number; message: string };

export type CsvResult = { ok: true; records: CsvRecord[] } | { ok: false; error: CsvError } | { ok: false; tooMany: true };

export const CSV_MESSAGES = {
  strayQuote: 'A quote (") may only appear in a field quoted as a whole ("a ""b"" c").',
  afterQuote: 'A quoted field must end with its closing quote right before a comma or the end of the line.',
  unclosed: 'A quoted field is not closed: its closing quote (") is missing.',
} as const;

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Splits `text` into records. `maxRecords` (header included) stops early: more records than that
 * answer `{ tooMany: true }` without reading the rest.
 */
export function parseCsv(text: string, maxRecords = Number.POSITIVE_INFINITY): CsvResult {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const n = src.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    // A blank line: no record.
    if (src.charCodeAt(i) === LF) {
      i++;
      line++;
      continue;
    }
    if (src.charCodeAt(i) === CR && src.charCodeAt(i + 1) === LF) {
      i += 2;
      line++;
      continue;
    }
    const fields: string[] = [];
    for (;;) {
      if (src.charCodeAt(i) === QUOTE) {
        // Quoted field: up to the quote not followed by another quote.
        let value = '';
        let from = i + 1;
        i = from;
        for (;;) {
          const q = src.indexOf('"', i);
          if (q === -1) return { ok: false, error: { line: start, record: records.length, message: CSV_MESSAGES.unclosed } };
          const chunk = src.slice(i, q);
          line += countLineBreaks(chunk);
          if (src.charCodeAt(q + 1) === QUOTE) {
            value += src.slice(from, q + 1);
            i = q + 2;
            from = i;
            continue;
          }
          value += src.slice(from, q);
          i = q + 1;
          break;
        }
        fields.push(value);
        const c = src.charCodeAt(i);
        if (i < n && c !== COMMA && c !== LF && !(c === CR && src.charCodeAt(i + 1) === LF)) {
          return { ok: false, error: { line, record: records.length, message: CSV_MESSAGES.afterQuote } };
        }
      } else {
        // Unquoted field: up to the next comma or line end.
        let j = i;
        while (j < n) {
          const c = src.charCodeAt(j);
          if (c === COMMA || c === LF || (c === CR && src.charCodeAt(j + 1) === LF)) break;
          if (c === QUOTE) return { ok: false, error: { line, record: records.length, message: CSV_MESSAGES.strayQuote } };
          j++;
        }
        fields.push(src.slice(i, j));
        i = j;
      }
      if (i >= n) break;
      const c = src.charCodeAt(i);
      if (c === COMMA) {
        i++;
        continue;
      }
      i += c === CR ? 2 : 1;
      line++;
      break;
    }
    records.push({ line: start, fields });
    if (records.length > maxRecords) return { ok: false, tooMany: true };
  }
  return { ok: true, records };
}

/** Line breaks (CRLF or LF) inside a quoted field, for the line numbers of what follows. */
function countLineBreaks(text: string): number {
  let count = 0;
  for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) count++;
  return count;
}
