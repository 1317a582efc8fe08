// scripts/check-client-chunks.mjs (run after `next build`) finds drizzle in minified browser code,
// and the form schemas client components import carry none. Both bundled here with esbuild, minified
// for the browser as Next would; the built `.next` chunks are checked by tests/api/client-chunks.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { findDrizzleInChunks } from '../../../scripts/check-client-chunks.mjs';

async function chunkOf(t: test.TestContext, source: string): Promise<string> {
  const out = await build({
    stdin: { contents: source, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    minify: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
  });
  const dir = mkdtempSync(join(tmpdir(), 'chunks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'chunk.js'), out.outputFiles[0].text);
  return dir;
}

test('a browser bundle of the table definitions is caught', async (t) => {
  const dir = await chunkOf(t, "import { registrations } from './lib/db/schema'; console.log(registrations);");
  const found = findDrizzleInChunks(dir);
  assert.equal(found.length, 1, 'the minified table definitions give drizzle away');
});

test('a browser bundle of drizzle-zod on a table is caught', async (t) => {
  const dir = await chunkOf(t, "import { createInsertSchema } from 'drizzle-zod'; import { operators } from './lib/db/schema'; console.log(createInsertSchema(operators));");
  assert.equal(findDrizzleInChunks(dir).length, 1);
});

test('the form schemas client components use carry no drizzle code or table definitions', async (t) => {
  const dir = await chunkOf(
    t,
    [
      "import * as registration from './lib/registrations/schema';",
      "import * as provider from './lib/ddi-providers/schema';",
      "import * as operator from './lib/auth/schema';",
      'console.log(registration, provider, operator);',
    ].join('\n'),
  );
  assert.deepEqual(findDrizzleInChunks(dir), []);
});
