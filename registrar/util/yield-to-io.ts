// One event-loop turn: lets pending I/O (responses, timers) run before the next slice of work.
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
