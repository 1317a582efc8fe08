import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changedValues } from '../../../lib/client/changed-values';

test('keeps only the fields marked dirty', () => {
  const values = { username: 'alice', domain: 'sip.example', expires: 600, enabled: false };
  assert.deepEqual(changedValues(values, { domain: true, enabled: true }), { domain: 'sip.example', enabled: false });
});

test('nothing dirty → an empty patch (the server treats it as a no-op)', () => {
  assert.deepEqual(changedValues({ name: 'Carrier' }, {}), {});
});

test('a field marked not dirty (false) is left out', () => {
  assert.deepEqual(changedValues({ name: 'A', description: 'B' }, { name: false, description: true }), { description: 'B' });
});
