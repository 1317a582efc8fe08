// Bundles the Node entry points (custom server, standalone registrar) into dist/ with esbuild, so
// they run on plain `node`: no TypeScript compilation at every start (a quarter of a second of
// CPU and ~40 MiB less for the engine). The server's packages stay external (resolved from
// node_modules). The registrar's bundle also holds drizzle-orm (issue 12, start-up): resolving and
// compiling its few hundred small ES modules one by one was most of the engine's module load
// (≈ 0.25 s of CPU before the first REGISTER); bundled, esbuild keeps only what is used. The
// other packages stay external (native better-sqlite3; pg, zod, pino load as they are, CommonJS
// or a few files). Its source map has no sources content: `--enable-source-maps` parses the map
// at load, and file:line is what a stack trace needs. The registrar's entries are split (esbuild
// `splitting`): what a dynamic import reaches goes into a chunk of its own, loaded only when
// imported — PostgreSQL's opener with pg and drizzle's driver (≈ 50 ms of CPU and 12 MiB at every
// start on SQLite, registrar/main.ts) — and code the two entries share into a common chunk.
// Chunks are named by content (dist/chunk-*.mjs); those of earlier builds are removed first.
// dist/inputs.json lists the source files bundled (esbuild's metafile, node_modules left out:
// package-lock.json stands for them), for ensure-build.mjs.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

// store-writer: the StatusStore's write thread (registrar/store/write-worker.ts), loaded by the two others from dist/.
export const ENTRY_POINTS = { server: 'server.ts', registrar: 'registrar/main.ts', 'store-writer': 'registrar/store/write-worker.ts' };
export const INPUTS_FILE = 'dist/inputs.json';
/** Packages bundled into the registrar's entries. */
const REGISTRAR_BUNDLED = ['drizzle-orm'];

const common = {
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
};

export async function buildNode() {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })
    .filter((name) => !REGISTRAR_BUNDLED.includes(name))
    .flatMap((name) => [name, `${name}/*`]);
  for (const name of existsSync('dist') ? readdirSync('dist', { withFileTypes: true }) : []) {
    if (name.isFile() && /^chunk-.*\.mjs(\.map)?$/.test(name.name)) rmSync(`dist/${name.name}`);
  }
  const [server, registrar] = await Promise.all([
    build({ ...common, entryPoints: { server: ENTRY_POINTS.server }, packages: 'external' }),
    build({
      ...common,
      entryPoints: { registrar: ENTRY_POINTS.registrar, 'store-writer': ENTRY_POINTS['store-writer'] },
      // drizzle-orm's optional drivers (pg-native, mysql2, …) are never loaded by the registrar.
      external: [...external, 'pg-native'],
      sourcesContent: false,
      splitting: true,
      chunkNames: 'chunk-[hash]',
    }),
  ]);
  const inputs = new Set([...Object.keys(server.metafile.inputs), ...Object.keys(registrar.metafile.inputs)].filter((f) => !f.startsWith('node_modules/')));
  writeFileSync(INPUTS_FILE, `${JSON.stringify([...inputs].sort(), null, 1)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildNode();
