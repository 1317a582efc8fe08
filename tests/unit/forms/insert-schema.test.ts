// The form schemas are built from a generated, dependency-free description of the tables
// (lib/forms/table-columns.generated.ts) so that the browser never loads the table definitions.
// Here: the description is what the tables give now, and the schemas built from it accept and
// refuse exactly what drizzle-zod's createInsertSchema on the drizzle tables does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { createInsertSchema } from 'drizzle-zod';
import type { z } from 'zod';
import { GENERATED_FILE, render } from '../../../scripts/table-columns';
import { OPERATOR_FIELD_RULES } from '../../../lib/auth/schema';
import { ddiProviders, operators, registrations } from '../../../lib/db/schema';
import { DDI_PROVIDER_FIELD_RULES } from '../../../lib/ddi-providers/schema';
import { fieldMask, insertSchema, type TableColumns } from '../../../lib/forms/insert-schema';
import { ddiProvidersColumns, operatorsColumns, registrationsColumns } from '../../../lib/forms/table-columns.generated';
import { REGISTRATION_FIELD_RULES } from '../../../lib/registrations/schema';

const TABLES: Array<[string, SQLiteTable, TableColumns]> = [
  ['ddi_providers', ddiProviders, ddiProvidersColumns],
  ['operators', operators, operatorsColumns],
  ['registrations', registrations, registrationsColumns],
];

/** Values of every kind a field may be sent, right or wrong. */
const VALUES: unknown[] = [
  undefined, null, '', ' ', 'x', 'udp', 'auto', 'admin', 'viewer', 'sip:192.0.2.1', '+3215551234', 'ops@example.com', 'a'.repeat(300),
  0, 1, -1, 1.5, 3600, 59, 2 ** 53, -(2 ** 53), Number.NaN, Infinity, '42', true, false, [], ['+3215551234'], ['x', 'x'], {}, { a: 1 },
];

type Outcome = { ok: true; data: unknown } | { ok: false; paths: string[] };

function outcome(schema: z.ZodType, value: unknown): Outcome {
  const r = schema.safeParse(value);
  return r.success ? { ok: true, data: r.data } : { ok: false, paths: r.error.issues.map((i) => i.path.join('.')).sort() };
}

test('the generated column description is what the drizzle tables give (regenerating changes nothing)', () => {
  assert.equal(readFileSync(GENERATED_FILE, 'utf8'), render(), 'run `npm run db:generate` (scripts/table-columns.ts)');
});

test('every column, unrefined and refined by a function: the same values accepted and refused as drizzle-zod', () => {
  for (const [name, table, columns] of TABLES) {
    const keys = Object.keys(columns);
    const identity = Object.fromEntries(keys.map((k) => [k, (s: z.ZodType) => s]));
    for (const [ours, theirs] of [
      [insertSchema(columns, {}), createInsertSchema(table)],
      [insertSchema(columns, identity), createInsertSchema(table, identity as never)],
    ] as const) {
      assert.deepEqual(Object.keys(ours.shape).sort(), Object.keys(theirs.shape).sort(), name);
      for (const key of keys) {
        const a = (ours.shape as Record<string, z.ZodType>)[key];
        const b = (theirs.shape as Record<string, z.ZodType>)[key];
        for (const v of VALUES) assert.deepEqual(outcome(a, v), outcome(b, v), `${name}.${key} = ${JSON.stringify(v)}`);
      }
    }
  }
});

const FORMS: Array<[string, SQLiteTable, TableColumns, Record<string, z.ZodType>, Record<string, unknown>]> = [
  [
    'registration',
    registrations,
    registrationsColumns,
    REGISTRATION_FIELD_RULES,
    { ddiProviderId: 1, username: 'alice', domain: 'sip.example.com', ddi: '+3215551234', authUsername: null, registerServerUri: null, realm: null, expires: 3600, transport: 'udp', enabled: true },
  ],
  ['DDI provider', ddiProviders, ddiProvidersColumns, DDI_PROVIDER_FIELD_RULES, { name: 'Carrier', description: 'Contract 42', ddis: ['+3215551234'], forwardTo: null, alertHoldS: 300 }],
  ['operator', operators, operatorsColumns, OPERATOR_FIELD_RULES, { email: 'Ops@Example.com', name: 'Ops', role: 'admin' }],
];

test('each form: its client schema accepts and refuses exactly what the drizzle-zod schema of the table does, with the same output', () => {
  for (const [name, table, columns, rules, valid] of FORMS) {
    const ours = insertSchema(columns, rules).pick(fieldMask(rules)).strict();
    const theirs = createInsertSchema(table, rules as never).pick(fieldMask(rules) as never).strict();
    const cases: unknown[] = [valid, {}, null, 'x', { ...valid, extra: 1 }];
    for (const key of Object.keys(rules)) {
      const { [key]: _left, ...without } = valid;
      cases.push(without);
      for (const v of VALUES) cases.push({ ...valid, [key]: v });
    }
    assert.equal(outcome(ours, valid).ok, true, `${name}: the valid sample`);
    for (const c of cases) assert.deepEqual(outcome(ours, c), outcome(theirs, c), `${name}: ${JSON.stringify(c)}`);
  }
});
