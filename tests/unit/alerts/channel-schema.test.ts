// The notification channel schemas (lib/alerts/channel-schema.ts): what each kind requires, URLs,
// secrets written as typed but printable only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zodFields } from '../../../lib/api/result';
import { channelInputSchema, channelPatchSchema } from '../../../lib/alerts/channel-schema';

const fields = (input: unknown) => {
  const r = channelInputSchema.safeParse(input);
  return r.success ? null : zodFields(r.error);
};

test('a webhook needs an http(s) URL without credentials; defaults filled in', () => {
  assert.deepEqual(channelInputSchema.parse({ name: ' Hook ', kind: 'webhook', url: ' https://hooks.example.com/x ' }), {
    name: 'Hook', kind: 'webhook', url: 'https://hooks.example.com/x', enabled: true, smtpPort: 587, smtpStarttls: 'required', mailTo: [],
  });
  assert.match(fields({ name: 'h', kind: 'webhook' })!.url!, /Enter the URL/);
  assert.match(fields({ name: 'h', kind: 'webhook', url: 'ftp://x.example/' })!.url!, /http/);
  assert.match(fields({ name: 'h', kind: 'webhook', url: 'https://user:pw@x.example/' })!.url!, /user and password/);
  assert.match(fields({ name: 'h', kind: 'webhook', url: 'not a url' })!.url!, /full URL/);
  assert.match(fields({ name: 'h', kind: 'webhook', url: 'http://x.example/a\u0000b' })!.url!, /printable/);
  assert.match(fields({ name: 'h', kind: 'webhook', url: 'http://x.example/a\u202eb' })!.url!, /printable/);
});

test('secrets are kept as typed (spaces too) but must be printable and at most 500 characters', () => {
  assert.equal(channelInputSchema.parse({ name: 'h', kind: 'webhook', url: 'http://x.example/', secret: ' s p ' }).secret, ' s p ');
  assert.ok(fields({ name: 'h', kind: 'webhook', url: 'http://x.example/', secret: 'a\u0007b' })!.secret);
  assert.ok(fields({ name: 'h', kind: 'webhook', url: 'http://x.example/', secret: 'x'.repeat(501) })!.secret);
  assert.ok(!channelPatchSchema.safeParse({ smtpPassword: 'p\u0000' }).success);
  assert.deepEqual(channelPatchSchema.parse({ secret: null, smtpPassword: '' }), { secret: null, smtpPassword: '' });
});

test('e-mail needs host, sender and recipients; STARTTLS is one of three; kind cannot be patched', () => {
  const f = fields({ name: 'm', kind: 'email' })!;
  assert.deepEqual(Object.keys(f).sort(), ['mailFrom', 'mailTo', 'smtpHost']);
  const ok = channelInputSchema.parse({ name: 'm', kind: 'email', smtpHost: 'smtp.example.com', mailFrom: 'p@example.com', mailTo: ['o@example.com'] });
  assert.deepEqual([ok.smtpPort, ok.smtpStarttls], [587, 'required']);
  assert.ok(fields({ name: 'm', kind: 'email', smtpHost: 'smtp.example.com:25', mailFrom: 'p@example.com', mailTo: ['o@example.com'] })!.smtpHost);
  assert.ok(fields({ name: 'm', kind: 'email', smtpHost: 'h', smtpStarttls: 'tls', mailFrom: 'p@example.com', mailTo: ['o@example.com'] })!.smtpStarttls);
  assert.ok(fields({ name: 'm', kind: 'email', smtpHost: 'h', mailFrom: 'p@example.com', mailTo: ['not-an-address'] })!.mailTo);
  assert.ok(!channelPatchSchema.safeParse({ kind: 'email' }).success);
});
