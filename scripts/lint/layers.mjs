// ESLint rule `layers/boundaries`: which folder may import which (the layering the README's
// Layout section describes). Each import is resolved to a file path (relative, `@/…`) or a package
// name, both sides are given a layer, and the import must be in the importer's allowed list.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

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

/** The file an extensionless project path names, or null. */
function sourceFile(path) {
  for (const candidate of [`${path}.ts`, `${path}.tsx`, `${path}/index.ts`, path]) {
    if (/\.(ts|tsx|mjs|js)$/.test(candidate) && existsSync(resolve(ROOT, candidate))) return candidate;
  }
  return null;
}

/** The module specifiers a file loads at run time (type-only imports and exports left out). */
function runtimeImports(file) {
  const source = ts.createSourceFile(file, readFileSync(resolve(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, false);
  const specs = [];
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s)) {
      const clause = s.importClause;
      const typeOnly =
        clause &&
        (clause.isTypeOnly ||
          (!clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly && ts.isStringLiteral(s.moduleSpecifier)) specs.push(s.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(s) && !s.isTypeOnly && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) {
      specs.push(s.moduleSpecifier.text);
    }
  }
  return specs;
}

const storageChains = new Map();

/**
 * For a lib/ module a client component imports: the chain of lib/ modules through which it loads
 * the table definitions (lib/db/) or a storage package at run time, e.g. ['lib/registrations/schema.ts',
 * 'lib/db/schema'], or null when it loads neither. The bundler would put them in the browser's chunks.
 */
export function storageChain(path, seen = new Set()) {
  const file = sourceFile(path);
  if (!file || seen.has(file)) return null;
  if (storageChains.has(file)) return storageChains.get(file);
  seen.add(file);
  let chain = null;
  for (const spec of runtimeImports(file)) {
    const target = targetPath(spec, resolve(ROOT, file));
    if (target === null) {
      if (STORAGE_PACKAGES.test(packageName(spec))) chain = [file, spec];
    } else {
      const layer = targetLayer(target);
      if (layer === 'db') chain = [file, target];
      else if (layer === 'lib') {
        const rest = storageChain(target, seen);
        if (rest) chain = [file, ...rest];
      }
    }
    if (chain) break;
  }
  storageChains.set(file, chain);
  return chain;
}

function targetLayer(path) {
  // Imports name files without their extension; `registrar` and `registrar/index` are the entry.
  if (path === 'registrar' || path === 'registrar/index') return 'engine-entry';
  return layerOf(`${path}.ts`) ?? layerOf(`${path}/`);
}

const WHY_INDIRECT = 'the table definitions or a storage package: build client-side schemas from lib/forms/ (the generated column description)';

/** `import type …`, `export type … from`, or an import of types only. */
function isTypeOnly(node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = node.specifiers ?? [];
  return specifiers.length > 0 && specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type');
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
      if (from === 'components' && to === 'lib' && !isTypeOnly(node)) {
        const chain = storageChain(path);
        if (chain) {
          context.report({
            node,
            message: `${file} (${from}) may not import '${spec}': it loads ${chain.at(-1)} (${chain.join(' → ')}), so the browser would get ${WHY_INDIRECT}.`,
          });
          return;
        }
      }
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
