// Sign-in throttling (lib/auth/throttle.ts) on a temporary migrated database with a fake clock.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Db } from '../../../lib/db/client';
import { rawOf, tempDb } from '../../db';
import { envSchema } from '../../../lib/env';
import {
  ACCOUNT_DELAY_CAP_MS,
  checkThrottle,
  clearFailures,
  recordFailure,
  reserveAttempt,
  settleAttempt,
  throttleKeys,
  unlockAccount,
  type ThrottlePolicy,
} from '../../../lib/auth/throttle';
import { throttlePolicy } from '../../../lib/auth/throttle-policy';

const policy: ThrottlePolicy = { windowMs: 15 * 60_000, slowAfter: 3, lockAfter: 6, lockMs: 10 * 60_000 };
const T0 = 1_800_000_000_000;

async function tempDatabase(t: TestContext): Promise<Db> {
  return (await tempDb(t, 'throttle')).db;
}

/** Records `n` failures for `keys`, one second apart from `start`; returns the time of the last. */
async function fail(db: Db, keys: string[], n: number, start = T0): Promise<number> {
  for (let i = 0; i < n; i++) await recordFailure(db, keys, start + i * 1000, policy);
  return start + (n - 1) * 1000;
}

describe('throttleKeys', () => {
  test('one key per account (normalised), and per address and per (account, address) when the address is known', async () => {
    assert.deepEqual(throttleKeys('10.0.0.1', '  Ops@Example.COM '), ['account:ops@example.com', 'ip:10.0.0.1', 'pair:ops@example.com|10.0.0.1']);
    assert.deepEqual(throttleKeys(null, 'a@b.c'), ['account:a@b.c']);
  });
});

describe('checkThrottle', () => {
  test('no failures, or fewer than slowAfter: allowed at once', async (t) => {
    const db = await tempDatabase(t);
    const keys = throttleKeys('10.0.0.1', 'a@b.c');
    assert.deepEqual(await checkThrottle(db, keys, policy, T0), { allowed: true });
    const last = await fail(db, keys, policy.slowAfter - 1);
    assert.deepEqual(await checkThrottle(db, keys, policy, last), { allowed: true });
  });

  test('from slowAfter on, the wait doubles after each failure (1 s, 2 s, 4 s …)', async (t) => {
    const db = await tempDatabase(t);
    const keys = ['account:a@b.c'];
    let last = await fail(db, keys, policy.slowAfter);
    assert.deepEqual(await checkThrottle(db, keys, policy, last), { allowed: false, locked: false, retryAfterMs: 1000 });
    assert.deepEqual(await checkThrottle(db, keys, policy, last + 400), { allowed: false, locked: false, retryAfterMs: 600 });
    assert.deepEqual(await checkThrottle(db, keys, policy, last + 1000), { allowed: true });
    last += 1000;
    await recordFailure(db, keys, last, policy);
    assert.deepEqual(await checkThrottle(db, keys, policy, last), { allowed: false, locked: false, retryAfterMs: 2000 });
    last += 2000;
    await recordFailure(db, keys, last, policy);
    assert.deepEqual(await checkThrottle(db, keys, policy, last), { allowed: false, locked: false, retryAfterMs: 4000 });
  });

  test('the slow-down wait is capped at 60 s', async (t) => {
    const db = await tempDatabase(t);
    const keys = ['ip:10.0.0.9'];
    const wide = { ...policy, lockAfter: 100 };
    for (let i = 0; i < 20; i++) await recordFailure(db, keys, T0 + i, wide);
    assert.deepEqual(await checkThrottle(db, keys, wide, T0 + 19), { allowed: false, locked: false, retryAfterMs: 60_000 });
  });

  test('at lockAfter an address (or an account at an address) is locked for lockMs after the last failure', async (t) => {
    const db = await tempDatabase(t);
    const keys = ['ip:10.0.0.1'];
    const last = await fail(db, keys, policy.lockAfter);
    assert.deepEqual(await checkThrottle(db, keys, policy, last), { allowed: false, locked: true, retryAfterMs: policy.lockMs });
    assert.deepEqual(await checkThrottle(db, keys, policy, last + policy.lockMs - 1), { allowed: false, locked: true, retryAfterMs: 1 });
    assert.deepEqual(await checkThrottle(db, keys, policy, last + policy.lockMs), { allowed: true });
  });

  test('an account alone is never locked: it is slowed down, at most ACCOUNT_DELAY_CAP_MS after its last failure', async (t) => {
    const db = await tempDatabase(t);
    const keys = ['account:a@b.c'];
    const last = await fail(db, keys, policy.lockAfter + 10);
    assert.deepEqual(await checkThrottle(db, keys, policy, last), { allowed: false, locked: false, retryAfterMs: ACCOUNT_DELAY_CAP_MS });
    assert.deepEqual(await checkThrottle(db, keys, policy, last + ACCOUNT_DELAY_CAP_MS), { allowed: true });
    const pair = ['pair:a@b.c|10.0.0.1'];
    const lastPair = await fail(db, pair, policy.lockAfter);
    assert.deepEqual(await checkThrottle(db, pair, policy, lastPair), { allowed: false, locked: true, retryAfterMs: policy.lockMs });
  });

  test('failures older than the window no longer count', async (t) => {
    const db = await tempDatabase(t);
    const keys = ['account:a@b.c'];
    const last = await fail(db, keys, policy.slowAfter);
    const later = T0 + policy.windowMs + 1;
    assert.ok(later > last);
    assert.deepEqual(await checkThrottle(db, keys, policy, later), { allowed: true });
  });

  test('keys are independent; the verdict is the worst key', async (t) => {
    const db = await tempDatabase(t);
    const last = await fail(db, ['ip:10.0.0.1'], policy.lockAfter);
    assert.deepEqual(await checkThrottle(db, ['account:other@b.c'], policy, last), { allowed: true });
    assert.deepEqual(await checkThrottle(db, ['ip:10.0.0.2'], policy, last), { allowed: true });
    await fail(db, ['account:x@b.c'], policy.slowAfter, last - 2000);
    const verdict = await checkThrottle(db, ['account:x@b.c', 'ip:10.0.0.1'], policy, last);
    assert.deepEqual(verdict, { allowed: false, locked: true, retryAfterMs: policy.lockMs });
  });

  test('per address across different accounts', async (t) => {
    const db = await tempDatabase(t);
    for (let i = 0; i < policy.slowAfter; i++) await recordFailure(db, throttleKeys('10.0.0.7', `user${i}@b.c`), T0 + i, policy);
    const verdict = await checkThrottle(db, throttleKeys('10.0.0.7', 'fresh@b.c'), policy, T0 + policy.slowAfter);
    assert.equal(verdict.allowed, false);
    assert.deepEqual(await checkThrottle(db, throttleKeys('10.0.0.8', 'fresh@b.c'), policy, T0 + policy.slowAfter), { allowed: true });
  });
});

describe('recordFailure / clearFailures', () => {
  const rows = async (db: Db) => (await rawOf(db).prepare('SELECT key, at FROM login_failures ORDER BY id').all()) as { key: string; at: number }[];

  test('a failure is recorded once per key', async (t) => {
    const db = await tempDatabase(t);
    await recordFailure(db, throttleKeys('10.0.0.1', 'a@b.c'), T0, policy);
    assert.deepEqual(await rows(db), [
      { key: 'account:a@b.c', at: T0 },
      { key: 'ip:10.0.0.1', at: T0 },
      { key: 'pair:a@b.c|10.0.0.1', at: T0 },
    ]);
  });

  test('recording prunes failures older than the window', async (t) => {
    const db = await tempDatabase(t);
    await recordFailure(db, ['ip:old'], T0, policy);
    await recordFailure(db, ['ip:new'], T0 + Math.max(policy.windowMs, policy.lockMs) + 1, policy);
    assert.deepEqual((await rows(db)).map((r) => r.key), ['ip:new']);
  });

  test('clearing removes only the given keys', async (t) => {
    const db = await tempDatabase(t);
    const keys = throttleKeys('10.0.0.1', 'a@b.c');
    await fail(db, keys, policy.lockAfter);
    await clearFailures(db, keys.slice(0, 1));
    assert.deepEqual([...new Set((await rows(db)).map((r) => r.key))], ['ip:10.0.0.1', 'pair:a@b.c|10.0.0.1']);
    assert.deepEqual(await checkThrottle(db, ['account:a@b.c'], policy, T0 + 10_000), { allowed: true });
  });
});

describe('reserveAttempt / settleAttempt', () => {
  const count = async (db: Db, key: string) => ((await rawOf(db).prepare('SELECT count(*) AS n FROM login_failures WHERE key = ?').get(key)) as { n: number }).n;

  test('attempts in flight count: with none settled, only slowAfter are let through at once', async (t) => {
    const db = await tempDatabase(t);
    const keys = throttleKeys('10.0.0.1', 'a@b.c');
    // concurrently: each reservation's check and record run in one write transaction
    const answers = await Promise.all(Array.from({ length: 50 }, () => reserveAttempt(db, keys, policy, T0)));
    assert.equal(answers.filter((a) => a.allowed).length, policy.slowAfter);
    assert.ok(answers.slice(policy.slowAfter).every((a) => !a.allowed && !a.locked && a.retryAfterMs === 1000));
  });

  test('a failure keeps the reservation (dated at the settlement); a success withdraws it and clears the account and the pair', async (t) => {
    const db = await tempDatabase(t);
    const keys = throttleKeys('10.0.0.1', 'a@b.c');
    const first = await reserveAttempt(db, keys, policy, T0);
    assert.ok(first.allowed);
    await settleAttempt(db, first.reservation, false, T0 + 500);
    assert.deepEqual(
      await rawOf(db).prepare('SELECT DISTINCT at FROM login_failures').all(),
      [{ at: T0 + 500 }],
    );
    const second = await reserveAttempt(db, keys, policy, T0 + 600);
    assert.ok(second.allowed);
    await settleAttempt(db, second.reservation, true, T0 + 700);
    assert.deepEqual([await count(db, 'account:a@b.c'), await count(db, 'pair:a@b.c|10.0.0.1'), await count(db, 'ip:10.0.0.1')], [0, 0, 1]);
  });
});

describe('unlockAccount', () => {
  test('clears the account, its pairs and the addresses that failed on it; nothing else', async (t) => {
    const db = await tempDatabase(t);
    await fail(db, throttleKeys('10.0.0.1', 'a@b.c'), policy.lockAfter);
    await fail(db, throttleKeys('10.0.0.2', 'a@b.c'), 2);
    await fail(db, throttleKeys('10.0.0.3', 'other@b.c'), 2);
    await fail(db, throttleKeys('10.0.0.4', 'a@b.cc'), 1);
    const cleared = await unlockAccount(db, ' A@B.C ');
    assert.equal(cleared, policy.lockAfter * 3 + 2 * 3);
    const left = (await rawOf(db).prepare('SELECT DISTINCT key FROM login_failures ORDER BY key').all()) as { key: string }[];
    assert.deepEqual(
      left.map((r) => r.key),
      ['account:a@b.cc', 'account:other@b.c', 'ip:10.0.0.3', 'ip:10.0.0.4', 'pair:a@b.cc|10.0.0.4', 'pair:other@b.c|10.0.0.3'],
    );
  });
});

describe('throttlePolicy', () => {
  test('from the environment; the window covers at least 15 min and the lock', async () => {
    const config = envSchema.parse({ LOGIN_SLOW_AFTER: '2', LOGIN_LOCK_AFTER: '4', LOGIN_LOCK_MINUTES: '1' });
    assert.deepEqual(throttlePolicy(config), { windowMs: 15 * 60_000, slowAfter: 2, lockAfter: 4, lockMs: 60_000 });
    const long = envSchema.parse({ LOGIN_LOCK_MINUTES: '60' });
    assert.deepEqual(throttlePolicy(long), { windowMs: 60 * 60_000, slowAfter: 3, lockAfter: 10, lockMs: 60 * 60_000 });
  });
});
