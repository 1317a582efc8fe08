// The built portal (`next build`, as `npm start` serves it): none of the browser's chunks holds
// drizzle code or the table definitions (scripts/check-client-chunks.mjs, also run by the build).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findDrizzleInChunks } from '../../scripts/check-client-chunks.mjs';

test('the built client chunks hold no drizzle code or table definitions', () => {
  const dir = join('.next', 'static', 'chunks');
  const chunks = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.js'));
  assert.ok(chunks.length > 0, `no chunks under ${dir}: the suite builds first (scripts/ensure-build.mjs)`);
  assert.deepEqual(findDrizzleInChunks(dir), []);
});
