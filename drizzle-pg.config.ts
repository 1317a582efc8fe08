import { defineConfig } from 'drizzle-kit';

// The PostgreSQL migrations (DATABASE_URL=postgres://…), generated from lib/db/schema-pg.ts:
// `npx drizzle-kit generate --config drizzle-pg.config.ts` (npm run db:generate does both dialects).
export default defineConfig({
  dialect: 'postgresql',
  schema: './lib/db/schema-pg.ts',
  out: './drizzle-pg',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost/portal' },
});
