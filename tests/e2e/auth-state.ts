import { join } from 'node:path';

/**
 * Where the setup project stores the test admin's signed-in browser state: one file per E2E_PORT,
 * so two runs side by side do not sign each other out.
 */
export const ADMIN_STATE = join('test-results', 'e2e-auth', `admin-${process.env.E2E_PORT ?? 3107}.json`);
