// scripts/test.mjs argument parsing and file selection (scripts/test-args.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTestArgs, selectTests } from '../../../scripts/test-args.mjs';

const FILES = {
  unit: ['tests/unit/rules/ddi.test.ts', 'tests/unit/registrar/stream.test.ts', 'tests/unit/registrar/supervisor.test.ts'],
  api: ['tests/api/races.test.ts', 'tests/api/registrations.test.ts'],
  sip: ['tests/sip/srv-failover.test.ts', 'tests/sip/srv-weights.test.ts', 'tests/sip/supervisor.test.ts'],
  e2e: ['tests/e2e/registration-form.spec.ts', 'tests/e2e/registrations-list.spec.ts'],
};

test('parseTestArgs: every filter is kept, the first one too, with or without --only, in any order', () => {
  assert.deepEqual(parseTestArgs([]), { only: null, filters: [] });
  assert.deepEqual(parseTestArgs(['rules']), { only: null, filters: ['rules'] });
  assert.deepEqual(parseTestArgs(['rules', 'stream']), { only: null, filters: ['rules', 'stream'] });
  assert.deepEqual(parseTestArgs(['--only', 'unit']), { only: 'unit', filters: [] });
  assert.deepEqual(parseTestArgs(['--only', 'unit', 'rules']), { only: 'unit', filters: ['rules'] });
  assert.deepEqual(parseTestArgs(['rules', '--only', 'unit', 'stream']), { only: 'unit', filters: ['rules', 'stream'] });
  assert.deepEqual(parseTestArgs(['--only=sip', 'srv-']), { only: 'sip', filters: ['srv-'] });
});

test('parseTestArgs: an unknown suite, a missing one, two different ones or an unknown option are errors', () => {
  assert.throws(() => parseTestArgs(['--only']), /--only needs one of unit, api, sip, e2e \(got nothing\)/);
  assert.throws(() => parseTestArgs(['--only', 'units']), /got 'units'/);
  assert.throws(() => parseTestArgs(['--only', 'unit', '--only', 'api']), /--only given twice/);
  assert.throws(() => parseTestArgs(['--grep', 'x']), /unknown option '--grep'/);
});

test('parseTestArgs: --db picks the database (sqlite, pg or both), absent when not given', () => {
  assert.deepEqual(parseTestArgs(['--db', 'pg', '--only', 'api', 'races']), { only: 'api', filters: ['races'], db: 'pg' });
  assert.deepEqual(parseTestArgs(['--db=both']), { only: null, filters: [], db: 'both' });
  assert.throws(() => parseTestArgs(['--db', 'mysql']), /--db needs one of sqlite, pg, both \(got 'mysql'\)/);
  assert.throws(() => parseTestArgs(['--db', 'pg', '--db', 'sqlite']), /--db given twice/);
});

test('selectTests: no filter selects every file of the chosen suites, Playwright included', () => {
  const all = selectTests({ only: null, filters: [] }, FILES);
  assert.deepEqual(all.node, { unit: FILES.unit, api: FILES.api, sip: FILES.sip });
  assert.deepEqual(all.e2e, FILES.e2e);
  assert.deepEqual(all.unmatched, []);
  const unit = selectTests({ only: 'unit', filters: [] }, FILES);
  assert.deepEqual(unit.node, { unit: FILES.unit });
  assert.deepEqual(unit.e2e, []);
  assert.deepEqual(selectTests({ only: 'e2e', filters: [] }, FILES), { node: {}, e2e: FILES.e2e, unmatched: [] });
});

test('selectTests: filters pick node:test files and specs by substring; Playwright only when a spec matches', () => {
  const rules = selectTests({ only: null, filters: ['rules'] }, FILES);
  assert.deepEqual(rules.node, { unit: ['tests/unit/rules/ddi.test.ts'], api: [], sip: [] });
  assert.deepEqual(rules.e2e, [], 'a node:test filter does not start Playwright');
  const mixed = selectTests({ only: null, filters: ['supervisor', 'registration-form'] }, FILES);
  assert.deepEqual(mixed.node, { unit: ['tests/unit/registrar/supervisor.test.ts'], api: [], sip: ['tests/sip/supervisor.test.ts'] });
  assert.deepEqual(mixed.e2e, ['tests/e2e/registration-form.spec.ts']);
  const sip = selectTests({ only: 'sip', filters: ['srv-', 'supervisor'] }, FILES);
  assert.deepEqual(sip.node, { sip: FILES.sip });
  assert.deepEqual(selectTests({ only: null, filters: ['registrations'] }, FILES).e2e, ['tests/e2e/registrations-list.spec.ts']);
});

test('selectTests: a filter that matches nothing (in the chosen suite) is reported', () => {
  assert.deepEqual(selectTests({ only: null, filters: ['rules', 'nonesuch'] }, FILES).unmatched, ['nonesuch']);
  assert.deepEqual(selectTests({ only: 'sip', filters: ['rules'] }, FILES).unmatched, ['rules'], 'rules is a unit file, not a sip one');
});
