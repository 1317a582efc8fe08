/** The outcome of one delivery attempt, whatever the channel. */
export type SendResult =
  | { ok: true; code: number | null }
  /** `retry`: worth trying again (5xx, 408/429, timeouts, connection errors); else permanent. */
  | { ok: false; code: number | null; error: string; retry: boolean };
