/**
 * Who may call what: one table for the custom server's gate (every request) and for the route
 * handlers (checked again there). Anything not listed needs a signed-in operator; reads need any
 * role, writes need `editor`, operators management needs `admin`.
 */
import type { Role } from './roles';

export type Access = 'public' | Role;

const publicExact = new Set(['GET /api/health', 'POST /api/auth/login', 'GET /api/auth/setup', 'POST /api/auth/setup', 'GET /login', 'GET /setup']);
// `/_next/image` is not public: the gate answers 404 (the optimizer is off, images.unoptimized).
const publicPrefixes = ['/_next/static/'];
const publicFiles = new Set(['/favicon.ico', '/robots.txt']);

/** Writes any signed-in operator may make on their own account. */
const ownAccountWrites = new Set(['POST /api/auth/logout', 'POST /api/auth/password']);

const editorPages = [/^\/registrations\/(new|import)$/, /^\/providers\/new$/, /^\/(registrations|providers)\/[^/]+\/edit$/];

const isRead = (method: string) => method === 'GET' || method === 'HEAD';

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** The access a request needs, from its method and path (no query string, no trailing slash). */
export function requiredAccess(method: string, rawPath: string): Access {
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
  const key = `${isRead(method) ? 'GET' : method} ${path}`;
  if (publicExact.has(key) || (isRead(method) && (publicFiles.has(path) || publicPrefixes.some((p) => path.startsWith(p))))) return 'public';
  if (under(path, '/api/operators') || under(path, '/operators')) return 'admin';
  // Notification channels hold webhook URLs and mail servers: admins only, like operators.
  if (under(path, '/api/notification-channels') || under(path, '/settings')) return 'admin';
  // METRICS_ACCESS (default admin) can open it to API tokens or any role: the gate decides (metrics-access.ts).
  if (path === '/metrics') return 'admin';
  if (ownAccountWrites.has(key) || under(path, '/api/tokens')) return 'viewer';
  if (isRead(method)) return editorPages.some((re) => re.test(path)) ? 'editor' : 'viewer';
  return 'editor';
}

/** API paths answer 401/403 JSON; everything else is a page (redirect to sign in, or a 403 page). */
export function isApiPath(path: string): boolean {
  return path.startsWith('/api/') || path === '/metrics';
}
