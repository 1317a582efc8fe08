// Deadlines for the waits of tests (unit, api, sip): a wait on something the code under test
// should do ends with an error naming what did not happen, instead of hanging the run.
import { performance } from 'node:perf_hooks';
import { once, type EventEmitter } from 'node:events';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Settles like `promise`, or rejects after `ms` naming `what`. */
export function withDeadline<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** `events.once(emitter, event)` within `ms` (an 'error' event rejects, as with `once`). */
export function onceWithin(emitter: EventEmitter, event: string, ms: number, what = `'${event}'`): Promise<unknown[]> {
  return withDeadline(what, ms, once(emitter, event));
}

/** Polls `get` until `pred` holds (or throws after `timeoutMs` with the last value). */
export async function waitUntil<T>(
  label: string,
  get: () => T | Promise<T>,
  pred: (v: T) => boolean,
  timeoutMs = 5000,
  everyMs = 20,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (pred(v)) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}; last value: ${JSON.stringify(v)}`);
    await sleep(everyMs);
  }
}
