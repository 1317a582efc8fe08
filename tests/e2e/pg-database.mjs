// Creates or drops one PostgreSQL database of the run's cluster, synchronously callable from
// playwright.config.ts (a child process): `node tests/e2e/pg-database.mjs create|drop <admin-url> <name>`.
import pg from 'pg';

const [action, adminUrl, name] = process.argv.slice(2);
if (!['create', 'drop'].includes(action) || !adminUrl || !/^[a-z0-9_]+$/.test(name ?? '')) {
  console.error('usage: node tests/e2e/pg-database.mjs create|drop <admin-url> <name>');
  process.exit(2);
}
const client = new pg.Client({ connectionString: adminUrl });
await client.connect();
try {
  await client.query(
    action === 'create'
      ? `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`
      : `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`,
  );
} finally {
  await client.end();
}
