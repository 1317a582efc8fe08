/**
 * The browser's stream asks for a snapshot without statuses (`/api/events?snapshot=none`, see
 * lib/live/snapshot.ts): the rows on screen come from the API, the stream pushes what changes
 * after its position. A snapshot (a new stream, or one that could not resume) says "from event P
 * on"; what the cache holds from before P may miss events up to P, which are not pushed again. So
 * at a snapshot every cached answer that carries statuses is re-read unless it says (its
 * `lastEventId`, list pages and the summary) that it is current as of P or later; one being
 * fetched at that moment is checked when it arrives (re-read once if older). Answers read after
 * the snapshot arrived are current: the server took P before it sent the snapshot.
 */
import type { Query, QueryClient } from '@tanstack/react-query';

/** Cached answers that carry registration statuses: list pages, details, the summary, a detail page's timeline. */
function carriesStatuses(q: Query): boolean {
  const [root, kind] = q.queryKey as unknown[];
  return (root === 'registrations' && (kind === 'list' || kind === 'one' || kind === 'summary')) || root === 'registration-live';
}

/** Whether an answer is known current as of event `position` (only answers with `lastEventId` can say). */
function currentAsOf(data: unknown, position: number): boolean {
  const mark = (data as { lastEventId?: unknown } | null | undefined)?.lastEventId;
  return typeof mark === 'number' && mark >= position;
}

export type StreamResync = {
  /** A snapshot with stream position `position` arrived. */
  snapshot: (position: number) => void;
  stop: () => void;
};

export function createStreamResync(client: QueryClient): StreamResync {
  let position: number | null = null;
  /** Queries that were being fetched when the snapshot arrived: checked once when their answer lands. */
  let pending = new Set<string>();

  const stale = (q: Query) => position !== null && carriesStatuses(q) && !currentAsOf(q.state.data, position);
  const refetch = (q: Query) => void client.invalidateQueries({ queryKey: q.queryKey, exact: true });

  const unsubscribe = client.getQueryCache().subscribe((event) => {
    if (event.type !== 'updated' || !pending.has(event.query.queryHash)) return;
    const { action } = event;
    if (action.type !== 'success' && action.type !== 'error') return;
    pending.delete(event.query.queryHash);
    if (action.type === 'success' && stale(event.query)) refetch(event.query);
  });

  return {
    snapshot(at: number) {
      position = at;
      pending = new Set();
      for (const q of client.getQueryCache().getAll()) {
        if (!carriesStatuses(q)) continue;
        if (q.state.fetchStatus === 'fetching') pending.add(q.queryHash);
        else if (q.state.data !== undefined && stale(q)) refetch(q);
      }
    },
    stop: unsubscribe,
  };
}
