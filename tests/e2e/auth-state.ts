import { join } from 'node:path';

/** Where the setup project stores the test admin's signed-in browser state. */
export const ADMIN_STATE = join('test-results', 'e2e-auth', 'admin.json');
