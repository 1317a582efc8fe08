// The in-process wake-up of the alert deliverer (as lib/engine/wake.ts for the engine): a route
// handler that queued a delivery (Send test) wakes the deliverer so it goes out at once instead
// of at its next poll. The hook lives on globalThis under a registry symbol because server.ts and
// the Next.js route handlers are separate bundles in one process.
const KEY = Symbol.for('ddi-registrar.alerts-wake');

type Registry = { [KEY]?: () => void };

export function setAlertsWake(wake: () => void): () => void {
  const registry = globalThis as Registry;
  registry[KEY] = wake;
  return () => {
    if (registry[KEY] === wake) delete registry[KEY];
  };
}

/** Wakes the deliverer of this process, if it runs here (else its own poll picks the delivery up). */
export function wakeAlerts(): void {
  (globalThis as Registry)[KEY]?.();
}
