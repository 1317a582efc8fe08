// The database at rest (lib/db/client.ts): data directory 0700, portal.db, -wal and -shm 0600,
// whatever the umask; wider ones left by an older version are narrowed, with a warning.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { closeDatabase, dbHandle, openSqlite, type Db } from '../../../lib/db/client';

// The SQLite file itself (whatever the run's dialect): opened with openSqlite, written through its connection.
const sqliteOf = (db: Db) => {
  const h = dbHandle(db);
  if (h.dialect !== 'sqlite') throw new Error('not SQLite');
  return h.sqlite;
};

const root = mkdtempSync(join(tmpdir(), 'ddi-dbmode-'));
after(() => rmSync(root, { recursive: true, force: true }));
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

test('a new data directory is 0700 and the database files 0600, even under umask 022', async () => {
  const previous = process.umask(0o022);
  try {
    const file = join(root, 'fresh', 'data', 'portal.db');
    const db = openSqlite(file, () => assert.fail('nothing to narrow'));
    sqliteOf(db).prepare('CREATE TABLE IF NOT EXISTS t (x)').run();
    sqliteOf(db).prepare('INSERT INTO t VALUES (1)').run();
    assert.equal(mode(join(root, 'fresh', 'data')), '700');
    for (const suffix of ['', '-wal', '-shm']) assert.equal(mode(file + suffix), '600', `portal.db${suffix}`);
    await closeDatabase(db);
  } finally {
    process.umask(previous);
  }
});

test('an existing world-readable directory and database are narrowed, with a warning', async () => {
  const dir = join(root, 'old');
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  const file = join(dir, 'portal.db');
  writeFileSync(file, '');
  chmodSync(file, 0o644);
  const warnings: string[] = [];
  const db = openSqlite(file, (m) => warnings.push(m));
  sqliteOf(db).prepare('CREATE TABLE IF NOT EXISTS t (x)').run();
  assert.equal(mode(dir), '700');
  for (const suffix of ['', '-wal', '-shm']) assert.equal(mode(file + suffix), '600', `portal.db${suffix}`);
  assert.ok(warnings.some((w) => w.includes(dir) && w.includes('0755') && w.includes('0700')), warnings.join('\n'));
  assert.ok(warnings.some((w) => w.includes(file) && w.includes('0644') && w.includes('0600')), warnings.join('\n'));
  await closeDatabase(db);
});

test('a shared sticky directory (like /tmp) is left alone', async () => {
  const shared = join(root, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const db = openSqlite(join(shared, 'portal.db'), () => undefined);
  assert.equal((statSync(shared).mode & 0o7777).toString(8), '1777');
  assert.equal(mode(join(shared, 'portal.db')), '600');
  await closeDatabase(db);
});

test('a data directory that cannot be created fails start-up with the errno error naming it, instead of hanging', () => {
  // Node 20's recursive mkdirSync loops forever on ENOENT under an existing parent (/proc here).
  assert.throws(
    () => openSqlite('/proc/nonexistent-ddi-portal/portal.db', () => undefined),
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT' && String(err.message).includes('/proc/nonexistent-ddi-portal'),
  );
});

test('missing levels of a data directory are all created, private', async () => {
  const base = mkdtempSync(join(tmpdir(), 'dbdirs-'));
  try {
    const file = join(base, 'a', 'b', 'portal.db');
    const db = openSqlite(file, () => undefined);
    await closeDatabase(db);
    assert.equal(statSync(join(base, 'a', 'b')).mode & 0o777, 0o700);
    assert.equal(statSync(join(base, 'a')).mode & 0o777, 0o700);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
