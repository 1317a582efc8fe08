// Signs the test admin in once (the portal creates it from ADMIN_EMAIL / ADMIN_PASSWORD) and saves
// the session cookie for every browser test (playwright.config.ts `storageState`).
import { expect, test as setup } from '@playwright/test';
import { TEST_ADMIN } from '../test-admin';
import { ADMIN_STATE } from './auth-state';

setup('sign in as the test admin', async ({ request }) => {
  const res = await request.post('/api/auth/login', { data: TEST_ADMIN });
  expect(res.status(), await res.text()).toBe(200);
  await request.storageState({ path: ADMIN_STATE });
});
