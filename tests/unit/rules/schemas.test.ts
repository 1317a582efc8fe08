import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ddiProviderDeleteQuerySchema, ddiProviderInputSchema, ddiProviderPatchSchema } from '../../../lib/ddi-providers/schema';
import {
  accountAvailabilityQuerySchema,
  availabilityQuerySchema,
  ddiAvailabilityQuerySchema,
  registrationInputSchema,
  registrationListQuerySchema,
  registrationPatchSchema,
  suggestDdiQuerySchema,
} from '../../../lib/registrations/schema';
import { validationError, zodFields } from '../../../lib/api/result';
import { likePattern } from '../../../lib/registrations/service';
import { parseId, readJsonBody } from '../../../lib/api/http';

const minimal = { ddiProviderId: 1, username: '883200145', domain: 'SIP.Provider.Example', ddi: '+34911223344' };

describe('registrationInputSchema', () => {
  test('fills defaults and normalises', () => {
    assert.deepEqual(registrationInputSchema.parse(minimal), {
      ddiProviderId: 1,
      username: '883200145',
      domain: 'sip.provider.example',
      ddi: '+34911223344',
      authUsername: null,
      registerServerUri: null,
      realm: null,
      expires: 3600,
      transport: 'auto',
      enabled: true,
    });
  });
  test("password: '' or null means none, a string is kept as typed", () => {
    assert.equal(registrationInputSchema.parse({ ...minimal, password: '' }).password, '');
    assert.equal(registrationInputSchema.parse({ ...minimal, password: null }).password, null);
    assert.equal(registrationInputSchema.parse({ ...minimal, password: ' pw ' }).password, ' pw ');
  });
  test('rejects unknown keys, wrong types and a missing provider, with field names', () => {
    const r = registrationInputSchema.safeParse({ ...minimal, ddiProviderId: '1', expires: '3600', enabled: 'yes', transport: 'sctp', extra: 1 });
    assert.ok(!r.success);
    const fields = zodFields(r.error);
    assert.deepEqual(Object.keys(fields).sort(), ['ddiProviderId', 'enabled', 'expires', 'extra', 'transport']);
    assert.equal(fields.extra, 'Unknown field.');
    const missing = zodFields(registrationInputSchema.safeParse({}).error!);
    assert.equal(missing.username, 'This field is required.');
    assert.equal(missing.ddiProviderId, 'Choose a DDI provider.');
  });
  test('rejects id / revision / hasPassword from the client', () => {
    for (const key of ['id', 'revision', 'hasPassword', 'createdAt', 'status']) {
      assert.ok(!registrationInputSchema.safeParse({ ...minimal, [key]: 1 }).success, key);
    }
  });
});

describe('registrationPatchSchema', () => {
  test('every field optional, no defaults', () => {
    assert.deepEqual(registrationPatchSchema.parse({}), {});
    assert.deepEqual(registrationPatchSchema.parse({ enabled: false }), { enabled: false });
    assert.deepEqual(registrationPatchSchema.parse({ realm: '' }), { realm: null });
  });
  test('password keep / clear / set', () => {
    assert.equal(registrationPatchSchema.parse({}).password, undefined);
    assert.equal(registrationPatchSchema.parse({ password: '' }).password, '');
    assert.equal(registrationPatchSchema.parse({ password: null }).password, null);
    assert.equal(registrationPatchSchema.parse({ password: 'new' }).password, 'new');
    assert.ok(!registrationPatchSchema.safeParse({ password: 'a\nb' }).success);
  });
  test('strict', () => {
    assert.ok(!registrationPatchSchema.safeParse({ id: 3 }).success);
  });
  test('revision: optional positive integer', () => {
    assert.deepEqual(registrationPatchSchema.parse({ revision: 3 }), { revision: 3 });
    for (const revision of [0, -1, 1.5, '3', null]) assert.ok(!registrationPatchSchema.safeParse({ revision }).success, String(revision));
  });
});

describe('ddiProvider schemas', () => {
  test('input defaults and trimming', () => {
    assert.deepEqual(ddiProviderInputSchema.parse({ name: '  Acme  ' }), { name: 'Acme', description: '', ddis: [], forwardTo: null, alertHoldS: null });
    assert.equal(ddiProviderInputSchema.parse({ name: 'A', forwardTo: '  ' }).forwardTo, null);
    assert.equal(ddiProviderInputSchema.parse({ name: 'A', alertHoldS: 300 }).alertHoldS, 300);
    assert.equal(ddiProviderInputSchema.parse({ name: 'A', alertHoldS: '' }).alertHoldS, null);
    for (const bad of [-1, 86_401, 1.5, '60']) assert.ok(!ddiProviderInputSchema.safeParse({ name: 'A', alertHoldS: bad }).success, String(bad));
    assert.equal(ddiProviderInputSchema.parse({ name: 'A', forwardTo: ' sips:[2001:db8::1]:5061 ' }).forwardTo, 'sips:[2001:db8::1]:5061');
    for (const bad of ['sip:100@pbx.example', 'sip:pbx.example;transport=ws', 'tel:+34911', 'sip:pbx example']) {
      assert.ok(!ddiProviderInputSchema.safeParse({ name: 'A', forwardTo: bad }).success, bad);
    }
  });
  test('ddis must be valid and distinct', () => {
    assert.ok(ddiProviderInputSchema.safeParse({ name: 'A', ddis: ['+34911', '34912'] }).success);
    const dup = ddiProviderInputSchema.safeParse({ name: 'A', ddis: ['+34911', '+34911'] });
    assert.ok(!dup.success);
    assert.match(zodFields(dup.error).ddis!, /only once/);
    const bad = ddiProviderInputSchema.safeParse({ name: 'A', ddis: ['+34911', 'abc'] });
    assert.ok(!bad.success);
    assert.match(zodFields(bad.error).ddis!, /^Item 2: /);
    assert.ok(!ddiProviderInputSchema.safeParse({ name: 'A', ddis: Array.from({ length: 1001 }, (_, i) => String(i)) }).success);
  });
  test('name required, bounded; strict', () => {
    assert.ok(!ddiProviderInputSchema.safeParse({ name: '   ' }).success);
    assert.ok(!ddiProviderInputSchema.safeParse({ name: 'x'.repeat(101) }).success);
    assert.ok(!ddiProviderInputSchema.safeParse({ name: 'A', id: 1 }).success);
    assert.deepEqual(ddiProviderPatchSchema.parse({}), {});
  });
  test('delete query confirm flag', () => {
    assert.deepEqual(ddiProviderDeleteQuerySchema.parse({ confirm: 'true' }), { confirm: true });
    assert.deepEqual(ddiProviderDeleteQuerySchema.parse({ confirm: '0' }), { confirm: false });
    assert.deepEqual(ddiProviderDeleteQuerySchema.parse({}), {});
    assert.ok(!ddiProviderDeleteQuerySchema.safeParse({ confirm: 'maybe' }).success);
  });
});

describe('query schemas', () => {
  test('list query coerces and bounds', () => {
    assert.deepEqual(registrationListQuerySchema.parse({}), { page: 1, pageSize: 50, sort: 'id', order: 'asc' });
    assert.deepEqual(registrationListQuerySchema.parse({ page: '3', pageSize: '10', sort: 'provider', order: 'desc', ddiProviderId: '2', q: ' acme ' }), {
      page: 3,
      pageSize: 10,
      sort: 'provider',
      order: 'desc',
      ddiProviderId: 2,
      q: 'acme',
    });
    for (const bad of [{ page: '0' }, { pageSize: '501' }, { page: '1.5' }, { sort: 'password' }, { order: 'up' }, { q: 'x'.repeat(201) }]) {
      assert.ok(!registrationListQuerySchema.safeParse(bad).success, JSON.stringify(bad).slice(0, 40));
    }
  });
  test('availability: ddi or username+domain, excludeId', () => {
    assert.deepEqual(ddiAvailabilityQuerySchema.parse({ ddi: '+349', excludeId: '4' }), { ddi: '+349', excludeId: 4 });
    assert.deepEqual(accountAvailabilityQuerySchema.parse({ username: 'u', domain: 'Example.com' }), { username: 'u', domain: 'example.com' });
    assert.ok(availabilityQuerySchema.safeParse({ ddi: '1' }).success);
    assert.ok(!availabilityQuerySchema.safeParse({ ddi: 'x' }).success);
    assert.ok(!availabilityQuerySchema.safeParse({ username: 'u' }).success);
    assert.ok(!ddiAvailabilityQuerySchema.safeParse({ ddi: '1', excludeId: '-1' }).success);
    assert.ok(!ddiAvailabilityQuerySchema.safeParse({ ddi: '1', other: '1' }).success);
  });
  test('suggest-ddi query', () => {
    assert.deepEqual(suggestDdiQuerySchema.parse({ ddiProviderId: '7' }), { ddiProviderId: 7 });
    assert.ok(!suggestDdiQuerySchema.safeParse({ ddiProviderId: 'x' }).success);
  });
});

describe('api helpers', () => {
  test('validationError for a non-object body has a message and no fields', () => {
    const r = registrationInputSchema.safeParse([1, 2]);
    const { error } = validationError(r.error!);
    assert.equal(error.code, 'validation');
    assert.equal(error.fields, undefined);
    assert.match(error.message, /JSON object/);
  });
  test('likePattern escapes wildcards', () => {
    assert.equal(likePattern('50%_a\\b'), '%50\\%\\_a\\\\b%');
  });
  test('parseId', () => {
    assert.equal(parseId('12'), 12);
    for (const bad of ['0', '-1', '1.5', 'abc', '01', '99999999999999999', '']) assert.equal(parseId(bad), null, bad);
  });
  test('readJsonBody: limit by content-length and by counted bytes, invalid JSON', async () => {
    const small = await readJsonBody(new Request('http://x/', { method: 'POST', body: '{"a":1}' }));
    assert.deepEqual(small, { ok: true, value: { a: 1 } });
    const declared = await readJsonBody(new Request('http://x/', { method: 'POST', body: '{}', headers: { 'content-length': '999999' } }), 1024);
    assert.equal(!declared.ok && declared.error.code, 'too_large');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(200)));
        c.close();
      },
    });
    const counted = await readJsonBody(new Request('http://x/', { method: 'POST', body: stream, duplex: 'half' } as RequestInit), 1024);
    assert.equal(!counted.ok && counted.error.code, 'too_large');
    const invalid = await readJsonBody(new Request('http://x/', { method: 'POST', body: '{oops' }));
    assert.equal(!invalid.ok && invalid.error.code, 'invalid_json');
    const empty = await readJsonBody(new Request('http://x/', { method: 'POST' }));
    assert.equal(!empty.ok && empty.error.code, 'invalid_json');
  });
});
