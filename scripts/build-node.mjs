// Bundles the Node entry points (custom server, standalone registrar) into dist/ with esbuild, so
// they run on plain `node`: no TypeScript compilation at every start (a quarter of a second of
// CPU and ~40 MiB less for the engine). Packages stay external (resolved from node_modules).
import { build } from 'esbuild';

export const ENTRY_POINTS = { server: 'server.ts', registrar: 'registrar/main.ts' };

export async function buildNode() {
  await build({
    entryPoints: ENTRY_POINTS,
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await buildNode();
