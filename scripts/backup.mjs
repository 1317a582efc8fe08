// `npm run backup -- <file>`: a consistent copy of the database while the portal and the engine
// keep running (SQLite's online backup API, which copies a snapshot even with writes going on in
// WAL mode), checked with PRAGMA integrity_check and written 0600. The database is DATABASE_PATH
// (default ./data/portal.db). The key (SECRET_KEY or secret.key) is NOT in it: back it up apart.
import Database from 'better-sqlite3';
import { chmodSync, existsSync } from 'node:fs';

const dest = process.argv[2];
const source = process.env.DATABASE_PATH || './data/portal.db';
if (!dest) {
  console.error('usage: npm run backup -- <destination file>   (reads DATABASE_PATH, default ./data/portal.db)');
  process.exit(2);
}
if (existsSync(dest)) {
  console.error(`backup: ${dest} exists already; give a new file name`);
  process.exit(2);
}
const db = new Database(source, { fileMustExist: true });
try {
  db.pragma('busy_timeout = 5000');
  await db.backup(dest);
} finally {
  db.close();
}
chmodSync(dest, 0o600);
const copy = new Database(dest, { readonly: true });
try {
  const check = copy.pragma('integrity_check', { simple: true });
  if (check !== 'ok') throw new Error(`integrity_check: ${check}`);
  const { n } = copy.prepare('SELECT count(*) AS n FROM registrations').get();
  console.log(`backup: ${source} → ${dest} (${n} registrations, integrity ok). Back up SECRET_KEY / secret.key separately.`);
} finally {
  copy.close();
}
