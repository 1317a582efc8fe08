// The wake-up after a committed change: the portal wakes the engine so it reads the journal at
// once instead of at its next poll (250 ms). Route handlers call wakeEngine(); in the portal the
// hook forwards it to the engine child over IPC (server.ts, lib/engine/engine-process.ts); in the
// engine process the supervisor installs it (registrar/start.ts) and registrar/main.ts calls it on
// the IPC `wake`. An engine apart (`npm run registrar`) has no channel and reads the journal on its
// poll. The hook lives on globalThis under a registry symbol because server.ts (an esbuild bundle)
// and the Next.js route handlers that commit changes are separate bundles in one process: a
// module-level variable would exist once per bundle.
const KEY = Symbol.for('ddi-registrar.engine-wake');

type Registry = { [KEY]?: () => void };

/** Installs the wake-up (one per process); returns the function that removes it. */
export function setEngineWake(wake: () => void): () => void {
  const registry = globalThis as Registry;
  registry[KEY] = wake;
  return () => {
    if (registry[KEY] === wake) delete registry[KEY];
  };
}

/** Wakes the engine, if this process has a way to (an engine apart reads the journal on its poll). */
export function wakeEngine(): void {
  (globalThis as Registry)[KEY]?.();
}
