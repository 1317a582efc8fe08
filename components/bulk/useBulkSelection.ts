'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Which rows of a paged list are selected for a bulk action: ids picked one by one (kept across
 * pages), or "all matching the filter". Any change of `filterKey` (search, provider, state)
 * clears it, so a selection never silently covers rows the operator no longer sees.
 */
export function useBulkSelection(filterKey: string) {
  const [ids, setIds] = useState<ReadonlySet<number>>(() => new Set());
  const [allMatching, setAllMatching] = useState(false);
  const lastKey = useRef(filterKey);
  useEffect(() => {
    if (lastKey.current === filterKey) return;
    lastKey.current = filterKey;
    setIds(new Set());
    setAllMatching(false);
  }, [filterKey]);

  const clear = useCallback(() => {
    setIds(new Set());
    setAllMatching(false);
  }, []);

  /** Ticks or unticks one row; leaving "all matching" keeps the rows in view minus this one. */
  const toggle = useCallback(
    (id: number, pageIds: readonly number[]) => {
      if (allMatching) {
        setAllMatching(false);
        setIds(new Set(pageIds.filter((x) => x !== id)));
        return;
      }
      setIds((prev) => {
        const next = new Set(prev);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      });
    },
    [allMatching],
  );

  /** Ticks (or unticks) every row in view. */
  const setPage = useCallback((pageIds: readonly number[], on: boolean) => {
    setAllMatching(false);
    setIds((prev) => {
      const next = new Set(prev);
      for (const id of pageIds) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });
  }, []);

  const isSelected = useCallback((id: number) => allMatching || ids.has(id), [allMatching, ids]);

  return { ids, allMatching, selectAllMatching: () => setAllMatching(true), clear, toggle, setPage, isSelected };
}

export type BulkSelectionState = ReturnType<typeof useBulkSelection>;
