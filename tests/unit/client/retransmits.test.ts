import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRetransmits } from '../../../lib/client/retransmits';

const TIMEOUT = [500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500];

test('retransmissions: count, the first times and the last, in seconds after the first send', () => {
  assert.equal(describeRetransmits(TIMEOUT, { locale: 'en-US' }), '×10 retransmitted at 0.5, 1.5, 3.5 … 31.5 s');
  assert.equal(describeRetransmits(TIMEOUT, { locale: 'en-US', full: true }), '×10 retransmitted at 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5 s');
  // up to four are all shown
  assert.equal(describeRetransmits([500, 1500, 3500, 7500], { locale: 'en-US' }), '×4 retransmitted at 0.5, 1.5, 3.5, 7.5 s');
  assert.equal(describeRetransmits([500], { locale: 'en-US' }), '×1 retransmitted at 0.5 s');
});

test('retransmissions: timer jitter rounded to hundredths; short timers kept', () => {
  assert.equal(describeRetransmits([502, 1503, 3509], { locale: 'en-US' }), '×3 retransmitted at 0.5, 1.5, 3.51 s');
  assert.equal(describeRetransmits([50, 150, 350], { locale: 'en-US' }), '×3 retransmitted at 0.05, 0.15, 0.35 s');
});

test('retransmissions: a decimal comma locale separates the times with semicolons', () => {
  assert.equal(describeRetransmits([500, 1500], { locale: 'de-DE' }), '×2 retransmitted at 0,5; 1,5 s');
});

test('no retransmissions: nothing to say', () => {
  assert.equal(describeRetransmits([]), null);
  assert.equal(describeRetransmits(null), null);
  assert.equal(describeRetransmits(undefined), null);
});
