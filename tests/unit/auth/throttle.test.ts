// Sign-in throttling (lib/auth/throttle.ts) on a temporary migrated database with a fake clock.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { openDatabase, type Db } from '../../../lib/db/client';
import { envSchema } from '../../../lib/env';
import { checkThrottle, clearFailures, recordFailure, throttleKeys, type ThrottlePolicy } from '../../../lib/auth/throttle';
import { throttlePolicy } from '../../../lib/auth/throttle-policy';

const policy: ThrottlePolicy = { windowMs: 15 * 60_000, slowAfter: 3, lockAfter: 6, lockMs: 10 * 60_000 };
const T0 = 1_800_000_000_000;

function tempDatabase(t: TestContext): Db {
  const dir = mkdtempSync(join(tmpdir(), 'throttle-db-'));
  const db = openDatabase(join(dir, 'portal.db'));
  t.after(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

/** Records `n` failures for `keys`, one second apart from `start`; returns the time of the last. */
function fail(db: Db, keys: string[], n: number, start = T0): number {
  for (let i = 0; i < n; i++) recordFailure(db, keys, start + i * 1000, policy);
  return start + (n - 1) * 1000;
}

describe('throttleKeys', () => {
  test('one key per account (normalised) and one per address when known', () => {
    assert.deepEqual(throttleKeys('10.0.0.1', '  Ops@Example.COM '), ['account:ops@example.com', 'ip:10.0.0.1']);
    assert.deepEqual(throttleKeys(null, 'a@b.c'), ['account:a@b.c']);
  });
});

describe('checkThrottle', () => {
  test('no failures, or fewer than slowAfter: allowed at once', (t) => {
    const db = tempDatabase(t);
    const keys = throttleKeys('10.0.0.1', 'a@b.c');
    assert.deepEqual(checkThrottle(db, keys, policy, T0), { allowed: true });
    const last = fail(db, keys, policy.slowAfter - 1);
    assert.deepEqual(checkThrottle(db, keys, policy, last), { allowed: true });
  });

  test('from slowAfter on, the wait doubles after each failure (1 s, 2 s, 4 s …)', (t) => {
    const db = tempDatabase(t);
    const keys = ['account:a@b.c'];
    let last = fail(db, keys, policy.slowAfter);
    assert.deepEqual(checkThrottle(db, keys, policy, last), { allowed: false, locked: false, retryAfterMs: 1000 });
    assert.deepEqual(checkThrottle(db, keys, policy, last + 400), { allowed: false, locked: false, retryAfterMs: 600 });
    assert.deepEqual(checkThrottle(db, keys, policy, last + 1000), { allowed: true });
    last += 1000;
    recordFailure(db, keys, last, policy);
    assert.deepEqual(checkThrottle(db, keys, policy, last), { allowed: false, locked: false, retryAfterMs: 2000 });
    last += 2000;
    recordFailure(db, keys, last, policy);
    assert.deepEqual(checkThrottle(db, keys, policy, last), { allowed: false, locked: false, retryAfterMs: 4000 });
  });

  test('the slow-down wait is capped at 60 s', (t) => {
    const db = tempDatabase(t);
    const keys = ['ip:10.0.0.9'];
    const wide = { ...policy, lockAfter: 100 };
    for (let i = 0; i < 20; i++) recordFailure(db, keys, T0 + i, wide);
    assert.deepEqual(checkThrottle(db, keys, wide, T0 + 19), { allowed: false, locked: false, retryAfterMs: 60_000 });
  });

  test('at lockAfter the key is locked for lockMs after the last failure', (t) => {
    const db = tempDatabase(t);
    const keys = ['account:a@b.c'];
    const last = fail(db, keys, policy.lockAfter);
    assert.deepEqual(checkThrottle(db, keys, policy, last), { allowed: false, locked: true, retryAfterMs: policy.lockMs });
    assert.deepEqual(checkThrottle(db, keys, policy, last + policy.lockMs - 1), { allowed: false, locked: true, retryAfterMs: 1 });
    assert.deepEqual(checkThrottle(db, keys, policy, last + policy.lockMs), { allowed: true });
  });

  test('failures older than the window no longer count', (t) => {
    const db = tempDatabase(t);
    const keys = ['account:a@b.c'];
    const last = fail(db, keys, policy.slowAfter);
    const later = T0 + policy.windowMs + 1;
    assert.ok(later > last);
    assert.deepEqual(checkThrottle(db, keys, policy, later), { allowed: true });
  });

  test('keys are independent; the verdict is the worst key', (t) => {
    const db = tempDatabase(t);
    const last = fail(db, ['ip:10.0.0.1'], policy.lockAfter);
    assert.deepEqual(checkThrottle(db, ['account:other@b.c'], policy, last), { allowed: true });
    assert.deepEqual(checkThrottle(db, ['ip:10.0.0.2'], policy, last), { allowed: true });
    fail(db, ['account:x@b.c'], policy.slowAfter, last - 2000);
    const verdict = checkThrottle(db, ['account:x@b.c', 'ip:10.0.0.1'], policy, last);
    assert.deepEqual(verdict, { allowed: false, locked: true, retryAfterMs: policy.lockMs });
  });

  test('per address across different accounts', (t) => {
    const db = tempDatabase(t);
    for (let i = 0; i < policy.slowAfter; i++) recordFailure(db, throttleKeys('10.0.0.7', `user${i}@b.c`), T0 + i, policy);
    const verdict = checkThrottle(db, throttleKeys('10.0.0.7', 'fresh@b.c'), policy, T0 + policy.slowAfter);
    assert.equal(verdict.allowed, false);
    assert.deepEqual(checkThrottle(db, throttleKeys('10.0.0.8', 'fresh@b.c'), policy, T0 + policy.slowAfter), { allowed: true });
  });
});

describe('recordFailure / clearFailures', () => {
  const rows = (db: Db) => db.$client.prepare('SELECT key, at FROM login_failures ORDER BY id').all() as { key: string; at: number }[];

  test('a failure is recorded once per key', (t) => {
    const db = tempDatabase(t);
    recordFailure(db, throttleKeys('10.0.0.1', 'a@b.c'), T0, policy);
    assert.deepEqual(rows(db), [
      { key: 'account:a@b.c', at: T0 },
      { key: 'ip:10.0.0.1', at: T0 },
    ]);
  });

  test('recording prunes failures older than the window', (t) => {
    const db = tempDatabase(t);
    recordFailure(db, ['ip:old'], T0, policy);
    recordFailure(db, ['ip:new'], T0 + Math.max(policy.windowMs, policy.lockMs) + 1, policy);
    assert.deepEqual(rows(db).map((r) => r.key), ['ip:new']);
  });

  test('clearing removes only the given keys', (t) => {
    const db = tempDatabase(t);
    const keys = throttleKeys('10.0.0.1', 'a@b.c');
    fail(db, keys, policy.lockAfter);
    clearFailures(db, keys.slice(0, 1));
    assert.deepEqual([...new Set(rows(db).map((r) => r.key))], ['ip:10.0.0.1']);
    assert.deepEqual(checkThrottle(db, ['account:a@b.c'], policy, T0 + 10_000), { allowed: true });
  });
});

describe('throttlePolicy', () => {
  test('from the environment; the window covers at least 15 min and the lock', () => {
    const config = envSchema.parse({ LOGIN_SLOW_AFTER: '2', LOGIN_LOCK_AFTER: '4', LOGIN_LOCK_MINUTES: '1' });
    assert.deepEqual(throttlePolicy(config), { windowMs: 15 * 60_000, slowAfter: 2, lockAfter: 4, lockMs: 60_000 });
    const long = envSchema.parse({ LOGIN_LOCK_MINUTES: '60' });
    assert.deepEqual(throttlePolicy(long), { windowMs: 60 * 60_000, slowAfter: 3, lockAfter: 10, lockMs: 60 * 60_000 });
  });
});
