// ESLint rule `layers/boundaries`: which folder may import which (the layering the README's
// Layout section describes). Each import is resolved to a file path (relative, `@/…`) or a package
// name, both sides are given a layer, and the import must be in the importer's allowed list.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * The layer of a project file (path relative to the repository root, '/'-separated), or null
 * for files no rule covers (tests, scripts, configuration).
 */
export function layerOf(path) {
  if (path.startsWith('registrar/domain/')) return 'domain';
  if (path === 'registrar/index.ts') return 'engine-entry';
  // The engine's adapters to the portal's database and settings: they read the secrets, the
  // environment and the SQLite file through lib/, so they may import it; the core may not.
  if (/^registrar\/(store\/|start\.ts$|main\.ts$|supervisor\.ts$)/.test(path)) return 'engine-adapter';
  if (path.startsWith('registrar/')) return 'engine';
  if (path.startsWith('lib/db/')) return 'db';
  if (path.startsWith('lib/')) return 'lib';
  if (path.startsWith('components/')) return 'components';
  if (path.startsWith('app/')) return 'app';
  return null;
}

/** Packages only the portal (React, Next.js) or only the storage adapters may use. */
const UI_PACKAGES = /^(react|react-dom|next|@tanstack\/|react-hook-form|@hookform\/)/;
const STORAGE_PACKAGES = /^(better-sqlite3|drizzle-orm|drizzle-zod)(\/|$)/;

/** For each layer: the layers it may import, and the packages it may not. */
export const RULES = {
  domain: { layers: ['domain'], packages: () => 'the domain vocabulary imports nothing' },
  engine: {
    layers: ['domain', 'engine'],
    packages: (name) => (UI_PACKAGES.test(name) || STORAGE_PACKAGES.test(name) ? 'the engine core uses no UI or storage package' : null),
  },
  'engine-entry': { layers: ['domain', 'engine'], packages: () => null },
  'engine-adapter': {
    layers: ['domain', 'engine', 'engine-adapter', 'lib', 'db'],
    packages: (name) => (UI_PACKAGES.test(name) ? 'the engine uses no UI package' : null),
  },
  db: { layers: ['domain', 'db', 'lib'], packages: (name) => (UI_PACKAGES.test(name) ? 'the database layer uses no UI package' : null) },
  lib: { layers: ['domain', 'engine-entry', 'lib', 'db'], packages: () => null },
  components: { layers: ['domain', 'lib', 'components'], packages: (name) => (STORAGE_PACKAGES.test(name) ? 'client components use no storage package' : null) },
  app: { layers: ['domain', 'engine-entry', 'lib', 'db', 'components', 'app'], packages: () => null },
};

const WHY = {
  'engine-entry': 'import the engine through its public entry, registrar/index.ts (or registrar/domain/vocabulary.ts)',
  engine: 'import the engine through its public entry, registrar/index.ts (or registrar/domain/vocabulary.ts)',
  'engine-adapter': 'only server.ts starts the engine (registrar/start.ts)',
  db: 'lib/db/ holds the table definitions, for server code: client components import the domain vocabulary (registrar/domain/vocabulary.ts) or the API contract types (lib/client/types.ts)',
  lib: 'the engine core does not depend on the portal: inject what it needs, or put it in an adapter (registrar/store/, start.ts, supervisor.ts, main.ts)',
  components: 'only the app/ pages render components',
  app: 'nothing imports the routes',
};

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The project path (root-relative, no extension) an import names, or null for a package. */
function targetPath(spec, fromFile) {
  if (spec.startsWith('@/')) return spec.slice(2);
  if (spec.startsWith('.')) return relative(ROOT, resolve(dirname(fromFile), spec)).split('\\').join('/');
  return null;
}

function targetLayer(path) {
  // Imports name files without their extension; `registrar` and `registrar/index` are the entry.
  if (path === 'registrar' || path === 'registrar/index') return 'engine-entry';
  return layerOf(`${path}.ts`) ?? layerOf(`${path}/`);
}

export const boundaries = {
  meta: { type: 'problem', docs: { description: 'Imports follow the layering (README, Layout)' }, schema: [] },
  create(context) {
    const file = relative(ROOT, context.filename).split('\\').join('/');
    const from = layerOf(file);
    if (!from) return {};
    const rule = RULES[from];
    function check(node, spec) {
      if (typeof spec !== 'string') return;
      const path = targetPath(spec, context.filename);
      if (path === null) {
        if (spec.startsWith('node:') || builtinModules.includes(spec)) {
          if (from === 'domain') context.report({ node, message: `${file} (${from}) may not import '${spec}': ${rule.packages(spec)}.` });
          return;
        }
        const why = rule.packages(packageName(spec));
        if (why) context.report({ node, message: `${file} (${from}) may not import '${spec}': ${why}.` });
        return;
      }
      const to = targetLayer(path);
      if (!to || rule.layers.includes(to)) return;
      const why = from === 'components' && to.startsWith('engine') ? 'client components import only the domain vocabulary (registrar/domain/vocabulary.ts) from the engine' : WHY[to];
      context.report({ node, message: `${file} (${from}) may not import '${spec}' (${to}): ${why}.` });
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { boundaries } };
