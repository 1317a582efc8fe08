import { rmSync } from 'node:fs';

/** Removes the run's throw-away database (and its WAL files). */
export default function globalTeardown(): void {
  const path = process.env.E2E_DATABASE_PATH;
  if (!path) return;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}
