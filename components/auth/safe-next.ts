const BASE = 'http://portal.invalid';

/**
 * Where to go after signing in: `next` only when it is a path on this site — one leading "/", not
 * "//" nor "/\" (browsers read those as another host), and no control characters or spaces
 * (browsers drop tabs and newlines, so "/\t/evil" would become "//evil") — else the dashboard.
 */
export function safeNext(next: string | string[] | null | undefined): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (/[\p{Cc}\s]/u.test(value)) return '/';
  return new URL(value, BASE).origin === BASE ? value : '/';
}
