/**
 * SIP passwords at rest: a password set through the API is stored encrypted (`enc:v1:…`), and its
 * clear text is nowhere in the database files (main file and write-ahead log, read as raw bytes).
 * The files themselves are the owner's only: data directory 0700, database files and key 0600.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startPortal } from '../portal-process';
import { onPostgres } from '../db';
import { openSqlite, useServer } from './server';

const server = useServer();

const CLEAR = 'Zebra-Quokka-7781!sip';
const CHANGED = 'Narwhal-Okapi-4412!sip';

/** The database files as bytes: the main file and, when present, its write-ahead log. */
function rawFiles(dbPath: string): [string, Buffer][] {
  return [dbPath, `${dbPath}-wal`].filter((p) => existsSync(p)).map((p) => [p, readFileSync(p)]);
}

async function storedPassword(id: number): Promise<string | null> {
  const db = await openSqlite(server.dbPath);
  try {
    return ((await db.prepare('SELECT password FROM registrations WHERE id = ?').get(id)) as { password: string | null }).password;
  } finally {
    await db.close();
  }
}

async function assertNotInFiles(secret: string) {
  if (onPostgres) {
    // No files to read on PostgreSQL: every row of every table, as text.
    const db = await openSqlite(server.dbPath);
    try {
      const tables = await db.prepare("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'").all<{ name: string }>();
      assert.ok(tables.length > 0);
      for (const { name } of tables) {
        const rows = await db.prepare(`SELECT row_to_json(t)::text AS row FROM "${name}" t`).all<{ row: string }>();
        for (const { row } of rows) assert.ok(!row.includes(secret), `${secret} in a row of ${name}`);
      }
    } finally {
      await db.close();
    }
    return;
  }
  const files = rawFiles(server.dbPath);
  assert.ok(files.length > 0);
  for (const [path, bytes] of files) {
    for (const encoding of ['utf8', 'utf16le'] as const) {
      assert.equal(bytes.indexOf(Buffer.from(secret, encoding)), -1, `${secret} in ${path} (${encoding})`);
    }
  }
}

test('a SIP password is stored encrypted, never in clear text, on create and on change', async () => {
  const provider = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'At Rest Carrier' } });
  assert.equal(provider.status, 201, provider.text);
  const created = await server.api('/api/registrations', {
    method: 'POST',
    json: { ddiProviderId: provider.body.id, username: 'at-rest', domain: 'sip.rest.example', ddi: '+34910000555', password: CLEAR },
  });
  assert.equal(created.status, 201, created.text);

  const stored = await storedPassword(created.body.id);
  assert.ok(stored, 'a password is stored');
  assert.ok(!stored.includes(CLEAR), 'the column does not hold the clear password');
  assert.match(stored, /^enc:v1:/);
  await assertNotInFiles(CLEAR);

  const changed = await server.api(`/api/registrations/${created.body.id}`, { method: 'PATCH', json: { password: CHANGED } });
  assert.equal(changed.status, 200, changed.text);
  const restored = await storedPassword(created.body.id);
  assert.match(restored ?? '', /^enc:v1:/);
  assert.notEqual(restored, stored, 'a new ciphertext');
  await assertNotInFiles(CHANGED);
  await assertNotInFiles(CLEAR);
});

test('the same password twice gives different ciphertexts (random IV)', async () => {
  const provider = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'IV Carrier' } });
  const ids: number[] = [];
  for (const n of [1, 2]) {
    const res = await server.api('/api/registrations', {
      method: 'POST',
      json: { ddiProviderId: provider.body.id, username: `iv-${n}`, domain: 'sip.rest.example', ddi: `+3491000066${n}`, password: CLEAR },
    });
    assert.equal(res.status, 201, res.text);
    ids.push(res.body.id);
  }
  const [a, b] = await Promise.all(ids.map(storedPassword));
  assert.ok(a && b);
  assert.notEqual(a, b);
});

test('a fresh data directory is 0700; portal.db, -wal, -shm and secret.key are 0600 (under umask 022)', { skip: onPostgres && 'SQLite files (PostgreSQL keeps no database file here)' }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'ddi-data-'));
  const dataDir = join(root, 'data');
  const previous = process.umask(0o022); // the portal inherits it
  let portal: Awaited<ReturnType<typeof startPortal>> | undefined;
  try {
    portal = await startPortal({ REGISTRAR_ENABLED: '0' }, 90_000, { dbPath: join(dataDir, 'portal.db') });
    const created = await fetch(`${portal.base}/api/ddi-providers`, { method: 'POST', headers: { ...portal.adminHeaders(), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Mode Carrier' }) });
    assert.equal(created.status, 201);
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    assert.equal(mode(dataDir), '700', 'data directory');
    for (const name of ['portal.db', 'portal.db-wal', 'portal.db-shm', 'secret.key']) assert.equal(mode(join(dataDir, name)), '600', name);
  } finally {
    process.umask(previous);
    await portal?.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
