// The per-registration ring of recent SIP messages (what a `watch` copies in): bounded in
// messages and characters, redacted when read, and forgetting what a store wrote.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TraceRing } from '../../../registrar/registration/trace-ring';

const REMOTE = '127.0.0.1:5060/udp';
const msg = (n: number, chars = 300) => `REGISTER ${n} `.padEnd(chars, 'x');

test('the ring keeps the newest messages within its message and character limits', () => {
  const ring = new TraceRing(3, 100_000);
  for (let i = 1; i <= 5; i++) ring.push('out', i, REMOTE, msg(i));
  assert.deepEqual(ring.entries().map((e) => e.at), [3, 4, 5]);

  const small = new TraceRing(12, 700); // 700 characters: two messages of 300, not three
  for (let i = 1; i <= 4; i++) small.push('out', i, REMOTE, msg(i));
  assert.deepEqual(small.entries().map((e) => e.at), [3, 4]);
});

test('forgetThrough drops the entry and every older one, and frees their characters for new messages', () => {
  const ring = new TraceRing(12, 1_000); // three messages of 300 characters
  const entries = [1, 2, 3].map((i) => ring.push('out', i, REMOTE, msg(i)));
  ring.forgetThrough(entries[1]!);
  assert.deepEqual(ring.entries().map((e) => e.at), [3]);
  // the characters of the two forgotten ones are free again: two more fit beside the third
  ring.push('in', 4, REMOTE, msg(4));
  ring.push('in', 5, REMOTE, msg(5));
  assert.deepEqual(ring.entries().map((e) => e.at), [3, 4, 5]);
  ring.push('in', 6, REMOTE, msg(6));
  assert.deepEqual(ring.entries().map((e) => e.at), [4, 5, 6]);
});

test('forgetThrough of an entry that already left the ring changes nothing', () => {
  const ring = new TraceRing(2, 100_000);
  const first = ring.push('out', 1, REMOTE, msg(1));
  ring.push('in', 2, REMOTE, msg(2));
  ring.push('out', 3, REMOTE, msg(3)); // pushes the first one out
  ring.forgetThrough(first!);
  assert.deepEqual(ring.entries().map((e) => e.at), [2, 3]);
  ring.forgetThrough(ring.push('in', 4, REMOTE, msg(4))!);
  assert.deepEqual(ring.entries(), []);
});

test('entries are redacted copies: digest responses and passwords never leave the ring', () => {
  const ring = new TraceRing(4, 100_000);
  ring.push('out', 1, REMOTE, 'REGISTER sip:a SIP/2.0\r\nAuthorization: Digest username="u", response="0123456789abcdef0123456789abcdef"\r\n\r\n');
  const [e] = ring.entries();
  assert.ok(e && !e.text.includes('0123456789abcdef0123456789abcdef'), e?.text);
});
