// The in-process wake-up between the portal and an engine running inside it: after a committed
// change, the portal wakes the engine so it reads the journal at once instead of at its next poll
// (250 ms). A port the engine's host (registrar/start.ts) plugs the supervisor into; neither side
// imports the other's internals. The hook lives on globalThis under a registry symbol because
// server.ts (the esbuild bundle that starts the engine) and the Next.js route handlers that commit
// changes are separate bundles in one process: a module-level variable would exist once per bundle.
const KEY = Symbol.for('ddi-registrar.engine-wake');

type Registry = { [KEY]?: () => void };

/** Installs the wake-up (one engine per process); returns the function that removes it. */
export function setEngineWake(wake: () => void): () => void {
  const registry = globalThis as Registry;
  registry[KEY] = wake;
  return () => {
    if (registry[KEY] === wake) delete registry[KEY];
  };
}

/** Wakes the in-process engine, if there is one (an engine apart reads the journal on its poll). */
export function wakeEngine(): void {
  (globalThis as Registry)[KEY]?.();
}
