// Builds the Next.js app when there is no production build yet, or when a source file is newer
// than the build (FORCE_BUILD=1 forces it). Keeps `npm start` and `npm test` at two commands.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const SOURCES = ['app', 'components', 'lib', 'next.config.ts', 'package.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), 0);
}

const buildId = '.next/BUILD_ID';
const fresh =
  existsSync(buildId) &&
  process.env.FORCE_BUILD !== '1' &&
  Math.max(...SOURCES.map(newestMtime)) <= statSync(buildId).mtimeMs;
if (fresh) process.exit(0);

console.log('Building the portal (`next build`): no build yet, or sources changed…');
const r = spawnSync('npx', ['next', 'build'], {
  stdio: 'inherit',
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
});
process.exit(r.status ?? 1);
