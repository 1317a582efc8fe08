/**
 * Runs a bulk action from the browser as a series of POST /api/registrations/bulk requests of at
 * most BULK_CHUNK registrations each, reporting progress after each one: ids in slices, "all
 * matching the filter" by following the answer's `next` cursor.
 */
import { BULK_CHUNK } from '../registrations/bulk-limits';
import { api } from './api';
import type { BulkActionName, BulkResultBody } from './types';

export type BulkFilter = { q?: string; ddiProviderId?: number; state?: string };

/** Rows picked one by one, or every registration matching the list's filter (`total` of them when chosen). */
export type BulkSelection = { kind: 'ids'; ids: number[] } | { kind: 'filter'; filter: BulkFilter; total: number };

export type BulkProgress = {
  /** registrations handled so far (changed, unchanged or skipped) */
  handled: number;
  /** best current estimate of how many the selection holds */
  total: number;
  done: number;
  unchanged: number;
  skipped: BulkResultBody['skipped'];
};

export async function runBulkAction(
  action: BulkActionName,
  selection: BulkSelection,
  opts: { ddiProviderId?: number; onProgress?: (p: BulkProgress) => void } = {},
): Promise<BulkProgress> {
  const extra = action === 'move' ? { ddiProviderId: opts.ddiProviderId } : {};
  const progress: BulkProgress = { handled: 0, total: selection.kind === 'ids' ? selection.ids.length : selection.total, done: 0, unchanged: 0, skipped: [] };
  const add = (r: BulkResultBody) => {
    progress.done += r.done;
    progress.unchanged += r.unchanged;
    progress.skipped = [...progress.skipped, ...r.skipped];
    progress.handled += r.done + r.unchanged + r.skipped.length;
  };
  opts.onProgress?.({ ...progress });
  if (selection.kind === 'ids') {
    for (let i = 0; i < selection.ids.length; i += BULK_CHUNK) {
      add(await api.registrations.bulk({ action, ids: selection.ids.slice(i, i + BULK_CHUNK), ...extra }));
      opts.onProgress?.({ ...progress });
    }
    return progress;
  }
  let after = 0;
  for (;;) {
    const r = await api.registrations.bulk({ action, filter: selection.filter, after, ...extra });
    add(r);
    progress.total = progress.handled + r.remaining;
    opts.onProgress?.({ ...progress });
    if (r.next === null) return progress;
    after = r.next;
  }
}
