// The deployment files the README points at (deploy/): the systemd units pass `systemd-analyze
// verify` with no complaint, name only real settings and the entry points npm runs; the proxy
// configurations keep the live stream unbuffered (nginx and caddy are not installed here, so
// their own checkers cannot run: a structural check stands in, and says so); and
// `npm run backup` copies a database that is being written to, consistently.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase, openSqlite } from '../../../lib/db/client';
import { sqliteOf } from '../../db';
import { envSchema } from '../../../lib/env';

const DEPLOY = join(process.cwd(), 'deploy');
const UNITS = ['ddi-portal.service', 'ddi-registrar.service'];
const which = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim() || null;

/** `KEY=value` settings of a unit file, in order (repeated keys kept). */
function unitSettings(text: string): [string, string][] {
  return text
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}

test('systemd units: systemd-analyze verify says nothing', { skip: which('systemd-analyze') ? false : 'systemd-analyze is not installed' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'units-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const unit of UNITS) {
    let text = readFileSync(join(DEPLOY, 'systemd', unit), 'utf8');
    // verify checks that ExecStart's program exists: on a machine whose node is elsewhere, point it there.
    if (!existsSync('/usr/bin/node')) text = text.replaceAll('/usr/bin/node', process.execPath);
    writeFileSync(join(dir, unit), text);
    const run = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, unit)], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${unit}: ${run.stderr}`);
    // Unknown keys and bad values are only warnings (exit 0): any output is a failure here.
    assert.equal(`${run.stdout}${run.stderr}`.trim(), '', unit);
  }
});

test('systemd units: real settings only, the bundles npm runs, the engine apart, and one database', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  const known = new Set(Object.keys(envSchema.shape));
  const expected = { 'ddi-portal.service': pkg.scripts.start!, 'ddi-registrar.service': pkg.scripts.registrar! };
  const databases = new Set<string>();
  for (const unit of UNITS) {
    const settings = unitSettings(readFileSync(join(DEPLOY, 'systemd', unit), 'utf8'));
    const exec = settings.find(([k]) => k === 'ExecStart')![1];
    assert.equal(exec.replace('/usr/bin/node', 'node'), expected[unit as keyof typeof expected], `${unit} runs what npm runs`);
    for (const [, value] of settings.filter(([k]) => k === 'Environment')) {
      const name = value.slice(0, value.indexOf('='));
      assert.ok(known.has(name), `${unit}: ${name} is not a setting of lib/env.ts`);
      if (name === 'DATABASE_PATH') databases.add(value);
    }
    assert.ok(settings.some(([k, v]) => k === 'EnvironmentFile' && v === '/etc/ddi-registrations/ddi.env'), `${unit} reads the shared ddi.env (SECRET_KEY)`);
  }
  assert.equal(databases.size, 1, 'both units use the same database');
  assert.ok(readFileSync(join(DEPLOY, 'systemd', 'ddi-portal.service'), 'utf8').includes('Environment=REGISTRAR_ENABLED=0'), 'the portal leaves the engine to its own unit');
  for (const example of ['ddi.env.example', 'portal.env.example', 'registrar.env.example']) {
    for (const line of readFileSync(join(DEPLOY, 'systemd', example), 'utf8').split('\n')) {
      const m = /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(line);
      if (m) assert.ok(known.has(m[1]!), `${example}: ${m[1]} is not a setting of lib/env.ts`);
    }
  }
});

/** Braces balance and, outside comments, every nginx statement ends in `;` or opens/closes a block. */
function checkNginx(text: string): void {
  let depth = 0;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    depth += (line.match(/{/g) ?? []).length - (line.match(/}/g) ?? []).length;
    assert.ok(depth >= 0, `line ${i + 1}: unbalanced }`);
    assert.match(line, /[;{}]$/, `line ${i + 1}: a statement must end in ;`);
  }
  assert.equal(depth, 0, 'unbalanced {');
}

test('nginx example: well formed, TLS, forwarded headers, and an unbuffered live stream', (t) => {
  const text = readFileSync(join(DEPLOY, 'nginx', 'ddi-portal.conf'), 'utf8');
  const nginx = which('nginx');
  if (nginx) {
    const dir = mkdtempSync(join(tmpdir(), 'nginx-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // nginx -t needs the certificates to exist: a self-signed pair stands in.
    spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=portal.example.com', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1'], { encoding: 'utf8' });
    const site = text.replace(/\/etc\/letsencrypt\/live\/portal\.example\.com\/fullchain\.pem/, join(dir, 'cert.pem')).replace(/\/etc\/letsencrypt\/live\/portal\.example\.com\/privkey\.pem/, join(dir, 'key.pem'));
    writeFileSync(join(dir, 'site.conf'), site);
    writeFileSync(join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid; error_log stderr; events {} http { access_log off; include ${dir}/site.conf; }`);
    const run = spawnSync(nginx, ['-t', '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  } else {
    t.diagnostic('nginx is not installed: structural check only (braces, statements), not nginx -t');
  }
  checkNginx(text);
  const events = /location = \/api\/events \{([^}]*)\}/.exec(text)?.[1] ?? '';
  for (const directive of ['proxy_buffering off;', 'proxy_read_timeout 1h;', 'proxy_pass http://ddi_portal;']) assert.ok(events.includes(directive), `/api/events: ${directive}`);
  for (const header of ['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-For', 'proxy_set_header X-Forwarded-Proto $scheme;']) assert.ok(text.includes(header), header);
  assert.match(text, /listen 443 ssl;/);
});

test('Caddyfile example: well formed, and the live stream flushed at once', (t) => {
  const text = readFileSync(join(DEPLOY, 'caddy', 'Caddyfile'), 'utf8');
  const caddy = which('caddy');
  if (caddy) {
    const run = spawnSync(caddy, ['validate', '--adapter', 'caddyfile', '--config', join(DEPLOY, 'caddy', 'Caddyfile')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  } else {
    t.diagnostic('caddy is not installed: structural check only (braces), not caddy validate');
  }
  let depth = 0;
  for (const line of text.split('\n').map((l) => l.replace(/#.*/, ''))) {
    depth += (line.match(/{(?![a-z.]+})/g) ?? []).length - (line.match(/(?<!{[a-z.]+)}/g) ?? []).length;
    assert.ok(depth >= 0);
  }
  assert.equal(depth, 0, 'balanced braces');
  assert.match(text, /reverse_proxy 127\.0\.0\.1:3000 \{[^}]*flush_interval -1/);
  assert.doesNotMatch(text.replace(/#.*/g, ''), /\bencode\b/, 'no compression in front of the stream');
});

test('npm run backup: a consistent, checked, private copy while another connection holds a write open', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'backup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'portal.db');
  const db = openSqlite(path);
  t.after(() => closeDatabase(db));
  const sqlite = sqliteOf(db);
  const provider = Number(sqlite.prepare("INSERT INTO ddi_providers (name) VALUES ('Backup carrier')").run().lastInsertRowid);
  const insert = sqlite.prepare("INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, ?, 'sip.backup.example', ?)");
  sqlite.transaction(() => {
    for (let i = 0; i < 500; i++) insert.run(provider, `u${i}`, `+3491${String(i).padStart(7, '0')}`);
  })();
  // A write left open in this connection (not committed): the copy must not contain it.
  sqlite.exec('BEGIN IMMEDIATE');
  insert.run(provider, 'uncommitted', '+34919999999');
  const dest = join(dir, 'copy.db');
  const run = spawnSync(process.execPath, ['scripts/backup.mjs', dest], { encoding: 'utf8', env: { ...process.env, DATABASE_PATH: path }, timeout: 30_000 });
  sqlite.exec('ROLLBACK');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /500 registrations, integrity ok/);
  assert.equal(statSync(dest).mode & 0o777, 0o600);
  const again = spawnSync(process.execPath, ['scripts/backup.mjs', dest], { encoding: 'utf8', env: { ...process.env, DATABASE_PATH: path } });
  assert.equal(again.status, 2, 'never overwrites a file');
});
