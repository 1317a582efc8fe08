'use client';

import { useEffect, useEffectEvent } from 'react';

/**
 * Stale-edit handling, the quiet half: while the operator has changed nothing (and no
 * "changed elsewhere" notice is open), a newer version from the server (`latest`, polled or
 * pushed) replaces the loaded one (`load`). `loadedRevision` null: nothing loaded yet.
 * Runs when the server's revision or `untouched` changes, never on every render.
 */
export function useAdoptNewerVersion<T extends { revision?: number }>(args: {
  latest: T | null | undefined;
  loadedRevision: number | null;
  untouched: boolean;
  showingTheirs: boolean;
  load: (version: T) => void;
}): void {
  const adopt = useEffectEvent(() => {
    const { latest, loadedRevision, untouched, showingTheirs, load } = args;
    if (latest?.revision !== undefined && loadedRevision !== null && latest.revision > loadedRevision && untouched && !showingTheirs) load(latest);
  });
  useEffect(() => adopt(), [args.latest?.revision, args.untouched]);
}
