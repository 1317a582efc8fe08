/**
 * Every HTTP endpoint and page the portal serves, read from the file system (app/api/**\/route.ts
 * with their exported methods, app/**\/page.tsx) plus the two endpoints server.ts serves itself,
 * so a new route is covered by the security tests without anyone listing it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** `readsBody`: the handler reads a request body (so it gets body fuzzing). */
export type Endpoint = { method: string; path: string; readsBody: boolean };

const APP_DIR = join(process.cwd(), 'app');
const METHODS = 'GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS';
const EXPORTED_METHOD = new RegExp(`export\\s+(?:const\\s+(${METHODS})\\b|(?:async\\s+)?function\\s+(${METHODS})\\b|\\{([^}]*)\\})`, 'g');

/** Served by server.ts before Next.js sees the request. */
export const SERVER_ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/api/events', readsBody: false },
  { method: 'GET', path: '/metrics', readsBody: false },
];

function files(dir: string, name: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(p, name));
    else if (entry.name === name) out.push(p);
  }
  return out.sort();
}

/** `app/(portal)/registrations/[id]/route.ts` → `/registrations/[id]` (route groups removed). */
function urlPath(file: string): string {
  const segments = relative(APP_DIR, file).split(sep).slice(0, -1).filter((s) => !/^\(.*\)$/.test(s));
  return `/${segments.join('/')}`;
}

/** The HTTP methods a route module exports (`export const GET`, `export async function POST`, `export { GET }`). */
export function exportedMethods(source: string): string[] {
  const methods = new Set<string>();
  for (const m of source.matchAll(EXPORTED_METHOD)) {
    if (m[1] ?? m[2]) methods.add((m[1] ?? m[2])!);
    for (const name of m[3]?.split(',') ?? []) {
      const exported = name.trim().split(/\s+as\s+/).pop()!.trim();
      if (new RegExp(`^(${METHODS})$`).test(exported)) methods.add(exported);
    }
  }
  return [...methods].sort();
}

const READS_BODY = /readJsonBody|readBodyBytes|readImportBody|\.(json|text|formData|arrayBuffer|blob)\(\)|\.body\b/;

/**
 * Whether the `method` handler in `source` reads the body: the text from its export to the next
 * export (or the whole file when it is exported by name).
 */
function handlerReadsBody(source: string, method: string): boolean {
  const start = source.search(new RegExp(`export\\s+(const|(async\\s+)?function)\\s+${method}\\b`));
  if (start < 0) return READS_BODY.test(source);
  const next = source.slice(start + 1).search(/\nexport\s/);
  return READS_BODY.test(source.slice(start, next < 0 ? undefined : start + 1 + next));
}

/** Every route handler method under app/api, plus server.ts's own endpoints; paths keep `[id]`. */
export function apiEndpoints(): Endpoint[] {
  const fromFiles = files(join(APP_DIR, 'api'), 'route.ts').flatMap((file) => {
    const source = readFileSync(file, 'utf8');
    return exportedMethods(source).map((method) => ({ method, path: urlPath(file), readsBody: handlerReadsBody(source, method) }));
  });
  return [...fromFiles, ...SERVER_ENDPOINTS];
}

/** Every page path (route groups removed, `[id]` kept). */
export function pagePaths(): string[] {
  return files(APP_DIR, 'page.tsx').map(urlPath);
}

/** Every page module: its URL path template and its source. */
export function pageModules(): { path: string; file: string; source: string }[] {
  return files(APP_DIR, 'page.tsx').map((file) => ({ path: urlPath(file), file: relative(process.cwd(), file), source: readFileSync(file, 'utf8') }));
}

/** Replaces each `[param]` segment with the id `idFor` gives for the collection before it. */
export function fillIds(path: string, idFor: (collection: string) => number | string): string {
  const segments = path.split('/');
  return segments.map((s, i) => (/^\[.+\]$/.test(s) ? String(idFor(segments[i - 1] ?? '')) : s)).join('/');
}

export const isWrite = (method: string) => method !== 'GET' && method !== 'HEAD';
