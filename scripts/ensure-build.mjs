// Builds what `npm start` runs when it is missing or older than its sources (FORCE_BUILD=1 forces
// it): the Next.js app (`next build`) and the Node bundles of server.ts and the registrar
// (scripts/build-node.mjs). Keeps `npm start` and `npm test` at two commands.
// `--node-only` builds just the Node bundles (for `npm run registrar`).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildNode } from './build-node.mjs';

const NEXT_SOURCES = ['app', 'components', 'lib', 'next.config.ts', 'package.json'];
const NODE_SOURCES = ['server.ts', 'registrar', 'lib', 'package.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), 0);
}

function isFresh(output, sources) {
  return (
    existsSync(output) &&
    process.env.FORCE_BUILD !== '1' &&
    Math.max(...sources.map(newestMtime)) <= statSync(output).mtimeMs
  );
}

if (!isFresh('dist/registrar.mjs', NODE_SOURCES) || !isFresh('dist/server.mjs', NODE_SOURCES)) await buildNode();
if (process.argv.includes('--node-only') || isFresh('.next/BUILD_ID', NEXT_SOURCES)) process.exit(0);

console.log('Building the portal (`next build`): no build yet, or sources changed…');
const r = spawnSync('npx', ['next', 'build'], {
  stdio: 'inherit',
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
});
process.exit(r.status ?? 1);
