// After a stream snapshot without statuses (`?snapshot=none`), cached answers that carry
// statuses and were read before the snapshot's position are re-read; those current as of it
// (their `lastEventId`) are kept. A real TanStack QueryClient; query functions count their calls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { createStreamResync } from '../../../lib/client/stream-resync';

/** An active query (observed, as a mounted component's) whose answers come from `answers`, in turn. */
function observe(client: QueryClient, queryKey: unknown[], answers: Array<() => Promise<unknown>>) {
  let calls = 0;
  const observer = new QueryObserver(client, { queryKey, queryFn: () => answers[Math.min(calls++, answers.length - 1)]!(), staleTime: Infinity });
  const stop = observer.subscribe(() => undefined);
  return { calls: () => calls, stop, data: () => observer.getCurrentResult().data };
}

async function settle(client: QueryClient): Promise<void> {
  for (let i = 0; i < 50 && client.isFetching() > 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(client.isFetching(), 0, 'fetches settled');
}

test('a snapshot re-reads the cached answers older than its position (and those that cannot say), once; current ones stay', async () => {
  const client = new QueryClient();
  const resync = createStreamResync(client);
  const oldPage = observe(client, ['registrations', 'list', { page: 1 }], [async () => ({ items: [], lastEventId: 5 }), async () => ({ items: [], lastEventId: 12 })]);
  const summary = observe(client, ['registrations', 'summary'], [async () => ({ counts: {}, lastEventId: 10 })]);
  const detail = observe(client, ['registrations', 'one', 7], [async () => ({ id: 7 })]);
  const providers = observe(client, ['ddi-providers'], [async () => []]);
  await settle(client);
  assert.deepEqual([oldPage.calls(), summary.calls(), detail.calls(), providers.calls()], [1, 1, 1, 1]);

  resync.snapshot(10);
  await settle(client);
  assert.equal(oldPage.calls(), 2, 'the page read at event 5 is re-read');
  assert.equal((oldPage.data() as { lastEventId: number }).lastEventId, 12);
  assert.equal(summary.calls(), 1, 'the summary current as of event 10 is kept');
  assert.equal(detail.calls(), 2, 'a detail (no lastEventId) is re-read');
  assert.equal(providers.calls(), 1, 'answers without statuses are left alone');

  resync.snapshot(10); // the same position again: everything is current now but the detail
  await settle(client);
  assert.deepEqual([oldPage.calls(), summary.calls()], [2, 1]);
  for (const o of [oldPage, summary, detail, providers]) o.stop();
  resync.stop();
  client.clear();
});

test('an answer on its way when the snapshot arrives is checked when it lands: re-read once if older', async () => {
  const client = new QueryClient();
  const resync = createStreamResync(client);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const page = observe(client, ['registrations', 'list', { page: 2 }], [
    async () => {
      await gate;
      return { items: [], lastEventId: 3 };
    },
    async () => ({ items: [], lastEventId: 9 }),
  ]);
  const fresh = observe(client, ['registrations', 'list', { page: 3 }], [
    async () => {
      await gate;
      return { items: [], lastEventId: 9 };
    },
  ]);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(client.isFetching(), 2);
  resync.snapshot(8);
  release();
  await settle(client);
  assert.equal(page.calls(), 2, 'the answer read at event 3 is re-read');
  assert.equal((page.data() as { lastEventId: number }).lastEventId, 9);
  assert.equal(fresh.calls(), 1, 'the answer read at event 9 is kept');
  page.stop();
  fresh.stop();
  resync.stop();
  client.clear();
});
