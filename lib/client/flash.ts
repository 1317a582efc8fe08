'use client';

import { useRouter } from 'next/navigation';

/** One-shot notice carried across a client navigation ("Registration #5 saved."). */
const KEY = 'portal-flash';

export function setFlash(message: string): void {
  try {
    sessionStorage.setItem(KEY, message);
  } catch {
    /* storage unavailable: no notice */
  }
}

export function takeFlash(): string | null {
  try {
    const m = sessionStorage.getItem(KEY);
    if (m !== null) sessionStorage.removeItem(KEY);
    return m;
  } catch {
    return null;
  }
}

/**
 * After a delete: navigate to `redirectTo` with the notice as a flash, or hand the notice to
 * `onDeleted` (a list that stays on screen shows it itself).
 */
export function useAfterDelete(redirectTo: string | undefined, onDeleted: ((message: string) => void) | undefined) {
  const router = useRouter();
  return (message: string) => {
    if (redirectTo) {
      setFlash(message);
      router.push(redirectTo);
    } else onDeleted?.(message);
  };
}
