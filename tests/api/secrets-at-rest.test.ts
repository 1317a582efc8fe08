/**
 * SIP passwords at rest: a password set through the API is stored encrypted (`enc:v1:…`), and its
 * clear text is nowhere in the database files (main file and write-ahead log, read as raw bytes).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
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
    return (db.prepare('SELECT password FROM registrations WHERE id = ?').get(id) as { password: string | null }).password;
  } finally {
    db.close();
  }
}

function assertNotInFiles(secret: string) {
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
  assertNotInFiles(CLEAR);

  const changed = await server.api(`/api/registrations/${created.body.id}`, { method: 'PATCH', json: { password: CHANGED } });
  assert.equal(changed.status, 200, changed.text);
  const restored = await storedPassword(created.body.id);
  assert.match(restored ?? '', /^enc:v1:/);
  assert.notEqual(restored, stored, 'a new ciphertext');
  assertNotInFiles(CHANGED);
  assertNotInFiles(CLEAR);
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
