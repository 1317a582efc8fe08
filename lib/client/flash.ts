'use client';

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
