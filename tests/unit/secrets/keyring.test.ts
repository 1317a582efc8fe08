// Where keys come from: SECRET_KEY (+ SECRET_KEY_PREVIOUS), else `<dataDir>/secret.key`,
// generated once with mode 0600, safely when several processes start together.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { keyId } from '../../../lib/secrets/key';
import { keyringFromEnv, loadKeyring } from '../../../lib/secrets/keyring';

const run = promisify(execFile);

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

test('SECRET_KEY is used as the current key and no key file is written', (t) => {
  const dir = tempDir(t);
  const key = randomBytes(32);
  const ring = loadKeyring({ secretKey: key.toString('hex'), dataDir: dir });
  assert.equal(ring.current.id, keyId(key));
  assert.deepEqual(ring.current.key, key);
  assert.equal(existsSync(join(dir, 'secret.key')), false);
});

test('SECRET_KEY_PREVIOUS is accepted for opening; a bad value names the variable', (t) => {
  const dir = tempDir(t);
  const [current, previous] = [randomBytes(32), randomBytes(32)];
  const ring = loadKeyring({ secretKey: current.toString('base64'), previousKey: previous.toString('hex'), dataDir: dir });
  assert.equal(ring.current.id, keyId(current));
  assert.deepEqual(ring.all.get(keyId(previous)), previous);
  assert.throws(() => loadKeyring({ secretKey: 'short', dataDir: dir }), /^SecretError: SECRET_KEY must be/);
  assert.throws(() => loadKeyring({ secretKey: current.toString('hex'), previousKey: 'short', dataDir: dir }), /^SecretError: SECRET_KEY_PREVIOUS must be/);
});

test('without SECRET_KEY, secret.key is generated (64 hex + newline, mode 0600) and reused', (t) => {
  const dir = join(tempDir(t), 'data'); // created on demand
  const logs: string[] = [];
  const first = loadKeyring({ dataDir: dir, log: (m) => logs.push(m) });
  const path = join(dir, 'secret.key');
  assert.match(readFileSync(path, 'utf8'), /^[0-9a-f]{64}\n$/);
  assert.equal(modeOf(path), 0o600);
  assert.equal(first.current.id, keyId(Buffer.from(readFileSync(path, 'utf8').trim(), 'hex')));
  assert.equal(logs.length, 1);
  assert.match(logs[0], /generated .*secret\.key/);
  const second = loadKeyring({ dataDir: dir, log: (m) => logs.push(m) });
  assert.deepEqual(second.current.key, first.current.key);
  assert.equal(logs.length, 1);
  assert.deepEqual(readdirSync(dir), ['secret.key']);
});

test('an existing key file is read as it is (hex or base64)', (t) => {
  const dir = tempDir(t);
  const key = randomBytes(32);
  writeFileSync(join(dir, 'secret.key'), key.toString('base64'), { mode: 0o600 });
  assert.deepEqual(loadKeyring({ dataDir: dir }).current.key, key);
});

test('a key file readable by others is narrowed to 0600 with a warning', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'secret.key');
  writeFileSync(path, `${randomBytes(32).toString('hex')}\n`);
  chmodSync(path, 0o644);
  const logs: string[] = [];
  loadKeyring({ dataDir: dir, log: (m) => logs.push(m) });
  assert.equal(modeOf(path), 0o600);
  assert.equal(logs.length, 1);
  assert.match(logs[0], /mode 0644; changed to 0600/);
});

test('a key file that holds no 32-byte key stops with SECRET_KEY_FILE_INVALID naming the file', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'secret.key'), 'garbage\n', { mode: 0o600 });
  assert.throws(
    () => loadKeyring({ dataDir: dir }),
    (err: Error & { code?: string }) => err.code === 'SECRET_KEY_FILE_INVALID' && err.message.includes(join(dir, 'secret.key')),
  );
});

test('processes starting together all end up with the same generated key', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const child = join(import.meta.dirname, 'load-keyring-child.ts');
  const startAt = String(Date.now() + 3000); // after every child has loaded tsx
  const outputs = await Promise.all(
    Array.from({ length: 8 }, () => run(process.execPath, ['--import', 'tsx', child, dir, startAt]).then((r) => r.stdout.split(' '))),
  );
  const ids = outputs.map(([id]) => id);
  assert.equal(new Set(ids).size, 1, ids.join(' '));
  assert.equal(outputs.filter(([, how]) => how === 'generated').length, 1);
  assert.equal(ids[0], keyId(Buffer.from(readFileSync(join(dir, 'secret.key'), 'utf8').trim(), 'hex')));
  assert.equal(modeOf(join(dir, 'secret.key')), 0o600);
  assert.deepEqual(readdirSync(dir), ['secret.key']);
});

test('keyringFromEnv keeps the key file next to the database', (t) => {
  const dir = tempDir(t);
  const ring = keyringFromEnv({ DATABASE_PATH: join(dir, 'db', 'portal.db'), SECRET_KEY: undefined, SECRET_KEY_PREVIOUS: undefined });
  assert.equal(ring.current.id, keyId(Buffer.from(readFileSync(join(dir, 'db', 'secret.key'), 'utf8').trim(), 'hex')));
});
