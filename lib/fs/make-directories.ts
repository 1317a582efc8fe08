import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p` that fails instead of hanging: Node 20's `mkdirSync(path, { recursive: true })`
 * loops forever when mkdir answers ENOENT under an existing parent (e.g. a DATABASE_PATH under
 * /proc), so start-up would spin silently. Each missing level is created on its own; the first
 * refusal throws its errno error, which names the path.
 */
export function makeDirectories(dir: string, mode?: number): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirectories(parent, mode);
  try {
    mkdirSync(dir, mode === undefined ? undefined : { mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it meanwhile
  }
}
