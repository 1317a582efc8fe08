// Builds what `npm start` runs when it is missing or older than its sources (FORCE_BUILD=1 or
// `--force`, as `npm run build` passes, forces it): the Next.js app (`next build`) and the Node
// bundles of server.ts and the registrar (scripts/build-node.mjs). Keeps `npm start` and `npm test` at two commands.
// `--node-only` builds just the Node bundles (for `npm run registrar`).
//
// Stale means: a source file or folder changed after the output (a folder's own time covers
// deleted and renamed files). Next's sources are everything `next build` reads — the engine in
// registrar/ included, which "Test registration" bundles. The Node bundles' sources are the files
// esbuild bundled last time (dist/inputs.json), plus the build script and the configuration.
// Before `next build`, the generated column description of the form schemas is checked against the
// tables (scripts/table-columns.ts); after it, the browser's chunks are checked for drizzle code
// (scripts/check-client-chunks.mjs): either failing fails the build.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildNode, INPUTS_FILE } from './build-node.mjs';

const NEXT_SOURCES = [
  'app', 'components', 'lib', 'registrar', 'drizzle',
  'next.config.ts', 'tsconfig.json', 'package.json', 'package-lock.json',
  '.env', '.env.local', '.env.production', '.env.production.local',
];
const NODE_CONFIG = ['scripts/build-node.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'];
const NODE_OUTPUTS = ['dist/server.mjs', 'dist/registrar.mjs', 'dist/store-writer.mjs'];

/** Newest modification time under `path` (files and folders), 0 when it does not exist. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), st.mtimeMs);
}

function isFresh(outputs, sources) {
  if (process.env.FORCE_BUILD === '1' || process.argv.includes('--force') || !outputs.every((o) => existsSync(o))) return false;
  const built = Math.min(...outputs.map((o) => statSync(o).mtimeMs));
  return Math.max(...sources.map(newestMtime)) <= built;
}

/** The files the last esbuild run bundled, or null when unknown or one of them is gone. */
function nodeInputs() {
  try {
    const inputs = JSON.parse(readFileSync(INPUTS_FILE, 'utf8'));
    return Array.isArray(inputs) && inputs.every((f) => typeof f === 'string' && existsSync(f)) ? inputs : null;
  } catch {
    return null;
  }
}

const inputs = nodeInputs();
if (!inputs || !isFresh([...NODE_OUTPUTS, INPUTS_FILE], [...inputs, ...NODE_CONFIG])) await buildNode();
if (process.argv.includes('--node-only') || isFresh(['.next/BUILD_ID'], NEXT_SOURCES)) process.exit(0);

// The form schemas' column description must match the tables (scripts/table-columns.ts).
const columns = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/table-columns.ts', '--check'], { stdio: 'inherit' });
if (columns.status !== 0) process.exit(columns.status ?? 1);

console.log('Building the portal (`next build`): no build yet, or sources changed…');
const r = spawnSync('npx', ['next', 'build'], {
  stdio: 'inherit',
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
});
if (r.status !== 0) process.exit(r.status ?? 1);
// …and the browser's bundles hold no drizzle code or table definitions.
const chunks = spawnSync(process.execPath, ['scripts/check-client-chunks.mjs'], { stdio: 'inherit' });
process.exit(chunks.status ?? 1);
