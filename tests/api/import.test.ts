/**
 * Bulk import and export of registrations through the real portal: CSV quoting, byte order mark
 * and CRLF, the form's rules and messages per row, uniqueness within the file and against the
 * database, all or nothing, dry runs that write nothing (business-table checksum), the size and
 * row limits (413), JSON arrays, sealed passwords the engine can open, the change journal, one
 * audit entry, export without passwords that imports back, and who may do what.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { errorBodySchema, importReportJsonSchema, registrationListJsonSchema, type ImportRowErrorJson, type RegistrationJson } from '../../lib/api/contracts';
import { parseCsv } from '../../lib/csv/parse';
import { csvRecord } from '../../lib/csv/write';
import { EXPORT_COLUMNS } from '../../lib/registrations/export-service';
import { IMPORT_COLUMNS, IMPORT_MESSAGES } from '../../lib/registrations/import-columns';
import { messages } from '../../lib/registrations/rules';
import { conflictMessages } from '../../lib/registrations/service';
import { createKeyring, parseKey } from '../../lib/secrets/key';
import { ChangeFeed } from '../../registrar/store/change-feed';
import { RegistrationSource } from '../../registrar/store/registration-source';
import { businessChecksum } from './db-checksum';
import { createOperator } from './extra-operators';
import { useServer, type ApiAuth } from './server';
import { closeDatabase, openDatabase } from '../../lib/db/client';
import { rawOf } from '../db';
import { signIn } from '../portal-process';

const SECRET_KEY = 'a1'.repeat(32);
const server = useServer({ SECRET_KEY });

const CARRIER = 'Import Carrier, "Quoted" Inc.';
let carrierId = 0;
let otherId = 0;

async function provider(name: string): Promise<number> {
  const res = await server.api('/api/ddi-providers', { method: 'POST', json: { name } });
  assert.equal(res.status, 201, res.text);
  return res.body.id as number;
}

type ImportInit = { type?: string; dryRun?: boolean; auth?: ApiAuth };

async function importFile(body: string | Buffer, { type = 'text/csv', dryRun = false, auth }: ImportInit = {}) {
  return server.api(`/api/registrations/import${dryRun ? '?dryRun=1' : ''}`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': type }, auth });
}

/** The bad rows of a refused import (asserting the 422 and the error shape). */
async function refusedRows(body: string | Buffer, init: ImportInit = {}): Promise<ImportRowErrorJson[]> {
  const res = await importFile(body, init);
  assert.equal(res.status, 422, res.text);
  const { error } = errorBodySchema.parse(res.body);
  assert.equal(error.code, 'validation');
  assert.ok(error.rows, res.text);
  return error.rows;
}

async function registrationsOf(ddiProviderId: number, q = ''): Promise<RegistrationJson[]> {
  const res = await server.api(`/api/registrations?ddiProviderId=${ddiProviderId}&pageSize=500&sort=id&q=${encodeURIComponent(q)}`);
  assert.equal(res.status, 200, res.text);
  return registrationListJsonSchema.parse(res.body).items;
}

const csv = (rows: (string | number | boolean | null)[][], eol = '\r\n') => rows.map((r) => csvRecord(r).replace(/\r\n$/, eol)).join('');

/** A password the leak scan must never find in a response or the server log. */
function secret(value: string): string {
  server.ledger.secret(value, 'a password in an imported file');
  return value;
}

before(async () => {
  carrierId = await provider(CARRIER);
  otherId = await provider('Import Other');
});

describe('CSV import', () => {
  test('quoted commas and quotes, a byte order mark and CRLF; dry run writes nothing; the import creates every row', async () => {
    const password = secret('pa,ss"word-1 Zq');
    const body = `\uFEFF${csv([
      ['ddiProviderName', 'username', 'domain', 'ddi', 'password', 'realm', 'expires', 'transport', 'enabled'],
      [CARRIER, 'imp-1', 'sip.import.example', '+34915000001', password, 'realm, one', 120, 'tcp', 'false'],
      [CARRIER, 'imp-2', 'SIP.Import.Example', '+34915000002', '', '', '', '', ''],
    ])}`;
    assert.ok(body.includes('"Import Carrier, ""Quoted"" Inc."') && body.includes('"pa,ss""word-1 Zq"'), 'the file really quotes');

    const before = await businessChecksum(server.dbPath);
    const dry = await importFile(body, { dryRun: true });
    assert.equal(dry.status, 200, dry.text);
    assert.deepEqual(importReportJsonSchema.parse(dry.body), { dryRun: true, rows: 2, imported: 0 });
    assert.deepEqual(await businessChecksum(server.dbPath), before, 'a dry run writes nothing');

    const res = await importFile(body);
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(importReportJsonSchema.parse(res.body), { dryRun: false, rows: 2, imported: 2 });
    const [one, two] = await registrationsOf(carrierId);
    assert.ok(one && two);
    assert.deepEqual(
      [one.username, one.domain, one.ddi, one.realm, one.expires, one.transport, one.enabled, one.hasPassword],
      ['imp-1', 'sip.import.example', '+34915000001', 'realm, one', 120, 'tcp', false, true],
    );
    assert.deepEqual([two.domain, two.realm, two.expires, two.enabled, two.hasPassword], ['sip.import.example', null, 3600, true, false]);
  });

  test('passwords are sealed at rest; the engine reads the new rows from the journal and opens them', async () => {
    const [one, two] = await registrationsOf(carrierId);
    assert.ok(one && two);
    const db = openDatabase(server.dbPath);
    try {
      const stored = ((await rawOf(db).prepare('SELECT password FROM registrations WHERE id = ?').get(one.id)) as { password: string }).password;
      assert.match(stored, /^enc:v1:/);
      for (const path of [server.dbPath, `${server.dbPath}-wal`].filter(existsSync)) {
        assert.equal(readFileSync(path).indexOf(Buffer.from('pa,ss"word-1 Zq')), -1, `clear password in ${path}`);
      }
      const journal = (await new ChangeFeed(db).take()).filter((c) => c.registrationId === one.id || c.registrationId === two.id);
      assert.deepEqual(journal, [{ registrationId: one.id, command: 'sync' }, { registrationId: two.id, command: 'sync' }]);
      const source = new RegistrationSource(db, { keyring: createKeyring(parseKey(SECRET_KEY, 'SECRET_KEY')) });
      assert.equal((await source.load(one.id))?.password, 'pa,ss"word-1 Zq');
      assert.equal((await source.load(two.id))?.password, null);
    } finally {
      await closeDatabase(db);
    }
  });

  test('one audit entry records the import and its count', async () => {
    const res = await server.api('/api/audit?action=import');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.total, 1, res.text);
    const [entry] = res.body.items;
    assert.equal(entry.entityType, 'registration');
    assert.deepEqual(entry.changes.imported, { before: null, after: 2 });
    assert.match(entry.entityLabel, /^2 registrations imported/);
  });

  test('a line break inside quotes stays in its field (refused by the form rule) and later rows keep their numbers and lines', async () => {
    const before = await businessChecksum(server.dbPath);
    const body = csv(
      [
        ['ddiProviderId', 'username', 'domain', 'ddi', 'realm'],
        [otherId, 'nl-1', 'sip.nl.example', '+34916000001', 'fine'],
        [otherId, 'nl-2', 'sip.nl.example', '+34916000002', 'two\nlines'],
        [otherId, 'nl-3', 'sip.nl.example', '+34916000001', ''],
        [otherId, 'nl-1', 'sip.nl.example', '+34916000004', ''],
      ],
      '\n',
    );
    assert.deepEqual(await refusedRows(body), [
      { row: 2, line: 3, field: 'realm', message: messages.realm },
      { row: 3, line: 5, field: 'ddi', message: IMPORT_MESSAGES.ddiInFile('+34916000001', 1) },
      { row: 4, line: 6, field: 'username', message: IMPORT_MESSAGES.accountInFile('nl-1', 'sip.nl.example', 1) },
    ]);
    assert.deepEqual(await businessChecksum(server.dbPath), before, 'nothing imported');
  });

  test('DDI and account already used by a registration: the form\'s conflict messages, nothing imported', async () => {
    const [existing] = await registrationsOf(carrierId);
    assert.ok(existing);
    const before = await businessChecksum(server.dbPath);
    const body = csv([
      ['ddiProviderId', 'username', 'domain', 'ddi'],
      [otherId, 'fresh-1', 'sip.fresh.example', '+34917000001'],
      [otherId, 'fresh-2', 'sip.fresh.example', existing.ddi],
      [otherId, existing.username, existing.domain, '+34917000003'],
    ]);
    const holder = { registrationId: existing.id, ddiProviderId: carrierId, ddiProviderName: CARRIER };
    for (const dryRun of [true, false]) {
      assert.deepEqual(await refusedRows(body, { dryRun }), [
        { row: 2, line: 3, field: 'ddi', message: conflictMessages.ddi(existing.ddi, holder) },
        { row: 3, line: 4, field: 'username', message: conflictMessages.account(existing.username, existing.domain, holder) },
      ]);
    }
    assert.deepEqual(await businessChecksum(server.dbPath), before, 'nothing imported');
  });

  test('all or nothing: one bad row among 500 refuses the file; fixed, it imports all 500', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => [otherId, `bulk-${i}`, 'sip.bulk.example', `+3491800${String(i).padStart(4, '0')}`, i === 249 ? 10 : 600]);
    const header = ['ddiProviderId', 'username', 'domain', 'ddi', 'expires'];
    const before = await businessChecksum(server.dbPath);
    assert.deepEqual(await refusedRows(csv([header, ...rows])), [{ row: 250, line: 251, field: 'expires', message: messages.expires }]);
    assert.deepEqual(await businessChecksum(server.dbPath), before, 'nothing imported');

    rows[249]![4] = 60;
    const res = await importFile(csv([header, ...rows]));
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.imported, 500);
    assert.equal((await server.api(`/api/registrations?ddiProviderId=${otherId}&pageSize=1`)).body.total, 500);
  });

  test('HTML and control characters are refused like the form refuses them, with their row numbers', async () => {
    const before = await businessChecksum(server.dbPath);
    const body = csv([
      ['ddiProviderName', 'username', 'domain', 'ddi', 'password', 'realm'],
      ['Import Other', '<script>alert(1)</script>', 'sip.x.example', '+34919000001', '', ''],
      ['Import Other', 'ok-user', '<b>sip.x.example</b>', '+34919000002', '', ''],
      ['Import Other', 'ctl-1', 'sip.x.example', '+34919000003', '', 'bell\u0007realm'],
      ['Import Other', 'ctl-2', 'sip.x.example', '+34919000004', secret('nul\u0000password'), ''],
      ['Import Other', 'ctl-3', 'sip.x.example', '+34919000005\u202e', '', ''],
      ['<img src=x onerror=alert(1)>', 'ctl-4', 'sip.x.example', '+34919000006', '', ''],
    ]);
    assert.deepEqual(await refusedRows(body), [
      { row: 1, line: 2, field: 'username', message: messages.username },
      { row: 2, line: 3, field: 'domain', message: messages.domain },
      { row: 3, line: 4, field: 'realm', message: messages.realm },
      { row: 4, line: 5, field: 'password', message: messages.password },
      { row: 5, line: 6, field: 'ddi', message: messages.ddi },
      { row: 6, line: 7, field: 'ddiProviderName', message: IMPORT_MESSAGES.providerName('<img src=x onerror=alert(1)>') },
    ]);
    assert.deepEqual(await businessChecksum(server.dbPath), before);
  });

  test('CSV syntax, header and row-shape faults', async () => {
    const before = await businessChecksum(server.dbPath);
    const header = 'ddiProviderId,username,domain,ddi\n';
    assert.deepEqual(await refusedRows(`${header}${otherId},a,sip.s.example,+34920000001\n${otherId},b"c,sip.s.example,+34920000002\n`), [
      { row: 2, line: 3, field: null, message: 'A quote (") may only appear in a field quoted as a whole ("a ""b"" c").' },
    ]);
    assert.deepEqual(await refusedRows(`${header}${otherId},a,sip.s.example\n`), [{ row: 1, line: 2, field: null, message: IMPORT_MESSAGES.fieldCount(3, 4) }]);

    const unknown = await importFile(`ddiProviderId,username,domain,ddi,id\n${otherId},a,sip.s.example,+34920000001,7\n`);
    assert.equal(unknown.status, 422, unknown.text);
    assert.deepEqual(Object.keys(unknown.body.error.fields), ['id']);
    const missing = await importFile(`username,domain\na,sip.s.example\n`);
    assert.equal(missing.status, 422);
    assert.deepEqual(Object.keys(missing.body.error.fields).sort(), ['ddi', 'ddiProviderName']);
    const headerOnly = await importFile(header);
    assert.equal(headerOnly.status, 422);

    assert.equal((await importFile(`${header}${otherId},a,sip.s.example,+34920000001\n`, { type: 'text/plain' })).status, 415);
    assert.equal((await importFile(`${header}${otherId},a,sip.s.example,+34920000001\n`, { type: 'text/csv; charset=iso-8859-1' })).status, 415);
    const latin1 = Buffer.concat([Buffer.from(`${header}${otherId},caf`), Buffer.from([0xe9]), Buffer.from(',sip.s.example,+34920000001\n')]);
    const notUtf8 = await importFile(latin1);
    assert.equal(notUtf8.status, 422, notUtf8.text);
    assert.match(notUtf8.body.error.message, /UTF-8/);
    assert.deepEqual(await businessChecksum(server.dbPath), before);
  });

  test('limits: a 10 MB file and a file of over 100,000 rows get 413, nothing written', async () => {
    const before = await businessChecksum(server.dbPath);
    const line = `${otherId},u,sip.big.example,+34921000001,${'x'.repeat(60)}\n`;
    const big = `ddiProviderId,username,domain,ddi,realm\n${line.repeat(Math.ceil(10_000_000 / line.length))}`;
    assert.ok(big.length >= 10_000_000);
    const tooBig = await importFile(big);
    assert.equal(tooBig.status, 413, tooBig.text.slice(0, 300));
    assert.equal(tooBig.body.error.code, 'too_large');
    assert.match(tooBig.body.error.message, /8 MiB/);

    const many = `ddiProviderId,username,domain,ddi\n${`${otherId},u,d,1\n`.repeat(100_001)}`;
    const tooMany = await importFile(many);
    assert.equal(tooMany.status, 413, tooMany.text.slice(0, 300));
    assert.match(tooMany.body.error.message, /100,000 rows/);
    const json = await importFile(JSON.stringify(Array.from({ length: 100_001 }, () => ({}))), { type: 'application/json' });
    assert.equal(json.status, 413, json.text.slice(0, 300));
    assert.deepEqual(await businessChecksum(server.dbPath), before);
  });
});

describe('JSON import', () => {
  test('an array of registration objects: provider by name or id, row errors by position, then imported', async () => {
    const json = (rows: unknown[]) => JSON.stringify(rows);
    const before = await businessChecksum(server.dbPath);
    const rows: unknown[] = [
      { ddiProviderName: 'Import Other', username: 'json-1', domain: 'sip.json.example', ddi: '+34922000001', password: 'Json-sip-pass-1' },
      { ddiProviderId: otherId, username: 'json-2', domain: 'sip.json.example', ddi: '+34922000002', bogus: 1 },
      'not an object',
      { ddiProviderId: carrierId, ddiProviderName: 'Import Other', username: 'json-4', domain: 'sip.json.example', ddi: '+34922000004' },
      { ddiProviderId: otherId, username: 'json-5', domain: 'sip.json.example', ddi: '+34922000005', expires: '3600' },
    ];
    assert.deepEqual(await refusedRows(json(rows), { type: 'application/json' }), [
      { row: 2, field: 'bogus', message: 'Unknown field.' },
      { row: 3, field: null, message: IMPORT_MESSAGES.notObject },
      { row: 4, field: 'ddiProviderId', message: IMPORT_MESSAGES.providerMismatch },
      { row: 5, field: 'expires', message: messages.expires },
    ]);
    assert.deepEqual(await businessChecksum(server.dbPath), before);

    const good = [rows[0], { ddiProviderId: otherId, username: 'json-2', domain: 'sip.json.example', ddi: '+34922000002', enabled: false }];
    const res = await importFile(`\uFEFF${json(good)}`, { type: 'application/json; charset=utf-8' });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body, { dryRun: false, rows: 2, imported: 2 });
    const imported = await registrationsOf(otherId, 'json-');
    assert.deepEqual(imported.map((r) => [r.username, r.hasPassword, r.enabled]), [['json-1', true, true], ['json-2', false, false]]);
    assert.equal((await importFile('{"not":"an array"}', { type: 'application/json' })).status, 422);
    assert.equal((await importFile('[{', { type: 'application/json' })).status, 400);
  });
});

describe('CSV export', () => {
  test('the import\'s columns, no passwords, RFC 4180 quoting, a filename; it imports back (minus passwords)', async () => {
    assert.deepEqual([...EXPORT_COLUMNS].sort(), IMPORT_COLUMNS.filter((c) => c !== 'password').sort(), 'every importable column but the password');
    const res = await server.api('/api/registrations/export');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="registrations-\d{4}-\d{2}-\d{2}\.csv"$/);
    assert.ok(!/password/i.test(res.text), 'no password column');
    assert.ok(res.text.includes('"Import Carrier, ""Quoted"" Inc."'), 'quoted provider name');
    const parsed = parseCsv(res.text);
    assert.ok(parsed.ok);
    const [head, ...records] = parsed.records;
    assert.deepEqual(head!.fields, [...EXPORT_COLUMNS]);
    assert.equal(records.length, (await server.api('/api/registrations?pageSize=1')).body.total);

    // Round trip: the carrier's registrations deleted, then its exported rows imported again.
    const originals = await registrationsOf(carrierId);
    assert.equal(originals.length, 2);
    const mine = records.filter((r) => r.fields[1] === CARRIER).map((r) => r.fields);
    for (const r of originals) assert.equal((await server.api(`/api/registrations/${r.id}`, { method: 'DELETE' })).status, 200);
    const again = await importFile(csv([head!.fields, ...mine]));
    assert.equal(again.status, 201, again.text);
    const restored = await registrationsOf(carrierId);
    const comparable = (r: RegistrationJson) => {
      const { id: _i, createdAt: _c, updatedAt: _u, revision: _r, hasPassword: _h, status: _s, ...rest } = r;
      return rest;
    };
    assert.deepEqual(restored.map(comparable), originals.map(comparable));
    assert.deepEqual(restored.map((r) => r.hasPassword), [false, false], 'passwords are not exported');
  });
});

describe('who may import and export', () => {
  test('a viewer may export but not import; nobody signed in may do neither', async () => {
    const viewer = await createOperator(server, 'viewer');
    const session = await signIn(server.baseUrl, viewer.email, viewer.password);
    server.ledger.secret(session, 'viewer session');
    const before = await businessChecksum(server.dbPath);
    const body = `ddiProviderId,username,domain,ddi\n${otherId},viewer-1,sip.viewer.example,+34923000001\n`;
    const refused = await importFile(body, { auth: { session } });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error.code, 'forbidden');
    assert.equal((await importFile(body, { auth: { session }, dryRun: true })).status, 403);
    assert.equal((await importFile(body, { auth: 'none' })).status, 401);
    assert.deepEqual(await businessChecksum(server.dbPath), before);
    assert.equal((await server.api('/api/registrations/export', { auth: { session } })).status, 200);
    assert.equal((await server.api('/api/registrations/export', { auth: 'none' })).status, 401);
  });
});
