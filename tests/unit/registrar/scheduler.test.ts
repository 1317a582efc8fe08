import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../registrar/clock';
import { Scheduler } from '../../../registrar/scheduler';

test('scheduler fires in deadline order and supports cancel', () => {
  const clock = new FakeClock(0);
  const s = new Scheduler(clock);
  const fired: string[] = [];
  s.after(300, () => fired.push('c'));
  const b = s.after(200, () => fired.push('b'));
  s.after(100, () => fired.push('a'));
  s.after(100, () => fired.push('a2'));
  s.cancel(b);
  clock.advance(250);
  assert.deepEqual(fired, ['a', 'a2']);
  s.after(10, () => fired.push('d'));
  clock.advance(100);
  assert.deepEqual(fired, ['a', 'a2', 'd', 'c']);
  assert.equal(s.size, 0);
  assert.equal(clock.pending(), 0);
});

test('scheduler keeps heap order across many random inserts and cancels', () => {
  const clock = new FakeClock(0);
  const s = new Scheduler(clock);
  const fired: number[] = [];
  const tasks = Array.from({ length: 500 }, (_, i) => {
    const at = (i * 7919) % 1000;
    return { at, task: s.after(at, () => fired.push(at)) };
  });
  for (let i = 0; i < tasks.length; i += 3) s.cancel(tasks[i].task);
  clock.advance(1000);
  assert.equal(fired.length, 500 - Math.ceil(500 / 3));
  for (let i = 1; i < fired.length; i++) assert.ok(fired[i - 1] <= fired[i]);
});

test('scheduler runs at most maxPerTurn due tasks per timer turn and re-arms for the rest', () => {
  const clock = new FakeClock(0);
  const s = new Scheduler(clock, 100);
  const fired: number[] = [];
  for (let i = 0; i < 250; i++) s.after(10, () => fired.push(i));
  assert.ok(clock.fireNext(), 'one timer turn');
  assert.equal(fired.length, 100, 'one turn ran one slice');
  assert.equal(s.size, 150);
  assert.equal(clock.pending(), 1, 'the rest is re-armed');
  assert.equal(clock.now(), 10);
  assert.ok(clock.fireNext());
  assert.equal(clock.now(), 10, 're-armed at 0 ms: due now, after pending I/O');
  assert.equal(fired.length, 200);
  clock.advance(0);
  assert.deepEqual(fired, Array.from({ length: 250 }, (_, i) => i), 'all ran, in order, over three turns');
});

test('afterOnGrid: due on the first grid step at or after the delay; the tasks of one step share one timer turn', () => {
  const start = 1_000_037;
  const clock = new FakeClock(start);
  const s = new Scheduler(clock, 10_000);
  const fired: Array<{ at: number; delay: number }> = [];
  for (let delay = 0; delay < 1000; delay++) {
    const task = s.afterOnGrid(delay, 100, (d) => fired.push({ at: clock.now(), delay: d }), delay);
    assert.equal(task.at % 100, 0);
    assert.ok(task.at >= start + delay && task.at < start + delay + 100, `${delay}: due at ${task.at - start}`);
  }
  clock.advance(1100);
  assert.equal(fired.length, 1000);
  for (const f of fired) assert.ok(f.at - start >= f.delay && f.at - start < f.delay + 100);
  // 1,000 deadlines over one second: 11 turns (1_000_100 … 1_001_100), not 1,000.
  assert.equal(new Set(fired.map((f) => f.at)).size, 11);
  // gridMs 0: exactly `after`.
  assert.equal(s.afterOnGrid(250, 0, () => {}, null).at, clock.now() + 250);
  // Already on a step: not moved.
  const onStep = new FakeClock(5_000);
  assert.equal(new Scheduler(onStep).afterOnGrid(300, 100, () => {}, null).at, 5_300);
});
