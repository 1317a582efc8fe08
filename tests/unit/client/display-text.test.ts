// Reason phrases and traces come from the network: shown with control and bidi characters escaped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayLines, displayText } from '../../../lib/client/display-text';
import { formatOutcome } from '../../../lib/client/format';

test('a reason phrase with U+202E, ESC and BEL is shown escaped, nothing of it hidden or reordered', () => {
  const reason = 'Forbidden \u202Egnp.exe\u001b[31m\u0007';
  const shown = formatOutcome(403, reason);
  assert.equal(shown, '403 Forbidden \\u{202E}gnp.exe\\u{001B}[31m\\u{0007}');
  assert.doesNotMatch(shown, /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u);
});

test('every C0/C1 control and bidi formatting character is escaped; ordinary text, accents and emoji stay', () => {
  const unsafe = [...Array(0x20).keys(), ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i), 0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
  for (const cp of unsafe) {
    const out = displayText(`a${String.fromCodePoint(cp)}b`);
    assert.equal(out, `a\\u{${cp.toString(16).toUpperCase().padStart(4, '0')}}b`, cp.toString(16));
  }
  assert.equal(displayText('Service Unavailable – réessayez 🙂'), 'Service Unavailable – réessayez 🙂');
  assert.equal(formatOutcome(null, 'timeout'), 'timeout');
  assert.equal(formatOutcome(null, null), '—');
});

test('a whole SIP message keeps its lines, with the rest escaped', () => {
  assert.equal(displayLines('SIP/2.0 403 No\u202Eway\r\nVia: x\u0007\r\n'), 'SIP/2.0 403 No\\u{202E}way\nVia: x\\u{0007}\n');
});
