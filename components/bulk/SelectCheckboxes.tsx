'use client';

import { useEffect, useRef } from 'react';
import type { BulkSelectionState } from './useBulkSelection';

/** The header box: ticks every row in view; mixed when only some are. */
export function SelectPageCheckbox({ selection, pageIds }: { selection: BulkSelectionState; pageIds: readonly number[] }) {
  const ref = useRef<HTMLInputElement>(null);
  const picked = pageIds.filter((id) => selection.isSelected(id)).length;
  const all = pageIds.length > 0 && picked === pageIds.length;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = picked > 0 && !all;
  }, [picked, all]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label="Select all registrations on this page"
      checked={all}
      disabled={pageIds.length === 0}
      onChange={(e) => selection.setPage(pageIds, e.target.checked)}
    />
  );
}

export function RowCheckbox({ selection, id, pageIds }: { selection: BulkSelectionState; id: number; pageIds: readonly number[] }) {
  return <input type="checkbox" aria-label={`Select registration #${id}`} checked={selection.isSelected(id)} onChange={() => selection.toggle(id, pageIds)} />;
}
