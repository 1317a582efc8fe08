import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';

// The layering rule (scripts/lint/layers.mjs) as `npm test` runs it: the repository's own
// eslint.config.mjs, on one import line per case, as if written in the named file.
const eslint = new ESLint({ cwd: process.cwd() });

async function boundaryErrors(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const used = x;\n`, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'layers/boundaries').map((m) => m.message);
}

const refused: Array<[string, string]> = [
  ['registrar/registration/new-file.ts', "import { env as x } from '../../lib/env';"],
  ['registrar/engine-part.ts', "import { useState as x } from 'react';"],
  ['registrar/dns/new-file.ts', "import x from 'better-sqlite3';"],
  ['registrar/domain/new-file.ts', "import { readFileSync as x } from 'node:fs';"],
  ['registrar/domain/new-file.ts', "import { Engine as x } from '../engine';"],
  ['components/NewThing.tsx', "import { registrations as x } from '@/lib/db/schema';"],
  ['components/NewThing.tsx', "import { Engine as x } from '@/registrar/engine';"],
  ['components/NewThing.tsx', "import { Engine as x } from '@/registrar';"],
  ['lib/registrations/new-file.ts', "import { Engine as x } from '../../registrar/engine';"],
  ['lib/new-file.ts', "import { startRegistrar as x } from '../registrar/start';"],
  ['app/api/new/route.ts', "import { Scheduler as x } from '@/registrar/scheduler';"],
  ['registrar/store/new-file.ts', "import { Nav as x } from '../../components/Nav';"],
  // indirectly: a lib/ module that loads the tables (lib/registrations/live.ts imports lib/db/schema)
  ['components/NewThing.tsx', "import { listTrace as x } from '@/lib/registrations/live';"],
  // …or drizzle-zod
  ['components/NewThing.tsx', "import { createInsertSchema as x } from 'drizzle-zod';"],
];

const allowed: Array<[string, string]> = [
  ['registrar/registration/new-file.ts', "import { REGISTRATION_STATES as x } from '../domain/vocabulary';"],
  ['registrar/store/new-file.ts', "import { openSecret as x } from '../../lib/secrets/cipher';"],
  ['components/NewThing.tsx', "import { TRANSPORT_SETTINGS as x } from '@/registrar/domain/vocabulary';"],
  ['components/NewThing.tsx', "import { api as x } from '@/lib/client/api';"],
  ['lib/registrations/new-file.ts', "import { Engine as x } from '../../registrar';"],
  ['lib/registrations/new-file.ts', "import { registrations as x } from '../db/schema';"],
  ['app/api/new/route.ts', "import { LATENCY_BUCKETS_MS as x } from '@/registrar/index';"],
  // the form schemas are built from the generated column description: nothing of the tables
  ['components/NewThing.tsx', "import { registrationInputSchema as x } from '@/lib/registrations/schema';"],
  ['components/NewThing.tsx', "import { operatorCreateSchema as x } from '@/lib/auth/schema';"],
  // types only from such a lib/ module are erased: nothing reaches the browser
  ['components/NewThing.tsx', "import { type listTrace as x } from '@/lib/registrations/live';"],
];

test('a wrong-way import fails the lint: the engine core imports no portal, UI or storage code; client components no tables (directly or through lib/) or engine internals; lib/ and app/ only the engine entry', async () => {
  for (const [file, line] of refused) {
    const errors = await boundaryErrors(file, line);
    assert.equal(errors.length, 1, `${file}: ${line} should be refused`);
  }
});

test('the allowed directions pass: the vocabulary from anywhere, lib/ from the engine adapters, the public entry from lib/ and app/', async () => {
  for (const [file, line] of allowed) assert.deepEqual(await boundaryErrors(file, line), [], `${file}: ${line}`);
});
