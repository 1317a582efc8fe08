/** The admin every test portal is created with (ADMIN_EMAIL / ADMIN_PASSWORD). */
export const TEST_ADMIN = { email: 'admin@portal.test', password: 'Test-admin-pass-1' } as const;
