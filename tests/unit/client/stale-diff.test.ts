import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../../lib/client/api';
import {
  describeChange,
  providerChanges,
  registrationChanges,
  staleCurrent,
  type ProviderVersion,
  type RegistrationVersion,
} from '../../../lib/client/stale-diff';

const loaded: RegistrationVersion = {
  ddiProviderId: 1,
  ddiProviderName: 'Carrier A',
  username: '883200145',
  domain: 'sip.a.example',
  ddi: '+34911223344',
  authUsername: null,
  registerServerUri: null,
  realm: null,
  expires: 3600,
  transport: 'udp',
  enabled: true,
  hasPassword: true,
};

const lines = (before: RegistrationVersion, after: RegistrationVersion) => registrationChanges(before, after).map(describeChange);

describe('registrationChanges', () => {
  test('nothing differs: no change', () => {
    assert.deepEqual(registrationChanges(loaded, { ...loaded }), []);
  });

  test('each differing field, labelled from the glossary, in form order', () => {
    const current: RegistrationVersion = {
      ...loaded,
      enabled: false,
      ddi: '+34911000000',
      username: '883200999',
      ddiProviderId: 2,
      ddiProviderName: 'Carrier B',
      authUsername: 'auth-user',
      expires: 600,
      transport: 'tls',
    };
    assert.deepEqual(lines(loaded, current), [
      'DDI provider: Carrier A → Carrier B',
      'Username: 883200145 → 883200999',
      'DDI: +34911223344 → +34911000000',
      'User: (empty) → auth-user',
      'Expire: 3600 → 600',
      'Transport: UDP → TLS',
      'Enabled: yes → no',
    ]);
  });

  test('an emptied optional field shows as (empty)', () => {
    assert.deepEqual(lines({ ...loaded, realm: 'example' }, { ...loaded, realm: null }), ['Realm: example → (empty)']);
    assert.deepEqual(lines({ ...loaded, registerServerUri: '' }, { ...loaded, registerServerUri: 'sip:192.0.2.10' }), [
      'Register server URI: (empty) → sip:192.0.2.10',
    ]);
  });

  test('the password only as "changed", in its place after Domain', () => {
    const current = { ...loaded, hasPassword: false, domain: 'sip.b.example', ddi: '+1555' };
    const changes = registrationChanges(loaded, current);
    assert.deepEqual(changes.map(describeChange), ['Domain: sip.a.example → sip.b.example', 'Password: changed', 'DDI: +34911223344 → +1555']);
    assert.deepEqual(changes[1], { field: 'password', label: 'Password', secret: true });
  });

  test('extra properties of the API answer (status, revision, timestamps) are ignored', () => {
    const withExtras = { ...loaded, revision: 7, updatedAt: 1, status: { state: 'registered' } } as RegistrationVersion;
    assert.deepEqual(registrationChanges(loaded, withExtras), []);
  });

  test('a provider without a name in the answer is shown by id', () => {
    assert.deepEqual(lines(loaded, { ...loaded, ddiProviderId: 9, ddiProviderName: '' }), ['DDI provider: Carrier A → #9']);
  });

  test('stored HTML is kept as plain text (rendering escapes it)', () => {
    assert.deepEqual(lines(loaded, { ...loaded, realm: '<script>x</script>' }), ['Realm: (empty) → <script>x</script>']);
  });
});

describe('providerChanges', () => {
  const provider: ProviderVersion = { name: 'Carrier A', description: '', ddis: ['+1000', '+1001'], revision: 3 };

  test('nothing differs: no change (revision is not a field)', () => {
    assert.deepEqual(providerChanges(provider, { ...provider, ddis: [...provider.ddis], revision: 4 }), []);
  });

  test('name, description and DDIs', () => {
    const current = { name: 'Carrier B', description: 'Contract 43', ddis: ['+1000'] };
    assert.deepEqual(providerChanges(provider, current).map(describeChange), [
      'Name: Carrier A → Carrier B',
      'Description: (empty) → Contract 43',
      'DDIs: +1000, +1001 → +1000',
    ]);
  });

  test('DDI order counts; an emptied list shows as (empty)', () => {
    assert.deepEqual(providerChanges(provider, { ...provider, ddis: ['+1001', '+1000'] }).map(describeChange), [
      'DDIs: +1000, +1001 → +1001, +1000',
    ]);
    assert.deepEqual(providerChanges(provider, { ...provider, ddis: [] }).map(describeChange), ['DDIs: +1000, +1001 → (empty)']);
  });

  test('a long DDI list is cut and counted', () => {
    const many = Array.from({ length: 20 }, (_, i) => `+2${String(i).padStart(3, '0')}`);
    const [line] = providerChanges(provider, { ...provider, ddis: many }).map(describeChange);
    assert.equal(line, 'DDIs: +1000, +1001 → +2000, +2001, +2002, +2003, +2004, +2005, +2006, +2007, … (20 in all)');
  });
});

describe('staleCurrent', () => {
  const current = { ...loaded, id: 5, revision: 4 };

  test('the current entity of a 409 stale answer', () => {
    const err = new ApiError(409, 'stale', 'Changed meanwhile.', undefined, { code: 'stale', message: 'Changed meanwhile.', current });
    assert.deepEqual(staleCurrent(err), current);
  });

  test('null for other errors, other codes, or a stale answer without an entity', () => {
    assert.equal(staleCurrent(new Error('boom')), null);
    assert.equal(staleCurrent(new ApiError(409, 'conflict', 'Taken.', { ddi: 'Taken.' }, { code: 'conflict', current })), null);
    assert.equal(staleCurrent(new ApiError(409, 'stale', 'Changed.', undefined, { code: 'stale' })), null);
    assert.equal(staleCurrent(new ApiError(409, 'stale', 'Changed.', undefined, { code: 'stale', current: 'nope' })), null);
    assert.equal(staleCurrent(new ApiError(409, 'stale', 'Changed.')), null);
  });
});
