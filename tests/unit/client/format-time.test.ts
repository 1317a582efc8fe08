import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatClock, formatDuration, formatPreciseTime, formatSeconds, formatTime } from '../../../lib/client/format';

const earlier = Date.UTC(2024, 2, 5, 14, 7, 9, 42);

test('a time not today is written as formatTime writes it: the same format everywhere, with seconds', () => {
  assert.equal(formatClock(earlier), formatTime(earlier));
  const sec = new Date(earlier).getSeconds();
  assert.match(formatTime(earlier), new RegExp(`:${String(sec).padStart(2, '0')}\\b`));
  assert.match(formatTime(earlier), /2024/);
});

test('today only the clock; the ladder adds milliseconds to that same clock', () => {
  const now = new Date();
  now.setHours(12, 0, 5, 7);
  const clock = formatClock(now.getTime());
  assert.doesNotMatch(clock, new RegExp(String(now.getFullYear())));
  const precise = formatPreciseTime(now.getTime());
  assert.match(precise, /[.,]007/);
  // removing the milliseconds gives the clock as written everywhere else
  assert.equal(precise.replace(/[.,]007/, ''), clock);
});

test('the locale decides the hour cycle (no forced 24 h or 12 h)', () => {
  const t = new Date(2024, 2, 5, 15, 7, 9).getTime();
  const hour12 = new Intl.DateTimeFormat(undefined, { hour: 'numeric' }).resolvedOptions().hour12;
  assert.match(formatTime(t), hour12 ? /\b3:07:09/ : /\b15:07:09/);
});

test('missing or unreadable values', () => {
  assert.equal(formatTime(null), '—');
  assert.equal(formatClock(undefined), '—');
  assert.equal(formatTime(Number.NaN), 'NaN');
  assert.equal(formatPreciseTime(Number.NaN), 'NaN');
});

test('seconds settings use the duration wording of the rest of the portal', () => {
  assert.equal(formatSeconds(45), '45 s');
  assert.equal(formatSeconds(60), '60 s (1 min)');
  assert.equal(formatSeconds(3600), `${(3600).toLocaleString()} s (1 h)`);
  assert.equal(formatSeconds(5400), `${(5400).toLocaleString()} s (1 h 30 min)`);
  assert.equal(formatDuration(24 * 3600 * 1000), '1 d');
});
