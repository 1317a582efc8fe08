// Fails when the browser's bundles (.next/static/chunks) hold drizzle-orm code or the table
// definitions (lib/db/schema.ts): client code builds its form schemas from the generated column
// description (lib/forms/), never from the tables. Run by scripts/ensure-build.mjs after
// `next build`, and by tests/unit/forms/client-chunks.test.ts.
//   node scripts/check-client-chunks.mjs [dir]
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * What gives drizzle away in minified code: its entity symbols (`Symbol.for("drizzle:Name")`),
 * its column classes' entity kinds ("SQLiteText", "SQLiteInteger"…), and the SQL names only the
 * table definitions spell.
 */
export const MARKERS = [
  /drizzle:(Name|Columns|IsDrizzleTable|OriginalName|BaseName)/,
  /["'`]SQLite(Table|Text|Integer|Column|Boolean|TextJson)["'`]/,
  /["'`](ddi_providers|register_server_uri|registration_traces|ddi_provider_id)["'`]/,
];

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => join(e.parentPath, e.name));
}

/** The chunks under `dir` holding a marker, with the first one found in each. */
export function findDrizzleInChunks(dir) {
  const found = [];
  for (const file of jsFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    for (const marker of MARKERS) {
      const m = marker.exec(text);
      if (m) {
        found.push({ file: relative(process.cwd(), file), marker: m[0] });
        break;
      }
    }
  }
  return found;
}

if (import.meta.filename === process.argv[1]) {
  const dir = process.argv[2] ?? join('.next', 'static', 'chunks');
  const files = jsFiles(dir);
  if (files.length === 0) {
    console.error(`check-client-chunks: no JavaScript under ${dir} (build first)`);
    process.exit(2);
  }
  const found = findDrizzleInChunks(dir);
  if (found.length > 0) {
    for (const f of found) console.error(`check-client-chunks: ${f.file} holds drizzle code or table definitions (${f.marker})`);
    console.error('A client module imports lib/db/ or drizzle-orm, directly or through a lib/ module: build its schema from lib/forms/ instead.');
    process.exit(1);
  }
  console.log(`check-client-chunks: ${files.length} chunks, no drizzle code or table definitions`);
}
