import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

/** Removes the run's throw-away database: the SQLite file and its WAL files, or the PostgreSQL database. */
export default function globalTeardown(): void {
  const location = process.env.E2E_DATABASE_LOCATION;
  if (!location) return;
  if (/^postgres(ql)?:\/\//i.test(location)) {
    const url = new URL(location);
    const name = url.pathname.slice(1);
    url.pathname = '/postgres';
    spawnSync(process.execPath, ['tests/e2e/pg-database.mjs', 'drop', process.env.DATABASE_URL ?? url.toString(), name], { stdio: 'inherit' });
    return;
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${location}${suffix}`, { force: true });
}
