// `npm run registrar`: the engine alone against the portal database (portal and engine as
// separate processes). SIGTERM/SIGINT unregister every binding, bounded by a deadline.
import { closeDatabase, databaseLocation, dbHandle, openDatabase } from '../lib/db/client';
import { env } from '../lib/env';
import { errorText, log } from '../lib/log';
import { RegistrarStartError, startRegistrar } from './start';

async function main(): Promise<void> {
  const config = env();
  const db = openDatabase(databaseLocation(config));
  const registrar = await startRegistrar(db, config);
  log.info(`registrar: SIP on ${registrar.bind}, database ${dbHandle(db).dialect === 'pg' ? 'PostgreSQL (DATABASE_URL)' : config.DATABASE_PATH}`);
  const shutdown = async () => {
    await registrar.stop();
    await closeDatabase(db);
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  log.fatal(err instanceof RegistrarStartError ? err.logLine() : errorText(err));
  process.exit(1);
});
