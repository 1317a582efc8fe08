/**
 * Who may read /metrics (METRICS_ACCESS): `admin` (default) admins only, by session or API token;
 * `token` any API token (a Prometheus scrape job with a viewer's token) or an admin session;
 * `viewer` anyone signed in. The Node.js version (`nodejs_version_info`) is shown to admins only.
 */
import type { Principal } from '../auth/principal';

export type MetricsAccess = 'admin' | 'token' | 'viewer';

export function metricsAllowed(principal: Principal, access: MetricsAccess): boolean {
  if (principal.role === 'admin') return true;
  if (access === 'viewer') return true;
  return access === 'token' && principal.via === 'token';
}

/** The exposition text without the lines of `nodejs_version_info` (for non-admins). */
export function withoutVersionInfo(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^(# (HELP|TYPE) )?nodejs_version_info\b/.test(line))
    .join('\n');
}
