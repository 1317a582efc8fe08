import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registeredRatio } from '../../../lib/registrations/uptime';

const H = 3600_000;

test('no data at all gives null', () => {
  assert.equal(registeredRatio(null, [], 0, 24 * H), null);
});

test('registered for the whole window since before it started', () => {
  assert.equal(registeredRatio({ state: 'registered', at: -5 * H }, [], 0, 24 * H), 1);
});

test('half the window retrying, half registered', () => {
  const points = [{ state: 'registered', at: 12 * H }];
  assert.equal(registeredRatio({ state: 'retrying', at: -H }, points, 0, 24 * H), 0.5);
});

test('time before the first known transition is not counted', () => {
  const points = [
    { state: 'registering', at: 20 * H },
    { state: 'registered', at: 22 * H },
  ];
  assert.equal(registeredRatio(null, points, 0, 24 * H), 0.5);
});

test('a refresh that stays registered does not break the interval', () => {
  const points = [
    { state: 'registered', at: 6 * H },
    { state: 'registered', at: 12 * H },
    { state: 'retrying', at: 18 * H },
  ];
  assert.equal(registeredRatio({ state: 'pending', at: -H }, points, 0, 24 * H), 0.5);
});
