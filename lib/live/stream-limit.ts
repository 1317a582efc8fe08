/**
 * At most `max` live streams (/api/events) open at once per principal (a session, or an API
 * token): one browser tab holds one, so a few dozen is already abuse (each holds a socket,
 * timers and a queue). Beyond it the server answers 429 `too_many_streams`.
 */
export type StreamLimiter = {
  /** Takes a slot for `key`: the release function, or null when `key` is at the limit. */
  acquire(key: string): (() => void) | null;
  open(key: string): number;
};

export function createStreamLimiter(max: number): StreamLimiter {
  const open = new Map<string, number>();
  return {
    acquire(key) {
      const n = open.get(key) ?? 0;
      if (n >= max) return null;
      open.set(key, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(key) ?? 1) - 1;
        if (left <= 0) open.delete(key);
        else open.set(key, left);
      };
    },
    open: (key) => open.get(key) ?? 0,
  };
}
